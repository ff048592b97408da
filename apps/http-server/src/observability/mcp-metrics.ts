import { Counter, Gauge, type Registry } from 'prom-client';
import { type McpObserver } from '@agent-mcp/mcp-core';
import { countAndTime, REQUEST_BUCKETS, scrapedGauge } from './instruments';

/** What the metrics read at scrape time rather than count as it happens. */
export interface MetricsSources {
  /** Live MCP sessions. */
  sessions(): number;
  /** Open standalone SSE streams. */
  streams(): number;
  /** Open 2026-07-28 `subscriptions/listen` streams. */
  listens?(): number;
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
  const request = countAndTime(registers, {
    count: ['mcp_requests_total', 'MCP requests by method and outcome'],
    time: ['mcp_request_duration_seconds', 'Time from receipt to response of MCP requests'],
    labelNames: ['method', 'outcome'],
    buckets: REQUEST_BUCKETS,
  });
  const toolCall = countAndTime(registers, {
    count: ['mcp_tool_calls_total', 'Tool calls by tool and outcome'],
    time: ['mcp_tool_call_duration_seconds', 'Duration of tool calls'],
    labelNames: ['tool', 'outcome'],
    buckets: REQUEST_BUCKETS,
  });
  const rateLimited = new Counter({
    name: 'mcp_rate_limit_rejections_total',
    help: 'Requests refused by a rate limit, by method',
    labelNames: ['method'],
    registers,
  });

  scrapedGauge(registers, 'mcp_sessions', 'Live MCP sessions', () => sources()?.sessions() ?? 0);
  scrapedGauge(registers, 'mcp_sse_streams', 'Open standalone SSE streams', () => sources()?.streams() ?? 0);
  scrapedGauge(
    registers,
    'mcp_listen_streams',
    'Open subscriptions/listen streams (MCP 2026-07-28)',
    () => sources()?.listens?.() ?? 0,
  );
  scrapedGauge(registers, 'mcp_requests_in_flight', 'MCP requests being handled', () => sources()?.inFlight() ?? 0);
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
  scrapedGauge(
    registers,
    'mcp_tasks_running',
    'MCP tasks this process is running',
    () => sources()?.tasksRunning?.() ?? 0,
  );

  return {
    onRequestFinished(info) {
      const seconds = info.durationMs / 1000;
      request({ method: info.method, outcome: info.outcome }, seconds);
      if (info.outcome === 'rate_limit') rateLimited.inc({ method: info.method });
      if (info.method === 'tools/call' && info.tool) {
        toolCall({ tool: info.tool, outcome: info.outcome }, seconds);
      }
    },
  };
}
