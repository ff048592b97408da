import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type RunsObserver, type RunsStats } from '@agent-mcp/durable-runs';

/** What feeds `agent_runs_*` besides the observer: the queue's counts, read at scrape time. */
export interface RunQueueMetrics {
  readonly observer: RunsObserver;
  /** Reads the queue's gauges from `stats` at scrape time. */
  track(stats: () => RunsStats): void;
}

// A queued run waits for a slot: from nothing, through a busy minute, to the request timeouts clients use.
const WAIT_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Registers the run queue's metrics: `agent_runs_queue_depth`, `agent_runs_running` and
 * `agent_runs_queue_oldest_wait_seconds` (gauges), `agent_runs_queue_wait_seconds` (histogram by tool) and
 * `agent_runs_refused_total` (by tool). Tools are registered names, so the label is a bounded set.
 */
export function registerRunQueueMetrics(registers: Registry[]): RunQueueMetrics {
  let read: (() => RunsStats) | undefined;
  const gauge = (name: string, help: string, pick: (s: RunsStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        if (read) this.set(pick(read()));
      },
    });
  gauge('agent_runs_queue_depth', 'Agent runs waiting for a slot in this process', (s) => s.queued);
  gauge('agent_runs_running', 'Agent runs holding a slot in this process', (s) => s.running);
  gauge(
    'agent_runs_queue_oldest_wait_seconds',
    'How long the oldest waiting agent run has waited',
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
  return {
    observer: {
      onRunStarted: ({ kind, waitMs }) => wait.observe({ tool: kind }, waitMs / 1000),
      onRunRefused: ({ kind }) => refused.inc({ tool: kind }),
    },
    track(stats) {
      read = stats;
    },
  };
}
