import { describe, expect, it } from 'vitest';
import { isSchemaChange, isShareableRead, sessionEffects, usesCopyProtocol } from '../../../src/sql/classify.js';

describe('isShareableRead', () => {
  it.each([
    'SELECT 1',
    '  /* hint */ select * from t where a = $1;',
    'WITH x AS (SELECT 1) SELECT * FROM x',
    'VALUES (1), (2)',
    'TABLE t',
    "SELECT ';' AS semicolon, 'nextval' AS word",
    'SELECT "into" FROM t',
  ])('shares %s', (sql) => {
    expect(isShareableRead(sql)).toBe(true);
  });

  it.each([
    'SELECT 1; SELECT 2',
    'INSERT INTO t VALUES (1)',
    'SELECT * INTO t2 FROM t',
    "SELECT set_config('a', 'b', false)",
    'SELECT pg_advisory_lock(1)',
    "SELECT nextval('s')",
    'SELECT "NEXTVAL"(\'s\')',
    'SELECT lo_import(1)',
    "SELECT dblink_connect('x')",
    "SELECT pg_notify('c', 'x')",
    'BEGIN',
    'SET a = 1',
    '"select" 1',
    '',
    '-- nothing',
  ])('does not share %s', (sql) => {
    expect(isShareableRead(sql)).toBe(false);
  });
});

describe('sessionEffects', () => {
  it('names settings, cursors and unsafe state, with each statement text', () => {
    const sql = "SET LOCAL work_mem TO '64MB'; DECLARE c CURSOR FOR SELECT 1; SET ROLE admin; SELECT 1; SET TIME ZONE 'UTC'";
    expect(sessionEffects(sql)).toEqual([
      { kind: 'set', name: 'work_mem', statement: "SET LOCAL work_mem TO '64MB'" },
      { kind: 'cursor', statement: 'DECLARE c CURSOR FOR SELECT 1' },
      { kind: 'unsafe', what: 'SET ROLE', statement: 'SET ROLE admin' },
      { kind: 'set', name: 'timezone', statement: "SET TIME ZONE 'UTC'" },
    ]);
  });

  it('records dotted and quoted setting names; ignores transaction-scoped and cluster SETs', () => {
    expect(sessionEffects('SET memory.operation_limit = 0; SET "Application_Name" TO 1; SET TRANSACTION READ ONLY; SET GLOBAL x = 1').map((e) => e.kind === 'set' && e.name)).toEqual([
      'memory.operation_limit',
      'application_name',
    ]);
  });

  it('a quoted setting name that could not be written back makes the session unsafe', () => {
    expect(sessionEffects('SET "a""b" = 1')).toMatchObject([{ kind: 'unsafe' }]);
  });

  it.each([
    ['CREATE TEMP TABLE t (a int)', 'CREATE TEMPORARY'],
    ['create global temporary table t (a int)', 'CREATE TEMPORARY'],
    ['LISTEN ch', 'LISTEN'],
    ['DISCARD ALL', 'DISCARD'],
    ["SELECT set_config('x.y', '1', false)", 'set_config()'],
    ['SET SESSION AUTHORIZATION bob', 'SET SESSION AUTHORIZATION'],
  ])('%s is unsafe (%s)', (sql, what) => {
    expect(sessionEffects(sql)).toMatchObject([{ kind: 'unsafe', what }]);
  });

  it('finds nothing in strings, comments or plain reads', () => {
    expect(sessionEffects("SELECT * FROM t WHERE name = 'SET x = 1' /* SET y = 2 */ OFFSET 3")).toEqual([]);
  });
});

describe('isSchemaChange', () => {
  it.each([
    'CREATE TABLE t (a int)',
    'create table t2 as select * from t',
    'CREATE OR REPLACE VIEW v AS SELECT 1',
    'DROP TABLE t',
    'DROP VIEW v',
    'ALTER TABLE t ADD COLUMN b text',
    'ALTER TABLE t RENAME TO t3',
    'ALTER CLUSTER SWAP TABLE a TO b',
    'ALTER CLUSTER REROUTE RETRY FAILED',
    'RESTORE SNAPSHOT repo.snap TABLE t',
    'DROP TYPE mood CASCADE',
    'CREATE FOREIGN TABLE f (a int) SERVER s',
    "IMPORT FOREIGN SCHEMA s FROM SERVER x INTO public",
    'SELECT 1; DROP TABLE t',
    '/* comment */ drop table t',
  ])('%s changes the schema', (sql) => {
    expect(isSchemaChange(sql)).toBe(true);
  });

  it.each([
    'SELECT * FROM t',
    "INSERT INTO t VALUES ('DROP TABLE t')",
    'CREATE USER bob',
    'ALTER USER bob SET (password = 1)',
    'DROP ROLE r',
    'CREATE SNAPSHOT repo.s ALL',
    'CREATE REPOSITORY r TYPE fs',
    'ALTER SYSTEM SET work_mem = 1',
    'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO bob',
    'REFRESH TABLE t',
    'GRANT DQL TO bob',
    '-- DROP TABLE t',
    '"drop" table t',
  ])('%s does not', (sql) => {
    expect(isSchemaChange(sql)).toBe(false);
  });
});

describe('usesCopyProtocol', () => {
  it.each([
    ['COPY t FROM STDIN', true],
    ['copy (select 1) to stdout with (format csv)', true],
    ["COPY t FROM 'file:///data/t.json'", false],
    ["SELECT 'COPY t FROM STDIN'", false],
    ['COPY t TO "stdout"', false],
  ])('%s → %s', (sql, expected) => {
    expect(usesCopyProtocol(sql)).toBe(expected);
  });
});
