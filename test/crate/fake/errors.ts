/**
 * Errors the fake CrateDB sends, shaped like CrateDB's (docs/cratedb-wire.md "Errors").
 *
 * A CrateDB ErrorResponse carries S, M, C, then F/R/L from the top Java stack frame and W with up to 20 frames,
 * newline-separated ("Error fields"); auth failures carry only S, M, C=28000 and R=ClientAuthentication ("Failed login", "Error fields"). The Java
 * frames below are stand-ins with the real shape (`package.Class.method(File.java:line)`), not copied from a server.
 */

type Fields = Array<readonly [string, string]>;

/** Frames every statement error passes through on the pgwire path (stand-ins, see the module comment). */
const PGWIRE_TAIL: readonly string[] = [
  'io.crate.protocols.postgres.PostgresWireProtocol.dispatchMessage(PostgresWireProtocol.java:361)',
  'io.crate.protocols.postgres.PostgresWireProtocol.dispatchState(PostgresWireProtocol.java:331)',
  'io.crate.protocols.postgres.PostgresWireProtocol$MessageHandler.channelRead0(PostgresWireProtocol.java:300)',
  'io.crate.protocols.postgres.PostgresWireProtocol$MessageHandler.channelRead0(PostgresWireProtocol.java:284)',
  'io.netty.channel.SimpleChannelInboundHandler.channelRead(SimpleChannelInboundHandler.java:99)',
  'io.netty.channel.AbstractChannelHandlerContext.invokeChannelRead(AbstractChannelHandlerContext.java:444)',
  'io.netty.channel.AbstractChannelHandlerContext.invokeChannelRead(AbstractChannelHandlerContext.java:420)',
  'io.netty.channel.AbstractChannelHandlerContext.fireChannelRead(AbstractChannelHandlerContext.java:412)',
  'io.netty.handler.codec.ByteToMessageDecoder.fireChannelRead(ByteToMessageDecoder.java:346)',
  'io.netty.handler.codec.ByteToMessageDecoder.channelRead(ByteToMessageDecoder.java:318)',
  'io.netty.channel.AbstractChannelHandlerContext.invokeChannelRead(AbstractChannelHandlerContext.java:442)',
  'io.netty.channel.DefaultChannelPipeline$HeadContext.channelRead(DefaultChannelPipeline.java:1357)',
  'io.netty.channel.DefaultChannelPipeline.fireChannelRead(DefaultChannelPipeline.java:868)',
  'io.netty.channel.epoll.AbstractEpollStreamChannel$EpollStreamUnsafe.epollInReady(AbstractEpollStreamChannel.java:799)',
  'io.netty.channel.epoll.EpollEventLoop.processReady(EpollEventLoop.java:501)',
  'io.netty.channel.epoll.EpollEventLoop.run(EpollEventLoop.java:399)',
  'io.netty.util.concurrent.SingleThreadEventExecutor$4.run(SingleThreadEventExecutor.java:997)',
  'java.lang.Thread.run(Thread.java:1583)',
];

