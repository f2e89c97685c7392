/**
 * One authenticated connection of the fake: the simple and extended query protocols with CrateDB's execution
 * semantics (docs/cratedb-wire.md "Frontend messages", "Running statements"): deferred and bulked writes, skip-until-Sync, portals that survive Sync, RFQ status bytes.
 */
import {
  bindComplete, closeComplete, commandComplete, emptyQueryResponse, errorResponse, noData,
  parameterDescription, parseComplete, portalSuspended, readyForQuery,
} from './backend.js';
import { asFakeError, internalError, syntaxError, type FakeCrateError } from './errors.js';
import { formatCodeAt, type FrontendMessage } from './frontend.js';
import { Job } from './jobs.js';
import type { Block, Output } from './output.js';
import { decodeParam } from './params.js';
import { commandTag, describeColumns, encodeRow } from './results.js';
import { writeRows } from './row-writer.js';
import { analyze, type Analyzed, type EngineSession, type ExecResult } from './sql/analyzer.js';
import type { Catalog } from './sql/catalog.js';
import { positionOf, splitStatements } from './sql/lexer.js';
import type { SessionSettings } from './sql/settings.js';
import { runSimpleQuery } from './simple-query.js';
import { pgTypeOf, typeForParamOid, type CrateType } from './types.js';

/** What a session needs from its server. */
/** A bulk ending the engine cannot provoke by itself (docs/cratedb-wire.md "Bulk execution"). */
export type BulkEnding = 'plan-error' | 'runtime-error' | 'unknown-count';

export interface SessionConfig {
  readonly user: string;
  readonly version: string;
  readonly catalog: Catalog;
  readonly settings: SessionSettings;
  readonly statementMaxLength: number;
  /** True when Execute(maxRows) on this SQL answers with the whole result (FakeCrateOptions.ignoreMaxRows). */
  readonly ignoresMaxRows: (sql: string) => boolean;
  /** Forced bulk endings by table name (see FakeCrateOptions.bulkEndings). */
  readonly bulkEndings: Readonly<Record<string, BulkEnding>>;
  readonly output: Output;
  /** Terminate: close the socket. */
  readonly terminate: () => void;
  /** DISCARD ALL removes the session from the cancel registry ("Session commands and pool reset"). */
  readonly unregister: () => void;
}

interface Statement {
  readonly text: string;
  /** null for the empty query ("Frontend messages": its Execute answers EmptyQueryResponse). */
  readonly analyzed: Analyzed | null;
}

interface Portal {
  readonly statement: Statement;
  readonly params: readonly unknown[];
  readonly resultFormats: readonly number[];
  state: 'ready' | 'suspended' | 'done';
  rows: unknown[][];
  cursor: number;
}

/** A read's reply: the DataRows still to encode, then PortalSuspended, CommandComplete or EmptyQueryResponse. */
interface Reply {
  readonly rows: ReadonlyArray<readonly unknown[]>;
  readonly end: Buffer;
}

interface DeferredGroup {
  readonly key: string;
  readonly items: Array<{ portal: Portal; block: Block }>;
}

const SESSION = 'io.crate.session.Session';
const PWP = 'io.crate.protocols.postgres.PostgresWireProtocol';

/** The protocol state machine of one authenticated connection. */
export class CrateSession implements EngineSession {
  #statements = new Map<string, Statement>();
  #portals = new Map<string, Portal>();
  #skipUntilSync = false;
  #inTransaction = false;
  #groups: DeferredGroup[] = [];
  #readInBatch = false;
  /** A read of this batch failed at run time; later output waits behind `block` (see #readFailed). */
  #failedRead: { block: Block; stuck: boolean } | null = null;
  #job: Job | null = null;
  #inbox: FrontendMessage[] = [];
  #pumping = false;
  #closed = false;

  constructor(private readonly config: SessionConfig) {}

  get user(): string {
    return this.config.user;
  }
  get version(): string {
    return this.config.version;
  }
  get catalog(): Catalog {
    return this.config.catalog;
  }
  get settings(): SessionSettings {
    return this.config.settings;
  }

  setInTransaction(inTransaction: boolean): void {
    this.#inTransaction = inTransaction;
  }

  /** "Session commands and pool reset": DISCARD ALL drops portals, statements and the transaction flag, and leaves the cancel registry. */
  discardAll(): void {
    this.#statements.clear();
    this.#portals.clear();
    this.#inTransaction = false;
    this.config.unregister();
  }

  deallocate(name: string | null): void {
    if (name === null) this.#statements.clear();
    else this.#statements.delete(name);
  }

