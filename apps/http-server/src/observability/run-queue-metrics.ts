import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type RunQueueSample, type RunsObserver, type RunsStats } from '@agent-mcp/durable-runs';

/** What feeds `agent_runs_*` besides the observer: the queue's counts, read at scrape time. */
export interface RunQueueMetrics {
  readonly observer: RunsObserver;
  /** Reads this process's queue gauges (`queue="replica"`) from `stats` at scrape time. */
  track(stats: () => RunsStats): void;
  /**
   * Reads the recorded runs' shared queue gauges (`queue="shared"`) from `sample` at scrape time: a
   * `RunQueueSampler`'s, which reads the database at most every 10 s whatever the scrape rate.
   */
  trackShared(sample: () => Promise<RunQueueSample | undefined>): void;
}

// A queued run waits for a slot: from nothing, through a busy minute, to the request timeouts clients use.
const WAIT_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Registers the run queue's metrics: `agent_runs_queue_depth` and `agent_runs_running` by `queue` (`replica`: the
 * calls waiting for a slot in this process, and every run it executes, inline calls and runs of the shared queue;
 * `shared`: with recorded runs, the runs waiting on the queue in PostgreSQL, the same on every replica, and those
 * of it this replica runs, as last read from there), `agent_runs_queue_oldest_wait_seconds` by `queue` likewise
 * (`shared`: the longest wait of the runs `ENQUEUED` there, which grows while no replica takes the queue's runs),
 * `agent_runs_queue_wait_seconds` (histogram by tool), `agent_runs_refused_total` (by tool), and, with recorded runs,
 * `agent_runs_resumed_total` (runs this replica took over from replicas that stopped) and
 * `agent_runs_resume_failures_total` (its looks for stopped replicas that failed). Tools are registered names, so
 * the label is a bounded set.
 */
export function registerRunQueueMetrics(registers: Registry[]): RunQueueMetrics {
  let read: (() => RunsStats) | undefined;
  let readShared: (() => Promise<RunQueueSample | undefined>) | undefined;
  const byQueue = (
    name: string,
    help: string,
    local: (s: RunsStats) => number,
    shared: (s: RunQueueSample) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers,
      async collect() {
        // Awaited first: reset and set run in one go, so two scrapes at once never read a half-set gauge.
        const sample = await readShared?.();
        this.reset();
        if (read) this.set({ queue: 'replica' }, local(read()));
        if (sample) this.set({ queue: 'shared' }, shared(sample));
      },
    });
  byQueue(
    'agent_runs_queue_depth',
    'Agent runs waiting: for a slot in this process (queue="replica"), on the shared queue of every replica (queue="shared")',
    (s) => s.queued,
    (s) => s.queued,
  );
  byQueue(
    'agent_runs_running',
    'Agent runs running in this process: every one (queue="replica"), of them the runs of the shared queue as read from PostgreSQL (queue="shared")',
    (s) => s.running,
    (s) => s.runningHere,
  );
  // queue="shared" is what shows a stalled queue: the wait histogram is observed only when a run starts.
  byQueue(
    'agent_runs_queue_oldest_wait_seconds',
    'How long the oldest waiting agent run has waited: for a slot in this process (queue="replica"), on the shared queue of every replica as last read from PostgreSQL (queue="shared")',
    (s) => s.oldestWaitMs / 1000,
    (s) => s.oldestWaitMs / 1000,
  );
  const wait = new Histogram({
    name: 'agent_runs_queue_wait_seconds',
    help: 'Time agent runs waited in the queue before starting, by tool',
    labelNames: ['tool'],
    buckets: WAIT_BUCKETS,
    registers,
  });
  const refused = new Counter({
    name: 'agent_runs_refused_total',
    help: 'Agent runs refused because the queue was full, by tool',
    labelNames: ['tool'],
    registers,
  });
  const resumed = new Counter({
    name: 'agent_runs_resumed_total',
    help: 'Recorded agent runs this replica took over from replicas that stopped answering',
    registers,
  });
  const resumeFailures = new Counter({
    name: 'agent_runs_resume_failures_total',
    help: 'Looks for stopped replicas (to take their runs over) that failed on this replica',
    registers,
  });
  return {
    observer: {
      onRunStarted: ({ kind, waitMs }) => wait.observe({ tool: kind }, waitMs / 1000),
      onRunRefused: ({ kind }) => refused.inc({ tool: kind }),
      onRunsResumed: ({ count }) => resumed.inc(count),
      onResumeFailed: () => resumeFailures.inc(),
    },
    track(stats) {
      read = stats;
    },
    trackShared(sample) {
      readShared = sample;
    },
  };
}
