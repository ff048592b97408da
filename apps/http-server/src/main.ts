import { type Logger, parseConfig } from '@agent-mcp/context';
import { type AgentRuns, createRunQueueSampler, type DurableRuns, type RunQueueSampler } from '@agent-mcp/durable-runs';
import { parseApplicationDatabaseConfig } from '@agent-mcp/store';
import { AGENT_MCP_IDENTITY, createAgentMcpServer, formatHelp, runEntryPoint, wantsHelp } from '@agent-mcp/server-kit';
import { HTTP_SERVER_SETTINGS, HttpServerConfigSchema, refuseUnsafeListening } from './config';
import { shutdownGracefully } from './graceful-shutdown';
import { createServerMetrics } from './observability/metrics';
import { createPinoLogger, flushOnFatalError } from './observability/pino-logger';
import { createServerState } from './server-state';
import { serveHttp } from './serve-http';

const HELP = {
  identity: AGENT_MCP_IDENTITY,
  over: 'Streamable HTTP',
  usage: 'agent-mcp-http [--help]',
  about: ['Serves MCP at http://HOST:PORT/mcp, liveness at /healthz and readiness at /readyz.'],
  settings: HTTP_SERVER_SETTINGS,
};

runEntryPoint(async () => {
  if (wantsHelp()) return void process.stdout.write(formatHelp(HELP));
  const config = refuseUnsafeListening(parseConfig(HttpServerConfigSchema, process.env));
  const log = createPinoLogger({
    level: config.LOG_LEVEL,
    bindings: { service: AGENT_MCP_IDENTITY.name },
    redact: { paths: config.LOG_REDACT },
  });
  const logger = log.logger;
  flushOnFatalError(log);
  const metrics = createServerMetrics();
  // The resource's URL: PUBLIC_URL, else the address listened on (known once listening, as with PORT=0).
  let origin: string | undefined;
  // Composed in one direction (tools, pipeline, server); everything it checks is checked before Redis opens below.
  const composed = await createAgentMcpServer({
    env: process.env,
    settings: config,
    transport: { kind: 'http', location: { resource: () => `${config.PUBLIC_URL ?? origin}/mcp` } },
    logger,
    observers: [metrics.observer],
    runObserver: metrics.runObserver,
    runsObserver: metrics.runsObserver,
    trackPool: (name, stats) => metrics.trackPool(name, stats),
    tasks: { defaultTtlMs: config.TASK_TTL_SECONDS * 1000, maxTtlMs: config.TASK_MAX_TTL_SECONDS * 1000 },
  });
  metrics.trackRuns(() => composed.runs.stats());
  const queueSampler = sharedQueueSampler(composed.runs, logger);
  if (queueSampler) metrics.trackSharedRuns(() => queueSampler.sample());
  const state = createServerState(config, logger);
  await Promise.all([state.ready(), composed.ready()]);
  const serving = serveHttp(config, composed, state, metrics, logger, (url) => (origin = url));
  // Recorded runs (DATABASE_URL) load DBOS in the background once serving, off the path to the first request.
  if (composed.runs.kind === 'durable') {
    composed.runs
      .start()
      .catch((error: unknown) =>
        logger.warn('agent runs: the run engine did not start; the next agent call tries again', { err: error }),
      );
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const { mcp, app, metricsApp } = serving;
    void shutdownGracefully(
      {
        server: composed.server,
        mcp,
        app,
        others: metricsApp ? [metricsApp] : [],
        graceMs: config.SHUTDOWN_GRACE_SECONDS * 1000,
        release: () => Promise.allSettled([composed.close(), state.close(), queueSampler?.close()]),
        logger,
      },
      signal,
    ).finally(() => {
      log.flush();
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
});

/**
 * With recorded runs, their shared queue for the metrics, read from the database they are recorded in at most every
 * 10 s on this replica (not per scrape); the in-process queue has none.
 */
function sharedQueueSampler(runs: AgentRuns | DurableRuns, logger: Logger): RunQueueSampler | undefined {
  const databaseUrl = parseApplicationDatabaseConfig(process.env).DATABASE_URL;
  if (runs.kind !== 'durable' || !databaseUrl) return undefined;
  return createRunQueueSampler({ databaseUrl, executorId: runs.executorId, everyMs: 10_000, logger });
}
