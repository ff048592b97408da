import type pg from 'pg';

/**
 * What one call sends, as one message or one pipeline of messages: the preamble, the caller's statement and the
 * epilogue, each statement answering with one completion.
 */
export interface ReadOnlyCallPlan {
  /** Every message of the call, written in one write: a pipeline closed by ONE Sync, or one simple Query. */
  readonly message: Buffer;
  /** Position of the statement whose rows are the caller's among the completions (0-based). */
  readonly rowsAt: number;
  /** How many statements the call runs when none fails. */
  readonly statements: number;
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
 * One `sql_query` call as a single `pg` submittable, in one write and one round trip, ending in ONE
 * ReadyForQuery, so that `pg` sees one query (a Sync each would give `pg` several ReadyForQuery messages for
 * one query, which it cannot follow). Either extended-protocol messages closed by one Sync (the preamble, the
 * statement as Parse, Bind, Describe and an Execute with the row limit, the epilogue), or one simple Query
 * holding every statement (see the engine for when).
 *
 * Either way an error makes the server skip the rest: a failed statement leaves its transaction open and
 * aborted, with the epilogue unrun. {@link ReadOnlyCallOutcome.clean} tells the engine so; it then rolls back
 * and runs the full `DISCARD ALL` before the connection is reused.
 */
export class ReadOnlyCall implements pg.Submittable {
  /** Settles once the server has answered the whole pipeline, or on the first error. */
  readonly done: Promise<ReadOnlyCallOutcome>;
  private settle!: (outcome: ReadOnlyCallOutcome) => void;
  private fail!: (error: Error) => void;
  private columns: readonly Field[] = [];
  // Completions (CommandComplete or PortalSuspended) seen so far: the caller's statement's is number plan.rowsAt.
  private completions = 0;

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
    // One write for the whole call: written message by message, each would be a stream write of its own.
    stream.write(this.plan.message);
  }

  handleRowDescription(msg: { fields: Field[] }): void {
    if (this.completions === this.plan.rowsAt) this.columns = msg.fields;
  }

  handleDataRow(msg: { fields: Row }): void {
    if (this.completions === this.plan.rowsAt) this.onRow(msg.fields);
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
    this.settle({ fields: this.columns, clean: this.completions === this.plan.statements && this.idle() });
  }

  handleCopyInResponse(connection: pg.Connection): void {
    // The guard admits no COPY; were one to start, refuse it (as pg's own Query does) rather than hang.
    (connection as unknown as { sendCopyFail(message: string): void }).sendCopyFail('COPY is not allowed');
  }

  handleCopyData(): void {
    // See handleCopyInResponse.
  }
}
