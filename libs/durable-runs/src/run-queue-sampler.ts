import { type Logger, noopLogger } from '@agent-mcp/context';
import type pg from 'pg';
import { z } from 'zod';
import { RUN_FORMAT_VERSION, RUNS_QUEUE, RUNS_SCHEMA } from './dbos-engine';
import { InvalidRunsOptionsError } from './errors';

/** What the runs' shared queue (DBOS's, in PostgreSQL) held when last read. */
export interface RunQueueSample {
  /**
   * Runs of this run format waiting on the queue (`ENQUEUED`), put there by any replica: the same number on every
   * replica of the format.
   */
  readonly queued: number;
  /** Runs of the queue this replica executes now (`PENDING` under its executor id). */
  readonly runningHere: number;
  /**
   * How long the run waiting longest on the queue had waited when read, ms (0 when none waits): since it last
   * became `ENQUEUED` (`updated_at`: its enqueue, or its hand-over or recovery, not its creation). It grows while
   * nothing takes the queue's runs, whatever the cause.
   */
  readonly oldestWaitMs: number;
  /** When it was read, ms since the epoch. */
  readonly readAt: number;
}

/** Options of {@link createRunQueueSampler}. */
export interface RunQueueSamplerOptions {
  /** The database the runs are recorded in (`DurableRunsOptions.databaseUrl`). */
  readonly databaseUrl: string;
  /** This replica's executor id (`DurableRuns.executorId`), for {@link RunQueueSample.runningHere}. */
  readonly executorId: string;
  /** The database is read at most once per this many ms, however often samples are asked for. Default 10 000. */
  readonly everyMs?: number;
  readonly logger?: Logger;
}

/**
 * Reads the shared run queue for metrics, at most once per `everyMs` on this replica: scrapes in between (several
 * Prometheus servers, a dashboard refreshing) get the last sample, so the database sees one small indexed count per
 * replica per interval, never one per scrape.
 */
export interface RunQueueSampler {
  /**
   * The last sample, read again first when it is older than `everyMs` (callers at once share one read); `undefined`
   * while the database cannot be read (logged once per interval, tried again after it).
   */
  sample(): Promise<RunQueueSample | undefined>;
  /** Closes its connection. */
  close(): Promise<void>;
}

const OptionsSchema = z.object({
  databaseUrl: z.string().url(),
  executorId: z.string().min(1).max(200),
  everyMs: z.number().int().min(100).max(3_600_000).default(10_000),
});

/**
 * Uses DBOS's partial index on (queue_name, status) for the runs in flight: one pass over what waits or runs (at most
 * RUN_MAX_QUEUED and the running runs), counting them and taking the longest wait. `updated_at`, not the indexed
 * `created_at`: DBOS sets it whenever a run becomes ENQUEUED, so a run re-enqueued after hours of running is not
 * taken for one that waited hours. Runs of this run format only (what the replicas of this format dequeue;
 * `run-format.ts`).
 */
const SAMPLE_SQL = `SELECT count(*) FILTER (WHERE status = 'ENQUEUED')::int AS queued,
                           count(*) FILTER (WHERE status = 'PENDING' AND executor_id = $2)::int AS running_here,
                           min(updated_at) FILTER (WHERE status = 'ENQUEUED')::float8 AS oldest_queued_at
                      FROM "${RUNS_SCHEMA}".workflow_status
                     WHERE queue_name = $1 AND status IN ('ENQUEUED', 'PENDING') AND application_version = $3`;

/**
 * Creates the sampler. It holds one connection of its own (opened at the first sample, closed when idle for longer
 * than an interval), apart from the runs' pool, so that a slow scrape never waits behind a run's checkpoint.
 *
 * @throws InvalidRunsOptionsError
 */
export function createRunQueueSampler(options: RunQueueSamplerOptions): RunQueueSampler {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRunsOptionsError(`Invalid run queue sampler option ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const { databaseUrl, executorId, everyMs } = parsed.data;
  const logger = options.logger ?? noopLogger;
  let pool: Promise<pg.Pool> | undefined;
  let last: RunQueueSample | undefined;
  let triedAt = -Infinity;
  let reading: Promise<RunQueueSample | undefined> | undefined;
  let closed = false;

  const open = async () => {
    const { Pool } = (await import('pg')).default;
    const created = new Pool({
      connectionString: databaseUrl,
      max: 1,
      idleTimeoutMillis: everyMs + 5_000,
      connectionTimeoutMillis: 2_000,
      allowExitOnIdle: true,
      // A metric is not worth a long wait: a locked or overloaded database gives no sample this time.
      options: '-c statement_timeout=2000',
    });
    created.on('error', (error) => logger.warn('agent runs: the queue sampler lost its connection', { err: error }));
    return created;
  };

  const read = async (): Promise<RunQueueSample | undefined> => {
    triedAt = Date.now();
    try {
      pool ??= open();
      const { rows } = await (
        await pool
      ).query<{ queued: number; running_here: number; oldest_queued_at: number | null }>(SAMPLE_SQL, [
        RUNS_QUEUE,
        executorId,
        RUN_FORMAT_VERSION,
      ]);
      const oldest = rows[0]?.oldest_queued_at;
      last = {
        queued: rows[0]?.queued ?? 0,
        runningHere: rows[0]?.running_here ?? 0,
        // Clamped: another replica's clock may run ahead of this one's.
        oldestWaitMs: oldest == null ? 0 : Math.max(0, triedAt - oldest),
        readAt: triedAt,
      };
    } catch (error) {
      // Before DBOS's first launch the table does not exist yet: nothing is queued.
      if ((error as { code?: string }).code === '42P01')
        last = { queued: 0, runningHere: 0, oldestWaitMs: 0, readAt: triedAt };
      else {
        last = undefined;
        logger.warn('agent runs: could not read the run queue for metrics', { err: error });
      }
    }
    return last;
  };

  return {
    sample() {
      if (closed) return Promise.resolve(undefined);
      if (Date.now() - triedAt < everyMs) return reading ?? Promise.resolve(last);
      reading = read().finally(() => (reading = undefined));
      return reading;
    },
    async close() {
      closed = true;
      await reading?.catch(() => undefined);
      const opened = await pool?.catch(() => undefined);
      pool = undefined;
      await opened?.end().catch(() => undefined);
    },
  };
}
