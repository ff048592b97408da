import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type McpObserver } from '@agent-mcp/mcp-core';
import { REQUEST_BUCKETS } from './buckets';

/** What the metrics read at scrape time rather than count as it happens. */
export interface MetricsSources {
  /** Live MCP sessions. */
  sessions(): number;
  /** Open standalone SSE streams. */
  streams(): number;
  /** Requests being handled. */
  inFlight(): number;
  /** Tasks in the task store by status (every replica on one database reads the same counts). */
  tasks?(): Promise<Partial<Record<string, number>>>;
  /** Tasks this process is running. */
  tasksRunning?(): number;
}

/** MCP task statuses: the fixed label set of `mcp_tasks`. */
const TASK_STATUSES = ['working', 'input_required', 'completed', 'failed', 'cancelled'] as const;
/** A scrape does not wait longer than this for the task counts; it reports the last ones it had. */
const TASK_COUNT_WAIT_MS = 2_000;

/**
 * Registers `mcp_*`: requests and tool calls (counts and duration histograms by method, tool and outcome) and
 * rate-limit rejections, fed by the returned observer; sessions, streams, requests in flight and tasks, read from
 * `sources()` at scrape time.
 */
export function registerMcpMetrics(registers: Registry[], sources: () => MetricsSources | undefined): McpObserver {
  const requests = new Counter({
    name: 'mcp_requests_total',
    help: 'MCP requests by method and outcome',
    labelNames: ['method', 'outcome'],
    registers,
  });
  const requestSeconds = new Histogram({
    name: 'mcp_request_duration_seconds',
    help: 'Time from receipt to response of MCP requests',
    labelNames: ['method', 'outcome'],
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const toolCalls = new Counter({
    name: 'mcp_tool_calls_total',
    help: 'Tool calls by tool and outcome',
    labelNames: ['tool', 'outcome'],
    registers,
  });
  const toolSeconds = new Histogram({
    name: 'mcp_tool_call_duration_seconds',
    help: 'Duration of tool calls',
    labelNames: ['tool', 'outcome'],
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const rateLimited = new Counter({
    name: 'mcp_rate_limit_rejections_total',
    help: 'Requests refused by a rate limit, by method',
    labelNames: ['method'],
    registers,
  });

  new Gauge({
    name: 'mcp_sessions',
    help: 'Live MCP sessions',
    registers,
    collect() {
      this.set(sources()?.sessions() ?? 0);
    },
  });
  new Gauge({
    name: 'mcp_sse_streams',
    help: 'Open standalone SSE streams',
    registers,
    collect() {
      this.set(sources()?.streams() ?? 0);
    },
  });
  new Gauge({
    name: 'mcp_requests_in_flight',
    help: 'MCP requests being handled',
    registers,
    collect() {
      this.set(sources()?.inFlight() ?? 0);
    },
  });
  let lastTaskCounts: Partial<Record<string, number>> = {};
  new Gauge({
    name: 'mcp_tasks',
    help: 'MCP tasks kept in the task store, by status (the same on every replica sharing the database)',
    labelNames: ['status'],
    registers,
    async collect() {
      const read = sources()?.tasks?.();
      if (read) {
        const timeout = new Promise<undefined>((resolve) =>
          setTimeout(() => resolve(undefined), TASK_COUNT_WAIT_MS).unref(),
        );
        lastTaskCounts = (await Promise.race([read.catch(() => undefined), timeout])) ?? lastTaskCounts;
      }
      for (const status of TASK_STATUSES) this.set({ status }, lastTaskCounts[status] ?? 0);
    },
  });
  new Gauge({
    name: 'mcp_tasks_running',
    help: 'MCP tasks this process is running',
    registers,
    collect() {
      this.set(sources()?.tasksRunning?.() ?? 0);
    },
  });

  return {
    onRequestFinished(info) {
      const seconds = info.durationMs / 1000;
      requests.inc({ method: info.method, outcome: info.outcome });
      requestSeconds.observe({ method: info.method, outcome: info.outcome }, seconds);
      if (info.outcome === 'rate_limit') rateLimited.inc({ method: info.method });
      if (info.method === 'tools/call' && info.tool) {
        toolCalls.inc({ tool: info.tool, outcome: info.outcome });
        toolSeconds.observe({ tool: info.tool, outcome: info.outcome }, seconds);
      }
    },
  };
}
