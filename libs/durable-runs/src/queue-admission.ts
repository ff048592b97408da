import type pg from 'pg';
import { RUN_FORMAT_VERSION, RUNS_QUEUE, RUNS_SCHEMA } from './dbos-engine';

/**
 * Counts the runs waiting on the shared queue, up to `limit` (DBOS's index on queue and status; no full count): of
 * this run format only, the runs this replica and its peers of the format dequeue (one of another format waits for
 * a replica of its own, or for nothing).
 */
const queuedSql = (limit: number) => `SELECT count(*)::int AS n FROM (
  SELECT 1 FROM "${RUNS_SCHEMA}".workflow_status WHERE queue_name = '${RUNS_QUEUE}' AND status = 'ENQUEUED'
     AND application_version = '${RUN_FORMAT_VERSION}' LIMIT ${limit}) AS waiting`;

/**
 * How long a process waits for the lock before its submits are refused (as by a full queue: the client is told to
 * retry later): a holder's enqueue is one commit, so a longer wait means the database is in trouble, and a submit
 * must not wait on it without bound.
 */
const LOCK_WAIT_MS = 10_000;

/** PostgreSQL's `lock_not_available`: the lock was not taken within `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

/** Bounded enqueues of this process made under one hold of the lock, at most. */
const MAX_BATCH = 16;

interface Pending {
  readonly enqueue: () => Promise<unknown>;
  readonly settle: (outcome: PromiseSettledResult<boolean>) => void;
}

/**
 * The bound `maxQueued` of the runs waiting on the shared queue, across replicas. {@link full} only looks (a caller
 * that stores something for the run asks it first); {@link enqueue} counts and enqueues as one, under an advisory
 * lock every replica takes, so concurrent enqueues never pass the bound together. An empty queue always admits
 * (`maxQueued` 0: a run may be enqueued when none waits).
 */
export class QueueAdmission {
  /** Runs at most, counted: the bound (one when it is 0). */
  private readonly bound: number;
  /** The lock's transaction and the count, one round trip (simple protocol: constants only). */
  private readonly lockAndCount: string;
  private readonly pending: Pending[] = [];
  private draining = false;

  /** `lockWaitMs`: how long a hold of the lock is waited for (tests). */
  constructor(
    private readonly pool: pg.Pool,
    maxQueued: number,
    { lockWaitMs = LOCK_WAIT_MS }: { lockWaitMs?: number } = {},
  ) {
    this.bound = Math.max(1, maxQueued);
    // Statements each with a snapshot of its own (READ COMMITTED): the count, after the lock's statement, sees every
    // enqueue committed by the holders before. In the lock's statement it would miss them.
    this.lockAndCount = `BEGIN; SET LOCAL lock_timeout = ${Math.trunc(lockWaitMs)}; SELECT pg_advisory_xact_lock(hashtext('agent_runs.admission')); ${queuedSql(this.bound)}`;
  }

  /** Whether `maxQueued` runs wait on the shared queue now. */
  async full(): Promise<boolean> {
    const { rows } = await this.pool.query<{ n: number }>(queuedSql(this.bound));
    return (rows[0]?.n ?? 0) >= this.bound;
  }

  /**
   * Calls `enqueue` unless the queue is full, holding the lock until it resolves: `enqueue` must commit the run
   * before it resolves (DBOS's enqueue does), so the next count, on any replica, sees it.
   * @returns false when the queue was full, or the lock was not had in time: nothing was enqueued
   */
  enqueue(enqueue: () => Promise<unknown>): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const settle = (o: PromiseSettledResult<boolean>) =>
        o.status === 'fulfilled' ? resolve(o.value) : reject(o.reason as Error);
      this.pending.push({ enqueue, settle });
      if (!this.draining) void this.drain();
    });
  }

  /**
   * Admits what waits here, a batch per hold of the lock: one connection of this process waits on the lock (the
   * holder's enqueues, on other connections of the same pool, always find one), and a burst here pays one hold and
   * one count for many enqueues, which then run at once.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0) await this.admit(this.pending.splice(0, MAX_BATCH));
    } finally {
      this.draining = false;
    }
  }

  /** Settles every one of `batch`: the first ones the queue has room for enqueued, the rest refused. */
  private async admit(batch: readonly Pending[]): Promise<void> {
    let client: pg.PoolClient | undefined;
    let room: number;
    try {
      client = await this.pool.connect();
      const results = (await client.query(this.lockAndCount)) as unknown as pg.QueryResult<{ n: number }>[];
      room = this.bound - (results[3]?.rows[0]?.n ?? 0);
    } catch (error) {
      // Nothing was enqueued. The lock not had in time: refused, as by a full queue (a retry later), not a failure.
      await client?.query('ROLLBACK').catch(() => undefined);
      client?.release(true);
      const refused = (error as { code?: unknown } | undefined)?.code === LOCK_NOT_AVAILABLE;
      for (const pending of batch) {
        pending.settle(refused ? { status: 'fulfilled', value: false } : { status: 'rejected', reason: error });
      }
      return;
    }
    const admitted = batch.slice(0, Math.max(0, room));
    const outcomes = await Promise.allSettled(admitted.map((pending) => pending.enqueue().then(() => true)));
    // Ending the transaction releases the lock; a connection lost meanwhile released it already.
    const ended = await client.query('COMMIT').then(
      () => true,
      () => false,
    );
    client.release(!ended);
    outcomes.forEach((outcome, i) => admitted[i]?.settle(outcome));
    for (const pending of batch.slice(admitted.length)) pending.settle({ status: 'fulfilled', value: false });
  }
}
