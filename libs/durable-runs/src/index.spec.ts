import { VERSION } from './index';

describe('package entry', () => {
  it('exposes the package version', () => {
    expect(VERSION).toBe('0.1.0');
  });
});

// The public API: what another team imports from `@agent-mcp/durable-runs`. Adding or dropping an export is an API
// decision, made in this list too.
describe('public API', () => {
  it('exports exactly these values', async () => {
    expect(Object.keys(await import('./index')).sort()).toEqual([
      'DURABLE_RUNS_ERROR_CODES',
      'DurableRunsError',
      'DurableRunsInUseError',
      'InvalidRunsOptionsError',
      'MAILBOX_LIMITS',
      'RUNS_SETTINGS',
      'RunMailboxFullError',
      'RunNotFoundError',
      'RunNotResumableError',
      'RunOfOtherFormatError',
      'RunQueueFullError',
      'RunWaitTimeoutError',
      'VERSION',
      'createDurableRuns',
      'createLocalRuns',
      'createRunQueueSampler',
      'loadDurableRunsOptions',
      'loadRunsOptions',
    ]);
  });
});

// The types it exports; one dropped from src/index.ts fails typecheck here.
export type {
  AgentRuns,
  DurableRunHandle,
  DurableRuns,
  DurableRunsErrorCode,
  DurableRunsOptions,
  LocalRunsOptions,
  RunChanges,
  RunContextJournal,
  RunQueueSample,
  RunQueueSampler,
  RunQueueSamplerOptions,
  RunStatus,
  RunWatch,
  RunsObserver,
  RunsStats,
} from './index';
