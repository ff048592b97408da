import { createHash, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { type RunObserver } from '@agent-mcp/agent-core';
import { type McpObserver } from '@agent-mcp/mcp-core';
import { type PoolStats } from '@agent-mcp/tools-database';
import { type RunQueueSample, type RunsObserver, type RunsStats } from '@agent-mcp/durable-runs';
import { registerAgentMetrics } from './agent-metrics';
import { type MetricsSources, registerMcpMetrics } from './mcp-metrics';
import { registerRunQueueMetrics } from './run-queue-metrics';

export { type MetricsSources } from './mcp-metrics';

/** The server's Prometheus metrics and the observers that feed them. */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Feeds `mcp_*` from every finished MCP request. */
  readonly observer: McpObserver;
  /** Feeds `agent_*` from every agent run and model request. */
  readonly runObserver: RunObserver;
  /**
   * Feeds `agent_runs_queue_wait_seconds` and `agent_runs_refused_total` from the run queue, and with recorded runs
   * `agent_runs_resumed_total` and `agent_runs_resume_failures_total`.
   */
  readonly runsObserver: RunsObserver;
  /** Reads the run queue's gauges (`agent_runs_queue_depth`, `agent_runs_running`) from `stats` at scrape time. */
  trackRuns(stats: () => RunsStats): void;
  /** Reads the recorded runs' shared queue (`queue="shared"`) at scrape time from a `RunQueueSampler`'s `sample`. */
  trackSharedRuns(sample: () => Promise<RunQueueSample | undefined>): void;
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

  let sources: MetricsSources | undefined;
  const observer = registerMcpMetrics(registers, () => sources);
  const runObserver = registerAgentMetrics(registers);
  const runQueue = registerRunQueueMetrics(registers);

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
    observer,
    runObserver,
    runsObserver: runQueue.observer,
    trackRuns: (stats) => runQueue.track(stats),
    trackSharedRuns: (sample) => runQueue.trackShared(sample),
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