  /** "Cancel and statement timeout": CancelRequest kills the most recent job and drops the deferred executions. */
  cancel(): void {
    this.#job?.kill(`Cancellation request by: ${this.user}`);
    this.#dropDeferred();
  }

  /** The socket went away: stop without answering. */
  close(): void {
    this.#closed = true;
    this.#inbox = [];
    this.#job?.kill('connection closed');
  }

  /** Messages are handled one at a time; a running job (sleep) holds the rest back. */
  receive(message: FrontendMessage): void {
    this.#inbox.push(message);
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#inbox.length > 0 && !this.#closed) {
        const pending = this.#dispatch(this.#inbox.shift() as FrontendMessage);
        if (pending) await pending;
      }
    } finally {
      this.#pumping = false;
    }
  }

  #dispatch(message: FrontendMessage): Promise<void> | void {
    // "Errors inside a batch": after an error every message except Sync is dropped.
    if (this.#skipUntilSync && message.type !== 'Sync') return;
    try {
      switch (message.type) {
        case 'Query':
          return runSimpleQuery(message.text, this, this.config.output, (a, p) => this.#runRead(a, p));
        case 'Parse':
          return this.#parse(message.name, message.text, message.paramTypes);
        case 'Bind':
          return this.#bind(message);
        case 'Describe':
          return this.#describe(message.kind, message.name);
        case 'Execute':
          return this.#execute(message.portal, message.maxRows);
        case 'Sync':
          return this.#sync();
        case 'Flush':
          return this.#flush();
        case 'Close':
          return this.#close(message.kind, message.name);
        case 'Terminate':
          this.close();
          return this.config.terminate();
        case 'Other':
          // "COPY": FunctionCall/Copy*: `Unsupported messageType: <decimal byte>`, no skip-until-Sync, no RFQ.
          this.#writeError(
            internalError(`Unsupported messageType: ${message.code}`, `${PWP}.dispatchMessage(PostgresWireProtocol.java:425)`),
          );
          return;
        case 'Malformed':
          throw internalError(
            `Malformed message ${String.fromCharCode(message.code)}: ${message.reason}`,
            'io.netty.buffer.AbstractByteBuf.checkReadableBytes0(AbstractByteBuf.java:1442)',
          );
        default:
          // A PasswordMessage (or startup packet) after authentication reaches a handler without auth context.
          throw internalError(
            'Cannot invoke "io.crate.protocols.postgres.AuthenticationContext.setSecurePassword(char[])" because ' +
              '"this.authContext" is null',
            `${PWP}.handlePassword(PostgresWireProtocol.java:540)`,
          );
      }
    } catch (err) {
      // "Errors inside a batch": an exception while handling a message → ErrorResponse and skip until Sync.
      this.#writeError(asFakeError(err));
      this.#skipUntilSync = true;
    }
  }

  #writeError(err: FakeCrateError): void {
    this.config.output.write(errorResponse(err.fields()));
    this.config.output.flush();
  }

  /** Runs a read (or any statement on the simple path); the fake's `sleep` makes it a killable job ("Cancel and statement timeout"). */
  async #runRead(analyzed: Analyzed, params: readonly unknown[]): Promise<ExecResult> {
    const ms = analyzed.sleepMs(params);
    if (ms > 0) {
      const job = new Job(ms, this.settings.statementTimeoutMs);
      this.#job = job;
      try {
        await job.done;
      } finally {
        this.#job = null;
      }
    }
    return analyzed.run(params);
  }

  #parse(name: string, text: string, oids: readonly number[]): void {
    const declared = oids.map((oid): CrateType | null => {
      const type = typeForParamOid(oid, this.version);
      // "Parameter OIDs": 17 bytea, 3802 jsonb, 1083 time, 869 inet, … are refused.
      if (type === undefined) {
        throw internalError(
          `Can't map PGType with oid=${oid} to Crate type`,
          `${PWP}.handleParseMessage(PostgresWireProtocol.java:471)`,
        );
      }
      return type;
    });
    // "Size limits": statement_max_length applies to Parse (not to simple Query).
    if (text.length > this.config.statementMaxLength) {
      throw internalError(
        `Statement exceeds \`statement_max_length\` (${this.config.statementMaxLength}). ` +
          'Try replacing inline values with parameter placeholders',
        `${SESSION}.validateStatementLength(Session.java:1024)`,
      );
    }
    // "Frontend messages": exactly one statement, with an optional trailing `;`.
    const statements = splitStatements(text);
    const extra = statements[1]?.tokens[0];
    if (extra) {
      const { line, column } = positionOf(text, extra.start);
      throw syntaxError(line, column, `mismatched input '${text.slice(extra.start, extra.end)}' expecting <EOF>`);
    }
    const analyzed = statements[0] ? analyze(statements[0], declared, this) : null;
    // "Statements and DDL": re-Parse of an existing name silently replaces it.
    this.#statements.set(name, { text, analyzed });
    this.config.output.write(parseComplete());
  }

  #bind(message: Extract<FrontendMessage, { type: 'Bind' }>): void {
    const statement = this.#statements.get(message.statement);
    if (!statement) {
      throw internalError(`No statement found with name: ${message.statement}`, `${SESSION}.bind(Session.java:372)`);
    }
    const types = statement.analyzed?.paramTypes ?? [];
    // "Parameter type inference": params are decoded at Bind with the effective types, in the declared format.
    const params = message.params.map((raw, i) => {
      if (raw === null) return null;
      const type = types[i];
      if (!type) {
        throw internalError(
          `Requested parameter index exceeds the number of parameters: ${i}`,
          'io.crate.session.PreparedStmt.getEffectiveParameterType(PreparedStmt.java:118)',
        );
      }
      return decodeParam(type, raw, formatCodeAt(message.paramFormats, i), this.version);
    });
    // "Statements and DDL": re-Bind of a portal name silently replaces it (the old cursor closes without CommandComplete).
    const resultFormats = message.resultFormats;
    this.#portals.set(message.portal, { statement, params, resultFormats, state: 'ready', rows: [], cursor: 0 });
    this.config.output.write(bindComplete());
  }

  #portal(name: string): Portal {
    const portal = this.#portals.get(name);
    if (!portal) throw internalError(`Cannot find portal: ${name}`, `${SESSION}.getSafePortal(Session.java:861)`);
    return portal;
  }

  #describe(kind: string, name: string): void {
    const out = this.config.output;
    if (kind === 'S') {
      const statement = this.#statements.get(name);
      if (!statement) {
        // "Frontend messages": describing an unknown statement is an internal NPE (XX000).
        throw internalError(
          'Cannot invoke "io.crate.session.PreparedStmt.parameterTypes()" because "preparedStmt" is null',
          `${SESSION}.describe(Session.java:512)`,
        );
      }
      const analyzed = statement.analyzed;
      out.write(parameterDescription((analyzed?.paramTypes ?? []).map((t) => pgTypeOf(t, this.version).oid)));
      out.write(analyzed?.columns ? describeColumns(analyzed.columns, [], this.version) : noData());
      return;
    }
    if (kind === 'P') {
      const portal = this.#portal(name);
      const columns = portal.statement.analyzed?.columns;
      out.write(columns ? describeColumns(columns, portal.resultFormats, this.version) : noData());
      return;
    }
    throw internalError(`Invalid describe type: ${kind}`, `${SESSION}.describe(Session.java:505)`);
  }

  #execute(portalName: string, maxRows: number): Promise<void> | void {
    const out = this.config.output;
    const portal = this.#portal(portalName);
    if (portal.state === 'done') {
      // "Portals and maxRows" (verified 6.4.3, portal_exact_multiple): a completed portal is not re-run; the Execute never answers and its delay block is never
      // released, so everything after it (ReadyForQuery included) is held back for good.
      out.delay();
      return;
    }
    if (this.#failedRead) {
      this.#failedRead.stuck = true;
      return;
    }
    const analyzed = portal.statement.analyzed;
    if (!analyzed) {
      portal.state = 'done';
      out.write(emptyQueryResponse());
      return;
    }
    if (analyzed.isWrite) {
      // "Deferred writes": writes are queued, grouped by statement AST, and run at Sync/Flush; maxRows is ignored for DML.
      const block = out.delay();
      let group = this.#groups.find((g) => g.key === analyzed.groupKey);
      if (!group) this.#groups.push((group = { key: analyzed.groupKey, items: [] }));
      group.items.push({ portal, block });
      return;
    }
    if (this.#groups.length > 0) {
      // "Deferred writes": a read while writes are queued; the queued writes are dropped at the following Sync.
      throw internalError('Only write operations are allowed in Batch statements', `${SESSION}.execute(Session.java:735)`);
    }
    this.#readInBatch = true;
    if (portal.state === 'suspended') return this.#emit(portal, this.#stream(portal, maxRows));
    const ms = analyzed.sleepMs(portal.params);
    if (ms <= 0) {
      let result: ExecResult;
      try {
        result = analyzed.run(portal.params);
      } catch (err) {
        return this.#readFailed(portal, err);
      }
      return this.#emit(portal, this.#start(portal, result, maxRows));
    }
    const block = out.delay();
    return this.#runRead(analyzed, portal.params).then(
      (result) => {
        let messages: Buffer[];
        try {
          messages = this.#messages(portal, this.#start(portal, result, maxRows));
        } catch (err) {
          portal.state = 'done';
          messages = [errorResponse(asFakeError(err).fields())];
        }
        out.release(block, messages);
      },
      (err: unknown) => {
        // "Transactions": a runtime failure (job killed) is an ErrorResponse, with no skip-until-Sync.
        portal.state = 'done';
        out.release(block, [errorResponse(asFakeError(err).fields())]);
      },
    );
  }

  /**
   * A read failed while executing: an ErrorResponse without skip-until-Sync. What the batch sends after it is
   * held back; a later Execute in the same batch never answers and holds the ReadyForQuery back for good
   * (test/fixtures/cratedb-6.4.3/failing_read_then_reads.json), while a Sync right after the failure answers.
   */
  #readFailed(portal: Portal, err: unknown): void {

    const out = this.config.output;
    portal.state = 'done';
    out.write(errorResponse(asFakeError(err).fields()));
    out.flush();
    this.#failedRead = { block: out.delay(), stuck: false };
  }

  /** Writes a read's reply: DataRows in flushed chunks, waiting for a full socket, then its end. */
  async #emit(portal: Portal, reply: Reply): Promise<void> {
    const out = this.config.output;
    await writeRows(out, reply.rows, (row) => this.#encode(portal, row));
    out.write(reply.end);
  }

  /** A reply as messages, for a reply that waits in a delayed block. */
  #messages(portal: Portal, reply: Reply): Buffer[] {
    return [...reply.rows.map((row) => this.#encode(portal, row)), reply.end];
  }

  #encode(portal: Portal, row: readonly unknown[]): Buffer {
    return encodeRow(portal.statement.analyzed?.columns ?? [], row, portal.resultFormats, this.version);
  }

  #start(portal: Portal, result: ExecResult, maxRows: number): Reply {
    if (result.kind !== 'rows') {
      portal.state = 'done';
      const end = result.kind === 'count' ? commandComplete(commandTag(portal.statement.text, result.count)) : emptyQueryResponse();
      return { rows: [], end };
    }
    portal.rows = result.rows;
    portal.cursor = 0;
    return this.#stream(portal, maxRows);
  }

  /**
   * "Portals and maxRows": up to maxRows DataRows, then PortalSuspended — unless the rows ran out exactly (the server looks one row
   * ahead), which ends with CommandComplete; its `SELECT k` counts only this Execute's rows. With the
   * `ignoreMaxRows` knob the whole result comes at once, ended by CommandComplete
   * (test/fixtures/cratedb-6.4.3/portal_maxrows_existing.json).
   */
  #stream(portal: Portal, maxRows: number): Reply {
    const remaining = portal.rows.length - portal.cursor;
    const limited = maxRows > 0 && !this.config.ignoresMaxRows(portal.statement.text);
    const n = limited ? Math.min(maxRows, remaining) : remaining;
    const rows = portal.rows.slice(portal.cursor, portal.cursor + n);
    portal.cursor += n;
    if (portal.cursor < portal.rows.length) {
      portal.state = 'suspended';
      return { rows, end: portalSuspended() };
    }
    portal.state = 'done';
    return { rows, end: commandComplete(commandTag(portal.statement.text, n)) };
  }

  /**
   * "Bulk execution" at Sync/Flush: groups run in order of first appearance; one Execute runs normally, two or more are one bulk
   * with a CommandComplete per Execute (−3 for a failed INSERT item, 0 for an item that did not apply). A plan error
   * is thrown to the caller.
   */
  #runDeferred(): void {
    const groups = this.#groups;
    this.#groups = [];
    for (const group of groups) {
      const first = group.items[0]?.portal.statement.analyzed as Analyzed;
      const forced = group.items.length >= 2 ? this.#forcedEnding(group.items[0]?.portal.statement.text ?? '') : undefined;
      // "Bulk execution": planning that throws synchronously at Sync ends the whole batch with one ErrorResponse.
      if (forced === 'plan-error') throw internalError('Bulk planning failed (forced by the test)', `${SESSION}.sync(Session.java:812)`);
      // A single write whose table went away fails at run time (ErrorResponse, RFQ I); a bulk fails its planning
      // (test/fixtures/cratedb-6.4.3/stale_statement_after_ddl.json; fake-knobs.test.ts for the bulk).
      if (group.items.length >= 2) first.plan();
      for (const { portal, block } of group.items) {
        portal.state = 'done';
        let reply: Buffer[];
        if (forced === 'runtime-error') {
          // "Bulk execution": the bulk future failed later: every Execute of the batch gets its own ErrorResponse.
          this.config.output.release(block, [errorResponse(internalError('Bulk execution failed (forced by the test)', `${SESSION}.bulkExec(Session.java:901)`).fields())]);
          continue;
        }
        if (forced === 'unknown-count') {
          // "Bulk execution": a count of −1 (unknown) is sent as −2.
          this.config.output.release(block, [commandComplete(commandTag(portal.statement.text, -2))]);
          continue;
        }
        try {
          reply = this.#writeReply(portal, first.run(portal.params));
        } catch (err) {
          // "Transactions": a runtime failure of a single write is an ErrorResponse with RFQ still I/T; inside a bulk it is
          // only a count (no message).
          if (group.items.length === 1) reply = [errorResponse(asFakeError(err).fields())];
          else reply = [commandComplete(commandTag(portal.statement.text, first.bulkFailureCount))];
        }
        this.config.output.release(block, reply);
      }
    }
  }

  /** A deferred write's reply: its tag, or for INSERT … RETURNING its rows and then the tag with their number. */
  #writeReply(portal: Portal, result: ExecResult): Buffer[] {
    const tag = (n: number): Buffer => commandComplete(commandTag(portal.statement.text, n));
    if (result.kind === 'rows') return this.#messages(portal, { rows: result.rows, end: tag(result.rows.length) });
    return [tag(result.kind === 'count' ? result.count : 0)];
  }

  #forcedEnding(text: string): BulkEnding | undefined {
    for (const [table, ending] of Object.entries(this.config.bulkEndings)) {
      if (new RegExp(`\\b${table}\\b`, 'i').test(text)) return ending;
    }
    return undefined;
  }

  #dropDeferred(): void {
    for (const group of this.#groups) for (const { block } of group.items) this.config.output.release(block, []);
    this.#groups = [];
  }

  #sync(): void {
    const out = this.config.output;
    if (this.#failedRead) {
      if (!this.#failedRead.stuck) out.release(this.#failedRead.block, []);
      this.#failedRead = null;
    }
    if (this.#skipUntilSync) {
      // "Errors inside a batch": Sync drops the deferred executions, flushes the delayed messages and answers RFQ E.
      this.#skipUntilSync = false;
      this.#readInBatch = false;
      this.#dropDeferred();
      out.write(readyForQuery('E'));
      out.flush();
      return;
    }
    // "Transactions": the status is the session flag at Sync; it means nothing about real transactions.
    let status: 'I' | 'T' | 'E' = this.#inTransaction ? 'T' : 'I';
    // "Deferred writes" (verified 6.4.3, mixed_read_then_write): with a read in the batch, Sync waits only for the read; queued writes stay for the next Sync
    // and their delay blocks hold this ReadyForQuery back.
    if (!this.#readInBatch) {
      try {
        this.#runDeferred();
      } catch (err) {
        // "Bulk execution": a plan failure at Sync → one ErrorResponse, delayed messages discarded, RFQ E.
        out.discardPending();
        this.#groups = [];
        out.write(errorResponse(asFakeError(err).fields()));
        status = 'E';
      }
    }
    this.#readInBatch = false;
    out.write(readyForQuery(status));
    out.flush();
  }

  /** "Frontend messages": Flush triggers deferred writes when there are any, otherwise it flushes the socket. */
  #flush(): void {
    const out = this.config.output;
    if (this.#groups.length > 0) {
      try {
        this.#runDeferred();
      } catch (err) {
        out.discardPending();
        this.#groups = [];
        out.write(errorResponse(asFakeError(err).fields()));
      }
    }
    out.flush();
  }

  /** "Frontend messages": CloseComplete even for unknown names; closing a statement drops its portals. */
  #close(kind: string, name: string): void {
    if (kind === 'S') {
      const statement = this.#statements.get(name);
      this.#statements.delete(name);
      for (const [portalName, portal] of this.#portals) {
        if (portal.statement === statement) this.#portals.delete(portalName);
      }
    } else if (kind === 'P') {
      this.#portals.delete(name);
    } else {
      throw internalError(`Invalid Close message type: ${kind}`, `${PWP}.handleClose(PostgresWireProtocol.java:614)`);
    }
    this.config.output.write(closeComplete());
  }
}
