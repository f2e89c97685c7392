/**
 * Drizzle's session on cratewire, in the shape of drizzle-orm's node-postgres driver: a session that prepares
 * queries, a prepared query that runs them (array rows mapped through Drizzle's column decoders), and transactions
 * (PostgreSQL only: on CrateDB pool.transaction() refuses with a UsageError, as CrateDB has no transactions).
 */
import { entityKind, fillPlaceholders, NoopLogger, sql, type Logger, type Query, type RelationalSchemaConfig, type TablesRelationalConfig } from 'drizzle-orm';
import {
  PgPreparedQuery,
  PgSession,
  PgTransaction,
  type PgDialect,
  type PgQueryResultHKT,
  type PgTransactionConfig,
  type PreparedQueryConfig,
  type SelectedFieldsOrdered,
} from 'drizzle-orm/pg-core';
import { Pool, UsageError, type Result, type TransactionConnection } from '../index.js';
import { explainCrateGap } from './crate-gaps.js';
import { mapResultRow } from './drizzle-internals.js';
import { timestampsAsText } from './timestamps.js';

/** What a session runs SQL on: the pool, or the one connection of a transaction. */
export type CrateQueryable = Pool | TransactionConnection;

/** `db.execute()` returns cratewire's Result (rows, rowCount, fields, command). */
export interface CrateQueryResultHKT extends PgQueryResultHKT {
  type: Result<this['row'] extends Record<string, unknown> ? this['row'] : Record<string, unknown>>;
}

/** Options shared by every session of one database. */
export interface CrateSessionOptions {
  logger?: Logger;
}

type QueryMetadata = { type: 'select' | 'update' | 'delete' | 'insert'; tables: string[] } | undefined;
type ResultMapper<T extends PreparedQueryConfig> = (rows: unknown[][], mapColumnValue?: (value: unknown) => unknown) => T['execute'];

/** One query of a Drizzle builder, run through cratewire (which prepares and caches every statement itself). */
export class CratePreparedQuery<T extends PreparedQueryConfig> extends PgPreparedQuery<T> {
  static override readonly [entityKind]: string = 'CratePreparedQuery';
  /** Set by Drizzle's select builder: which joined tables may be null. */
  joinsNotNullableMap?: Record<string, boolean>;
  readonly #client: CrateQueryable;
  readonly #params: readonly unknown[];
  readonly #logger: Logger;
  readonly #fields: SelectedFieldsOrdered | undefined;
  readonly #arrayMode: boolean;
  readonly #mapper: ResultMapper<T> | undefined;
  readonly #metadata: QueryMetadata;

  constructor(
    client: CrateQueryable,
    query: Query,
    logger: Logger,
    fields: SelectedFieldsOrdered | undefined,
    arrayMode: boolean,
    mapper: ResultMapper<T> | undefined,
    metadata: QueryMetadata,
  ) {
    super(query, undefined, metadata);
    this.#client = client;
    this.#params = query.params;
    this.#logger = logger;
    this.#fields = fields;
    this.#arrayMode = arrayMode;
    this.#mapper = mapper;
    this.#metadata = metadata;
  }