const FRAME = /^(?:.*)\.([^.(]+)\(([^:()]+):(\d+)\)$/;

/** An error the fake sends as ErrorResponse; `severity` FATAL only during startup. */
export class FakeCrateError extends Error {
  constructor(
    message: string,
    readonly sqlstate: string,
    readonly frames: readonly string[],
    readonly severity: 'ERROR' | 'FATAL' = 'ERROR',
  ) {
    super(message);
  }

  /** "Error fields": S, M, C, then F, R, L of the top frame, then W (≤ 20 frames joined by newlines). */
  fields(): Fields {
    const fields: Fields = [
      ['S', this.severity],
      ['M', this.message],
      ['C', this.sqlstate],
    ];
    const top = FRAME.exec(this.frames[0] ?? '');
    if (top) {
      fields.push(['F', top[2] as string], ['R', top[1] as string], ['L', top[3] as string]);
      fields.push(['W', this.frames.slice(0, 20).join('\n')]);
    }
    return fields;
  }
}

/** "Failed login", "Error fields": a failed login is FATAL 28000 with exactly S, M, C and R=ClientAuthentication. */
export class AuthFailure extends Error {
  fields(): Fields {
    return [
      ['S', 'FATAL'],
      ['M', this.message],
      ['C', '28000'],
      ['R', 'ClientAuthentication'],
    ];
  }
}

function withTail(head: readonly string[]): string[] {
  return [...head, ...PGWIRE_TAIL];
}

/** "SQLSTATE mapping": ParsingException → 42601 (ROLLBACK lands here, "Transactions"); the message starts with `line L:C:`. */
export function syntaxError(line: number, column: number, detail: string): FakeCrateError {
  return new FakeCrateError(
    `line ${line}:${column}: ${detail}`,
    '42601',
    withTail([
      'io.crate.sql.parser.SqlParser$1.syntaxError(SqlParser.java:84)',
      'org.antlr.v4.runtime.ProxyErrorListener.syntaxError(ProxyErrorListener.java:41)',
      'org.antlr.v4.runtime.Parser.notifyErrorListeners(Parser.java:544)',
      'io.crate.sql.parser.SqlParser.invokeParser(SqlParser.java:160)',
      'io.crate.sql.parser.SqlParser.createStatement(SqlParser.java:95)',
      'io.crate.session.Session.parse(Session.java:323)',
    ]),
  );
}

const ANALYZER_HEAD = [
  'io.crate.metadata.Schemas.resolveRelation(Schemas.java:266)',
  'io.crate.analyze.relations.RelationAnalyzer.visitTable(RelationAnalyzer.java:610)',
  'io.crate.analyze.Analyzer.analyze(Analyzer.java:720)',
  'io.crate.session.Session.parse(Session.java:331)',
];

/** "SQLSTATE mapping": unknown table → 42P01 `Relation 'x' unknown`. */
export const relationUnknown = (name: string): FakeCrateError =>
  new FakeCrateError(`Relation '${name}' unknown`, '42P01', withTail(ANALYZER_HEAD));

/**
 * A statement analysed against a table that was dropped (and maybe created again) since: CrateDB looks the relation
 * up by OID and reports it as an unknown relation (test/fixtures/cratedb-6.4.3/stale_statement_after_ddl.json).
 */
export const staleRelation = (oid: number): FakeCrateError =>
  new FakeCrateError(
    `Relation 'Relation not found for oid=${oid}' unknown`,
    '42P01',
    withTail(['io.crate.metadata.Schemas.getRelationInfo(Schemas.java:536)', 'io.crate.session.Session.singleExec(Session.java:643)']),
  );

/** "SQLSTATE mapping": unknown column → 42703 `Column x unknown`. */
export const columnUnknown = (name: string): FakeCrateError =>
  new FakeCrateError(`Column ${name} unknown`, '42703', withTail(ANALYZER_HEAD));

/** "SQLSTATE mapping": unknown schema → 3F000. */
export const schemaUnknown = (name: string): FakeCrateError =>
  new FakeCrateError(`Schema '${name}' unknown`, '3F000', withTail(ANALYZER_HEAD));

/** "SQLSTATE mapping": table exists → 42P07. */
export const relationExists = (fqn: string): FakeCrateError =>
  new FakeCrateError(
    `Relation '${fqn}' already exists.`,
    '42P07',
    withTail(['io.crate.execution.ddl.tables.TransportCreateTableAction.masterOperation(TransportCreateTableAction.java:98)']),
  );

/** "SQLSTATE mapping": duplicate primary key → 23505. */
export const duplicateKey = (): FakeCrateError =>
  new FakeCrateError(
    'A document with the same primary key exists already',
    '23505',
    withTail([
      'io.crate.execution.dml.upsert.TransportShardUpsertAction.processRequestItems(TransportShardUpsertAction.java:212)',
      'io.crate.execution.dml.TransportShardAction.shardOperationOnPrimary(TransportShardAction.java:110)',
    ]),
  );

/** "SQLSTATE mapping": unknown function → 0A000. */
export const unknownFunction = (signature: string): FakeCrateError =>
  new FakeCrateError(
    `Unknown function: ${signature}`,
    '0A000',
    withTail(['io.crate.metadata.Functions.raiseUnknownFunction(Functions.java:382)', ...ANALYZER_HEAD.slice(2)]),
  );

/** "Error fields", "SQLSTATE mapping": division by zero is XX000 with the Java stack in W (issue crate/crate#17489). */
export const divisionByZero = (): FakeCrateError =>
  new FakeCrateError(
    '/ by zero',
    'XX000',
    withTail([
      'io.crate.expression.scalar.arithmetic.ArithmeticFunctions.lambda$register$4(ArithmeticFunctions.java:151)',
      'io.crate.expression.scalar.BinaryScalar.evaluate(BinaryScalar.java:79)',
      'io.crate.expression.scalar.Scalar.evaluateIfLiterals(Scalar.java:126)',
      'io.crate.expression.scalar.BinaryScalar.normalizeSymbol(BinaryScalar.java:64)',
      'io.crate.expression.eval.EvaluatingNormalizer.visitFunction(EvaluatingNormalizer.java:155)',
      'io.crate.analyze.Analyzer.analyze(Analyzer.java:720)',
    ]),
  );

/** "Cancel and statement timeout": cancel and statement_timeout both kill the job; XX000 (PostgreSQL would say 57014). */
export const jobKilled = (reason: string): FakeCrateError =>
  new FakeCrateError(
    `Job killed. ${reason}`,
    'XX000',
    withTail([
      'io.crate.execution.jobs.RootTask.kill(RootTask.java:274)',
      'io.crate.execution.jobs.TasksService.killJobs(TasksService.java:232)',
      'io.crate.execution.jobs.kill.TransportKillJobsNodeAction.doExecute(TransportKillJobsNodeAction.java:71)',
    ]),
  );

/**
 * "SQLSTATE mapping" "everything else": IllegalArgumentException/UnsupportedOperationException and internal errors all end up XX000.
 * `origin` is the Java method that throws, e.g. `io.crate.session.Session.bind(Session.java:372)`.
 */
export const internalError = (message: string, origin: string): FakeCrateError =>
  new FakeCrateError(message, 'XX000', withTail([origin]));

/** Non-fake errors (bugs in the fake) still reach the client as an XX000 instead of killing the server. */
export function asFakeError(err: unknown): FakeCrateError {
  if (err instanceof FakeCrateError) return err;
  return internalError(err instanceof Error ? err.message : String(err), 'io.crate.session.Session.execute(Session.java:1)');
}

/** FATAL errors before a session exists ("First packet and TLS"); they come from the decoder, not the statement path. */
export const startupFatal = (message: string): FakeCrateError =>
  new FakeCrateError(message, 'XX000', [
    'io.crate.protocols.postgres.PgDecoder.decode(PgDecoder.java:124)',
    'io.netty.handler.codec.ByteToMessageDecoder.decodeRemovalReentryProtection(ByteToMessageDecoder.java:530)',
    'io.netty.handler.codec.ByteToMessageDecoder.callDecode(ByteToMessageDecoder.java:469)',
    'io.netty.handler.codec.ByteToMessageDecoder.channelRead(ByteToMessageDecoder.java:290)',
    ...PGWIRE_TAIL.slice(10),
  ], 'FATAL');
