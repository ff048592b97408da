import { parseConfig, type SettingDoc } from '@agent-mcp/context';
import { z } from 'zod';
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
    description: "Agent runs at once of one caller; the caller's next runs wait, others' pass",
  },
  {
    name: 'RUN_MAX_QUEUED',
    default: '256',
    description: 'Agent runs waiting for a slot per process; one more is refused as busy (retry later)',
  },
];

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);
const count = (max: number, fallback: number) =>
  z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(max).default(fallback));

const RunsSchema = z.object({
  RUN_CONCURRENCY_PER_REPLICA: count(1000, 8),
  RUN_CONCURRENCY_PER_PRINCIPAL: count(1000, 2),
  RUN_MAX_QUEUED: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(100_000).default(256)),
});

/** Reads the {@link RUNS_SETTINGS} once; empty values count as unset. @throws ConfigError naming the setting. */
export function loadRunsOptions(env: Readonly<Record<string, string | undefined>> = process.env): LocalRunsOptions {
  const picked = Object.fromEntries(Object.keys(RunsSchema.shape).map((k) => [k, env[k]]));
  const parsed = parseConfig(RunsSchema, picked);
  return Object.freeze({
    concurrencyPerReplica: parsed.RUN_CONCURRENCY_PER_REPLICA,
    concurrencyPerPrincipal: parsed.RUN_CONCURRENCY_PER_PRINCIPAL,
    maxQueued: parsed.RUN_MAX_QUEUED,
  });
}
