/**
 * @agent-mcp/durable-runs: agent runs through a bounded queue (per replica and per principal), each with a step
 * journal (agent-core's `RunJournal`) and a mailbox for the answers it waits on. `createDurableRuns()` records
 * runs in PostgreSQL (DBOS Transact), so a run whose replica dies resumes on a live one; `createLocalRuns()` is the
 * in-process implementation, the embedded default's. `createRunQueueSampler()` reads the recorded runs' shared queue
 * for metrics.
 *
 * Every export here is public API.
 *
 * @packageDocumentation
 */

/** Package version, kept in step with package.json. */
export const VERSION = '0.1.0';

export {
  createLocalRuns,
  type AgentRuns,
  type LocalRunsOptions,
  type RunContextJournal,
  type RunsObserver,
  type RunsStats,
} from './local-runs';
export {
  createDurableRuns,
  type DurableRuns,
  type DurableRunsOptions,
  type DurableRunHandle,
  type RunStatus,
} from './durable-runs';
export {
  createRunQueueSampler,
  type RunQueueSample,
  type RunQueueSampler,
  type RunQueueSamplerOptions,
} from './run-queue-sampler';
export { MAILBOX_LIMITS } from './mailboxes';
export { type RunChanges, type RunWatch } from './run-signals';
export { RUNS_SETTINGS, loadRunsOptions, loadDurableRunsOptions } from './settings';
export {
  DurableRunsError,
  RunQueueFullError,
  RunNotFoundError,
  RunMailboxFullError,
  InvalidRunsOptionsError,
  RunNotResumableError,
  RunOfOtherFormatError,
  RunWaitTimeoutError,
  DurableRunsInUseError,
  DURABLE_RUNS_ERROR_CODES,
  type DurableRunsErrorCode,
} from './errors';
