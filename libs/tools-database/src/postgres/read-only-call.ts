import type pg from 'pg';
import { type FramedStatements, SYNC } from './wire';

/** What one call sends, in order, in one pipeline closed by a single Sync. */
export interface ReadOnlyCallPlan {
  /** `BEGIN TRANSACTION READ ONLY` and the LOCAL settings, one statement each. */
  readonly preamble: FramedStatements;
  /** The statement the guard accepted, framed with its parameters and row limit (see `frameStatement`). */
  readonly statement: Buffer;
  /** Statements after the statement: `ROLLBACK` and what the session needs after it. */
  readonly epilogue: FramedStatements;
}

type Row = Array<string | null>;
type Field = { readonly name: string; readonly dataTypeID: number };

/** How a call ended, as told by its messages; see {@link ReadOnlyCall.done}. */
export interface ReadOnlyCallOutcome {
  readonly fields: readonly Field[];
  /** Every statement of the pipeline completed and the server reported the session idle (no transaction). */
  readonly clean: boolean;
}

/** The part of pg's connection a submittable writes to. */
interface Connection {
  readonly stream: { readonly writable: boolean; write(chunk: Buffer): boolean };
}

/**
 * One `sql_query` call as a single `pg` submittable: the preamble, the statement (Parse, Bind, Describe and
 * an Execute with the row limit) and the epilogue go out in one write as extended-protocol messages closed
 * by ONE Sync, so the server answers everything in one flush and one round trip, and `pg` sees one query
 * (a Sync each would give `pg` several ReadyForQuery messages for one query, which it cannot follow).
 *
 * Inside one Sync an error makes the server skip every message up to the Sync: a failed statement leaves
 * its transaction open and aborted, with the epilogue unsent. {@link ReadOnlyCallOutcome.clean} tells the
 * engine so; it then rolls back and runs the full `DISCARD ALL` before the connection is reused.
 */
export class ReadOnlyCall implements pg.Submittable {
  /** Settles once the server has answered the whole pipeline, or on the first error. */
  readonly done: Promise<ReadOnlyCallOutcome>;
  private settle!: (outcome: ReadOnlyCallOutcome) => void;
  private fail!: (error: Error) => void;
  private columns: readonly Field[] = [];
  // Completions (CommandComplete or PortalSuspended) seen so far: the statement's is number preamble.count.
  private completions = 0;
  private readonly statementIndex: number;
  private readonly total: number;

  /**
   * @param plan - what to send.
   * @param onRow - given each of the statement's rows as it arrives (never the epilogue's); the caller
   *   keeps only what its caps allow, so memory stays bounded by the caps, not by the result.
   * @param idle - whether the connection reports no open transaction (pg's `getTransactionStatus()`).
   */
  constructor(
    private readonly plan: ReadOnlyCallPlan,
    private readonly onRow: (row: Row) => void,
    private readonly idle: () => boolean,
  ) {
    this.statementIndex = plan.preamble.count;
    this.total = plan.preamble.count + 1 + plan.epilogue.count;
    this.done = new Promise<ReadOnlyCallOutcome>((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    // Rejections are read by the engine; never let one count as unhandled in between.
    this.done.catch(() => undefined);
  }

  /** The statement's columns, once its RowDescription has arrived. */
  get fields(): readonly Field[] {
    return this.columns;
  }

  submit(connection: pg.Connection): void {
    const { stream } = connection as unknown as Connection;
    if (!stream.writable) return this.fail(new Error('the connection is closed'));
    // One write for the whole pipeline: written message by message, each would be a stream write of its own.
    const { preamble, statement, epilogue } = this.plan;
    stream.write(Buffer.concat([preamble.bytes, statement, epilogue.bytes, SYNC]));
  }

  handleRowDescription(msg: { fields: Field[] }): void {
    if (this.completions === this.statementIndex) this.columns = msg.fields;
  }

  handleDataRow(msg: { fields: Row }): void {
    if (this.completions === this.statementIndex) this.onRow(msg.fields);
  }

  handlePortalSuspended(): void {
    this.completions++;
  }

  handleCommandComplete(): void {
    this.completions++;
  }

  handleEmptyQuery(): void {
    // The guard never admits an empty statement; count it so the phases stay aligned if one ever came.
    this.completions++;
  }

  handleError(error: Error): void {
    this.fail(error);
  }

  handleReadyForQuery(): void {
    this.settle({ fields: this.columns, clean: this.completions === this.total && this.idle() });
  }

  handleCopyInResponse(connection: pg.Connection): void {
    // The guard admits no COPY; were one to start, refuse it (as pg's own Query does) rather than hang.
    (connection as unknown as { sendCopyFail(message: string): void }).sendCopyFail('COPY is not allowed');
  }

  handleCopyData(): void {
    // See handleCopyInResponse.
  }
}
