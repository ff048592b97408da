import { createHash, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type RunObserver } from '@agent-mcp/agent-core';
import { type McpObserver } from '@agent-mcp/mcp-core';
import { type PoolStats } from '@agent-mcp/tools-database';

// Seconds; MCP requests range from sub-millisecond lists to agent calls of minutes.
const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const MODEL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];

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

/** The server's Prometheus metrics and the observers that feed them. */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Feeds `mcp_*` from every finished MCP request. */
  readonly observer: McpObserver;
  /** Feeds `agent_*` from every agent run and model request. */
  readonly runObserver: RunObserver;
  /** Reads gauges from these at scrape time. */
  setSources(sources: MetricsSources): void;
  /** Exports the use of a connection pool as `db_pool_connections{pool,state}`. */
  trackPool(name: string, stats: () => PoolStats | undefined): void;
}

/**
 * Creates the registry: MCP requests and tool calls (counts and duration histograms by method, tool and outcome),
 * rate-limit rejections, sessions, SSE streams, agent runs, model requests, tokens and upstream errors by model and
 * status, database pool use, and Node's process metrics. Label values are bounded sets: methods are MCP's, tools
 * are registered names (`(unknown)` otherwise), outcomes and statuses are fixed vocabularies.
 */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

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

  let sources: MetricsSources | undefined;
  new Gauge({
    name: 'mcp_sessions',
    help: 'Live MCP sessions',
    registers,
    collect() {
      this.set(sources?.sessions() ?? 0);
    },
  });
  new Gauge({
    name: 'mcp_sse_streams',
    help: 'Open standalone SSE streams',
    registers,
    collect() {
      this.set(sources?.streams() ?? 0);
    },
  });
  new Gauge({
    name: 'mcp_requests_in_flight',
    help: 'MCP requests being handled',
    registers,
    collect() {
      this.set(sources?.inFlight() ?? 0);
    },
  });
  let lastTaskCounts: Partial<Record<string, number>> = {};
  new Gauge({
    name: 'mcp_tasks',
    help: 'MCP tasks kept in the task store, by status (the same on every replica sharing the database)',
    labelNames: ['status'],
    registers,
    async collect() {
      const read = sources?.tasks?.();
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
      this.set(sources?.tasksRunning?.() ?? 0);
    },
  });

  const runs = new Counter({
    name: 'agent_runs_total',
    help: 'Agent runs by agent and outcome',
    labelNames: ['agent', 'outcome'],
    registers,
  });
  const runSeconds = new Histogram({
    name: 'agent_run_duration_seconds',
    help: 'Duration of agent runs',
    labelNames: ['agent', 'outcome'],
    buckets: MODEL_BUCKETS,
    registers,
  });
  const modelRequests = new Counter({
    name: 'agent_model_requests_total',
    help: 'Model request attempts by model and status',
    labelNames: ['model', 'status'],
    registers,
  });
  const modelSeconds = new Histogram({
    name: 'agent_model_request_duration_seconds',
    help: 'Duration of model request attempts',
    labelNames: ['model', 'status'],
    buckets: MODEL_BUCKETS,
    registers,
  });
  const tokens = new Counter({
    name: 'agent_model_tokens_total',
    help: 'Tokens used by model and kind (input, output)',
    labelNames: ['model', 'kind'],
    registers,
  });
  const upstreamErrors = new Counter({
    name: 'agent_model_upstream_errors_total',
    help: 'Failed model request attempts by model, HTTP status (or none) and error code',
    labelNames: ['model', 'status', 'code'],
    registers,
  });

  const pools = new Map<string, () => PoolStats | undefined>();
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by pool and state (total, idle, waiting, max)',
    labelNames: ['pool', 'state'],
    registers,
    collect() {
      this.reset();
      for (const [pool, read] of pools) {
        const stats = read();
        if (!stats) continue;
        for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ pool, state }, stats[state]);
      }
    },
  });

  return {
    registry,
    setSources(s) {
      sources = s;
    },
    trackPool(name, stats) {
      pools.set(name, stats);
    },
    observer: {
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
    },
    runObserver: {
      onModelRequest(info) {
        const status = info.error ? String(info.error.status ?? 'none') : 'ok';
        modelRequests.inc({ model: info.model, status });
        modelSeconds.observe({ model: info.model, status }, info.durationMs / 1000);
        if (info.usage) {
          tokens.inc({ model: info.model, kind: 'input' }, info.usage.inputTokens);
          tokens.inc({ model: info.model, kind: 'output' }, info.usage.outputTokens);
        }
        if (info.error) upstreamErrors.inc({ model: info.model, status, code: info.error.code });
      },
      onRunFinished(info) {
        runs.inc({ agent: info.agent, outcome: info.outcome });
        runSeconds.observe({ agent: info.agent, outcome: info.outcome }, info.durationMs / 1000);
      },
    },
  };
}

/** Options of {@link createMetricsEndpoint}. */
export interface MetricsEndpointOptions {
  /** Bearer token a scraper must present; without one, only loopback peers are answered. */
  readonly token?: string;
}

/**
 * Serves the exposition format. Metrics tell an outsider a lot (tool names, load, error rates), so they are either
 * behind a bearer token or answered to loopback peers only.
 */
export function createMetricsEndpoint(
  metrics: ServerMetrics,
  options: MetricsEndpointOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const expected = options.token ? digest(options.token) : undefined;
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (expected) {
      const header = req.headers.authorization ?? '';
      const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
      if (!timingSafeEqual(digest(presented), expected)) {
        res
          .writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' })
          .end('Unauthorized\n');
        return;
      }
    } else if (!isLoopbackPeer(req.socket.remoteAddress)) {
      res
        .writeHead(403, { 'content-type': 'text/plain' })
        .end('Metrics are served to loopback peers only; set METRICS_TOKEN to scrape from elsewhere\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
