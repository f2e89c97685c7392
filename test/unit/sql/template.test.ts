import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { buildTemplate, runTemplate, sql } from '../../../src/sql/template.js';

const build = (strings: TemplateStringsArray, ...values: unknown[]): { text: string; params: unknown[] } => buildTemplate(strings, values);

describe('buildTemplate', () => {
  it('turns values into $n parameters, never into text', () => {
    const evil = "x'; DROP TABLE t; --";
    expect(build`SELECT * FROM t WHERE a = ${1} AND b = ${evil} AND c = ANY(${[1, 2]})`).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b = $2 AND c = ANY($3)',
      params: [1, evil, [1, 2]],
    });
  });

  it('splices identifiers from sql.id() with the one quoting rule, and numbers the rest', () => {
    expect(build`SELECT ${sql.id('Name')} FROM ${sql.id('doc.t')} WHERE id = ${7} OR ${sql.id('user')} = ${null}`).toEqual({
      text: 'SELECT "Name" FROM doc.t WHERE id = $1 OR "user" = $2',
      params: [7, null],
    });
  });

  it('a template without values is its text', () => {
    expect(build`SELECT 1`).toEqual({ text: 'SELECT 1', params: [] });
  });

  it('refuses a call that is not a tagged template', () => {
    expect(() => buildTemplate('SELECT 1' as unknown as TemplateStringsArray, [])).toThrow(/tagged template/);
  });

  it('sql.id() refuses a malformed name at once', () => {
    expect(() => sql.id('a..b')).toThrow(UsageError);
  });
});

describe('runTemplate (the one sql`` method of client, pool connection and pool)', () => {
  it('runs the built statement with its parameters', async () => {
    const id = 7;
    const tag = (strings: TemplateStringsArray, ...values: unknown[]): Promise<{ text: string; params: unknown[] }> =>
      runTemplate(strings, values, async (text, params) => ({ text, params }));
    const ran = await tag`SELECT * FROM t WHERE id = ${id}`;
    expect(ran).toEqual({ text: 'SELECT * FROM t WHERE id = $1', params: [7] });
  });

  it('a malformed call rejects (never throws) and runs nothing', async () => {
    let ran = false;
    let result: Promise<void> | undefined;
    expect(() => {
      result = runTemplate('SELECT 1' as unknown as TemplateStringsArray, [], async () => {
        ran = true;
      });
    }).not.toThrow();
    await expect(result).rejects.toThrow(/tagged template/);
    expect(ran).toBe(false);
  });
});