  async execute(placeholderValues: Record<string, unknown> = {}): Promise<T['execute']> {
    const params = fillPlaceholders(this.#params as unknown[], placeholderValues);
    const text = this.getQuery().sql;
    this.#logger.logQuery(text, params);
    const fields = this.#fields;
    if (fields === undefined && this.#mapper === undefined) return this.#run(() => this.#client.query(text, params));
    const result = await this.#run(() => this.#client.query<unknown[]>(text, params, { rowMode: 'array' }));
    const rows = timestampsAsText(result.fields, result.rows);
    if (this.#mapper !== undefined) return this.#mapper(rows);
    return rows.map((row) => mapResultRow(fields as SelectedFieldsOrdered, row, this.joinsNotNullableMap));
  }

  async all(placeholderValues: Record<string, unknown> = {}): Promise<T['all']> {
    const params = fillPlaceholders(this.#params as unknown[], placeholderValues);
    const text = this.getQuery().sql;
    this.#logger.logQuery(text, params);
    return (await this.#run(() => this.#client.query(text, params))).rows;
  }

  /** @internal Drizzle asks this of every prepared query. */
  isResponseInArrayMode(): boolean {
    return this.#arrayMode;
  }

  /** Run `query`; a CrateDB syntax error caused by a known gap of its grammar becomes a UsageError saying so. */
  async #run<R>(query: () => Promise<R>): Promise<R> {
    try {
      return await query();
    } catch (err) {
      throw explainCrateGap(err, { text: this.getQuery().sql, kind: this.#metadata?.type, returnsRows: this.#fields !== undefined }) ?? err;
    }
  }
}

/** Drizzle's session over a cratewire pool or transaction connection. */
export class CrateSession<TFullSchema extends Record<string, unknown>, TSchema extends TablesRelationalConfig> extends PgSession<
  CrateQueryResultHKT,
  TFullSchema,
  TSchema
> {
  static override readonly [entityKind]: string = 'CrateSession';
  readonly #client: CrateQueryable;
  readonly #dialect: PgDialect;
  readonly #schema: RelationalSchemaConfig<TSchema> | undefined;
  readonly #options: CrateSessionOptions;
  readonly #logger: Logger;

  constructor(client: CrateQueryable, dialect: PgDialect, schema: RelationalSchemaConfig<TSchema> | undefined, options: CrateSessionOptions = {}) {
    super(dialect);
    this.#client = client;
    this.#dialect = dialect;
    this.#schema = schema;
    this.#options = options;
    this.#logger = options.logger ?? new NoopLogger();
  }

  prepareQuery<T extends PreparedQueryConfig = PreparedQueryConfig>(
    query: Query,
    fields: SelectedFieldsOrdered | undefined,
    _name: string | undefined,
    isResponseInArrayMode: boolean,
    customResultMapper?: ResultMapper<T>,
    queryMetadata?: QueryMetadata,
  ): PgPreparedQuery<T> {
    return new CratePreparedQuery<T>(this.#client, query, this.#logger, fields, isResponseInArrayMode, customResultMapper, queryMetadata);
  }

  override async count(query: Parameters<PgSession['count']>[0]): Promise<number> {
    const result = await this.execute<Result<{ count: unknown }>>(query);
    return Number(result.rows[0]?.count);
  }

  /** BEGIN … COMMIT on one pooled connection (PostgreSQL); a UsageError on CrateDB, which has no transactions. */
  async transaction<T>(transaction: (tx: CrateTransaction<TFullSchema, TSchema>) => Promise<T>, config?: PgTransactionConfig): Promise<T> {
    const client = this.#client;
    if (!(client instanceof Pool)) throw new UsageError('A Drizzle transaction cannot start another one; use tx.transaction() for a savepoint');
    return client.transaction(async (connection) => {
      const session = new CrateSession<TFullSchema, TSchema>(connection, this.#dialect, this.#schema, this.#options);
      const tx = new CrateTransaction<TFullSchema, TSchema>(this.#dialect, session, this.#schema);
      if (config !== undefined) await tx.setTransaction(config);
      return transaction(tx);
    });
  }
}

/** A Drizzle transaction; nested transactions are savepoints. */
export class CrateTransaction<TFullSchema extends Record<string, unknown>, TSchema extends TablesRelationalConfig> extends PgTransaction<
  CrateQueryResultHKT,
  TFullSchema,
  TSchema
> {
  static override readonly [entityKind]: string = 'CrateTransaction';
  readonly #dialect: PgDialect;
  readonly #session: CrateSession<TFullSchema, TSchema>;
  readonly #relational: RelationalSchemaConfig<TSchema> | undefined;

  constructor(dialect: PgDialect, session: CrateSession<TFullSchema, TSchema>, schema: RelationalSchemaConfig<TSchema> | undefined, nestedIndex = 0) {
    super(dialect, session, schema, nestedIndex);
    this.#dialect = dialect;
    this.#session = session;
    this.#relational = schema;
  }

  async transaction<T>(transaction: (tx: CrateTransaction<TFullSchema, TSchema>) => Promise<T>): Promise<T> {
    const name = sql.raw(`sp${this.nestedIndex + 1}`);
    const tx = new CrateTransaction<TFullSchema, TSchema>(this.#dialect, this.#session, this.#relational, this.nestedIndex + 1);
    await tx.execute(sql`savepoint ${name}`);
    try {
      const result = await transaction(tx);
      await tx.execute(sql`release savepoint ${name}`);
      return result;
    } catch (err) {
      await tx.execute(sql`rollback to savepoint ${name}`);
      throw err;
    }
  }
}
