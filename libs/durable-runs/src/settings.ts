import { parseConfig, type SettingDoc } from '@agent-mcp/context';
import { z } from 'zod';
import { type DurableRunsOptions } from './durable-runs';
import { type LocalRunsOptions } from './local-runs';

/** Documentation of the runs' settings, for `--help` and the README. */
export const RUNS_SETTINGS: readonly SettingDoc[] = [
  {
    name: 'RUN_CONCURRENCY_PER_REPLICA',
    default: '8',
    description: 'Agent runs at once per server process; more wait in the queue',
  },
  {
    name: 'RUN_CONCURRENCY_PER_PRINCIPAL',
    default: '2',
    description:
      "Agent runs at once of one caller; the caller's next runs wait, others' pass (calls: per replica; task runs: across replicas)",
  },
  {
    name: 'RUN_MAX_QUEUED',
    default: '256',
    description:
      'Agent runs waiting for a slot per process, and task runs waiting on the shared queue (DATABASE_URL); one more is refused as busy (retry later)',
  },
  {
    name: 'RUN_HEARTBEAT_MS',
    default: '2000',
    description: 'Recorded runs (HTTP server with DATABASE_URL): how often a replica says it is alive',
  },
  {
    name: 'RUN_RECOVERY_AFTER_MS',
    default: '15000',
    description:
      'Recorded runs: a replica silent this long is dead, and its runs resume on a live one (>= 3 heartbeats)',
  },
  {
    name: 'RUN_MAX_RESUMES',
    default: '3',
    description: 'Recorded runs: how often a run may move to another replica before it is failed as not resumable',
  },
  {
    name: 'RUN_CHECKPOINT_COMMIT',
    default: 'async',
    description:
      'Recorded runs: async (a database crash may lose the last ~0.6 s of steps, which then run again) or sync (2-5 ms more per step)',
  },
  {
    name: 'RUN_QUEUE_POLL_MS',
    default: '100',
    description: 'Recorded runs: how often each replica looks for queued runs to start',
  },
  {
    name: 'RUN_DB_POOL_SIZE',
    default: '6',
    description: 'Recorded runs: connections per replica for recording runs, beside the application pool',
  },
  {
    name: 'RUN_RETENTION_HOURS',
    default: '24',
    description: 'Recorded runs: finished runs and their steps are deleted after this long',
  },
];

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(emptyAsUnset, z.coerce.number().int().min(min).max(max).default(fallback));

const RunsSchema = z.object({
  RUN_CONCURRENCY_PER_REPLICA: int(1, 1000, 8),
  RUN_CONCURRENCY_PER_PRINCIPAL: int(1, 1000, 2),
  RUN_MAX_QUEUED: int(0, 100_000, 256),
});

const DurableSchema = RunsSchema.extend({
  RUN_HEARTBEAT_MS: int(100, 60_000, 2000),
  RUN_RECOVERY_AFTER_MS: int(1000, 600_000, 15_000),
  RUN_MAX_RESUMES: int(1, 100, 3),
  RUN_CHECKPOINT_COMMIT: z.preprocess(emptyAsUnset, z.enum(['async', 'sync']).default('async')),
  RUN_QUEUE_POLL_MS: int(10, 10_000, 100),
  RUN_DB_POOL_SIZE: int(2, 100, 6),
  RUN_RETENTION_HOURS: z.preprocess(
    emptyAsUnset,
    z.coerce
      .number()
      .min(0.01)
      .max(24 * 365)
      .default(24),
  ),
}).refine((s) => s.RUN_RECOVERY_AFTER_MS >= 3 * s.RUN_HEARTBEAT_MS, {
  message: 'must be at least 3 x RUN_HEARTBEAT_MS, or a live replica could be declared dead',
  path: ['RUN_RECOVERY_AFTER_MS'],
});

type Env = Readonly<Record<string, string | undefined>>;
const pick = (schema: { shape: object }, env: Env) =>
  Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k]]));

/** Reads the queue's settings once; empty values count as unset. @throws ConfigError naming the setting. */
export function loadRunsOptions(env: Env = process.env): LocalRunsOptions {
  const parsed = parseConfig(RunsSchema, pick(RunsSchema, env));
  return Object.freeze({
    concurrencyPerReplica: parsed.RUN_CONCURRENCY_PER_REPLICA,
    concurrencyPerPrincipal: parsed.RUN_CONCURRENCY_PER_PRINCIPAL,
    maxQueued: parsed.RUN_MAX_QUEUED,
  });
}

/**
 * Reads every {@link RUNS_SETTINGS} once, for {@link createDurableRuns} on `databaseUrl`; empty values count as
 * unset. @throws ConfigError naming the setting.
 */
export function loadDurableRunsOptions(databaseUrl: string, env: Env = process.env): DurableRunsOptions {
  const parsed = parseConfig(DurableSchema, pick(DurableSchema, env));
  return Object.freeze({
    databaseUrl,
    concurrencyPerReplica: parsed.RUN_CONCURRENCY_PER_REPLICA,
    concurrencyPerPrincipal: parsed.RUN_CONCURRENCY_PER_PRINCIPAL,
    maxQueued: parsed.RUN_MAX_QUEUED,
    heartbeatMs: parsed.RUN_HEARTBEAT_MS,
    recoveryAfterMs: parsed.RUN_RECOVERY_AFTER_MS,
    maxResumes: parsed.RUN_MAX_RESUMES,
    checkpointCommit: parsed.RUN_CHECKPOINT_COMMIT,
    queuePollMs: parsed.RUN_QUEUE_POLL_MS,
    poolSize: parsed.RUN_DB_POOL_SIZE,
    retentionHours: parsed.RUN_RETENTION_HOURS,
  });
}
