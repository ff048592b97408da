import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ConfigError, formatSettings, isLevelEnabled, type ModelUsageMeter, parseConfig } from '@agent-mcp/context';
import { AuthConfigError } from '@agent-mcp/auth';
import {
  combineObservers,
  createRequestLogObserver,
  createStreamableHttpHandler,
  LOOPBACK_HOSTS,
  McpServer,
  type Pipeline,
} from '@agent-mcp/mcp-core';
import { type AuthStack, createAuthStack } from './auth-stack';
import {
  HTTP_SERVER_SETTINGS,
  type HttpServerConfig,
  HttpServerConfigSchema,
  httpLimits,
  isLoopbackAddress,
} from './config';
import { createHttpApp } from './http-app';
import { shutdownGracefully } from './graceful-shutdown';
import { createToolSet, toolSettingsHelp } from './register-tools';
import { createServerState } from './server-state';
import { createPinoLogger, flushOnFatalError } from './observability/pino-logger';
import { createMetricsEndpoint, createServerMetrics } from './observability/metrics';
import { startTracing, type Tracing } from './observability/tracing';

const NAME = 'openai-agent-mcp';
const VERSION = '0.1.0';

function help(): string {
  return [
    `${NAME} ${VERSION}: OpenAI-powered agents behind the Model Context Protocol, over Streamable HTTP.`,
    '',
    'Usage: agent-mcp-http [--help]',
    '',
    'Serves MCP at http://HOST:PORT/mcp, liveness at /healthz and readiness at /readyz.',
    'Configuration comes from environment variables:',
    '',
    formatSettings(HTTP_SERVER_SETTINGS),
    ...toolSettingsHelp(),
    '',
  ].join('\n');
}

function loadConfig(): HttpServerConfig {
  const config = parseConfig(HttpServerConfigSchema, process.env);
  if (!isLoopbackAddress(config.HOST)) {
    if (config.AUTH_MODE.length === 0) {
      throw new ConfigError([
        `HOST: refusing to listen on ${JSON.stringify(config.HOST)} without authentication; ` +
          'set AUTH_MODE (api-key, oauth) or use a loopback address (127.0.0.1, ::1, localhost) behind a proxy',
      ]);
    }
    if (!config.PUBLIC_URL) {
      throw new ConfigError([
        `PUBLIC_URL: required when listening on ${JSON.stringify(config.HOST)} with authentication: ` +
          'it is the URL clients reach, named in the resource metadata and, by default, the audience tokens must carry',
      ]);
    }
  }
  return config;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(help());
    return;
  }
  let config: HttpServerConfig;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\nRun with --help to see every setting.\n`);
    process.exitCode = 2;
    return;
  }
  const log = createPinoLogger({
    level: config.LOG_LEVEL,
    bindings: { service: NAME },
    redact: { paths: config.LOG_REDACT },
  });
  const logger = log.logger;
  flushOnFatalError(log);
  // Traces are for seeing the server, never a reason to stop it: an SDK that cannot load is logged, and the
  // server serves without traces (as the stdio app does).
  let tracing: Tracing | undefined;
  try {
    tracing = await startTracing({
      endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: config.OTEL_SERVICE_NAME,
      serviceVersion: VERSION,
      scheduleDelayMs: config.OTEL_BSP_SCHEDULE_DELAY,
    });
  } catch (error) {
    logger.error('tracing could not start (OpenTelemetry SDK not loadable); serving without traces', { err: error });
  }
  const metrics = createServerMetrics();
  const tools = await createToolSet({
    env: process.env,
    logger,
    diagnosticTools: config.DIAGNOSTIC_TOOLS,
    runObserver: metrics.runObserver,
    trackPool: (name, stats) => metrics.trackPool(name, stats),
  });
  const state = createServerState(config, logger, tools.sql);
  await state.ready();
  // The pipeline needs the server (tool annotations drive permissions), the server needs the pipeline.
  const chain: { pipeline?: Pipeline; usage?: ModelUsageMeter } = {};
  const server = new McpServer({
    name: NAME,
    version: VERSION,
    title: 'OpenAI Agent MCP',
    instructions: 'Tools of this server are backed by AI agents; long calls report progress.',
    logger,
    observer: combineObservers(
      metrics.observer,
      isLevelEnabled('info', config.LOG_LEVEL) ? createRequestLogObserver(logger) : undefined,
    ),
    pipeline: (request) => (chain.pipeline as Pipeline)(request),
    tasks: state.tasks,
    threads: state.threads,
    modelUsageMeter: {
      check: async (principal) => (chain.usage ? chain.usage.check(principal) : { allowed: true }),
      charge: async (principal, tokens) => chain.usage?.charge(principal, tokens),
    },
  });
  let listening: string | undefined;
  let auth: AuthStack;
  try {
    auth = createAuthStack(config, server, { resource: () => `${config.PUBLIC_URL ?? listening}/mcp` }, logger);
  } catch (error) {
    if (!(error instanceof AuthConfigError)) throw error;
    process.stderr.write(`Invalid configuration:\n  - ${error.message}\n\nRun with --help to see every setting.\n`);
    process.exitCode = 2;
    return;
  }
  chain.pipeline = auth.pipeline;
  chain.usage = auth.modelUsageMeter;
  await auth.ready();
  tools.register(server);

  const publicHost = config.PUBLIC_URL ? new URL(config.PUBLIC_URL).host : undefined;
  const mcp = createStreamableHttpHandler(server, {
    mode: config.MCP_HTTP_MODE,
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxSessions: config.MAX_SESSIONS,
    sessionIdleTimeoutMs: config.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
    bodyTimeoutMs: config.BODY_TIMEOUT_SECONDS * 1000,
    maxStreams: config.MAX_SSE_STREAMS,
    maxStreamsPerPrincipal: config.MAX_SSE_STREAMS_PER_PRINCIPAL,
    allowedHosts: config.ALLOWED_HOSTS?.includes('*')
      ? '*'
      : (config.ALLOWED_HOSTS ?? (publicHost ? [...LOOPBACK_HOSTS, publicHost] : LOOPBACK_HOSTS)),
    allowedOrigins: config.ALLOWED_ORIGINS?.includes('*') ? '*' : config.ALLOWED_ORIGINS,
    ...(state.eventStore ? { eventStore: state.eventStore } : {}),
    ...(state.sessionStore ? { sessionStore: state.sessionStore } : {}),
    ...(state.sessionBus ? { sessionBus: state.sessionBus } : {}),
  });
  const taskStore = server.tasks?.store;
  metrics.setSources({
    sessions: () => mcp.sessionCount,
    streams: () => mcp.streamCount,
    inFlight: () => server.activeRequests,
    ...(taskStore?.countByStatus
      ? { tasks: () => (taskStore.countByStatus as NonNullable<typeof taskStore.countByStatus>).call(taskStore) }
      : {}),
    tasksRunning: () => server.tasks?.runningCount ?? 0,
  });
  const serveMetrics = createMetricsEndpoint(metrics, { token: config.METRICS_TOKEN });
  const metricsOnMain = config.METRICS_PORT === undefined && config.METRICS_PATH !== '';
  const app = createHttpApp(server, mcp, {
    auth,
    limits: httpLimits(config),
    ...(metricsOnMain ? { metrics: { path: config.METRICS_PATH, handle: serveMetrics } } : {}),
  });
  const metricsApp =
    config.METRICS_PORT === undefined
      ? undefined
      : createMetricsListener(config.METRICS_PATH || '/metrics', serveMetrics);
  metricsApp?.listen(config.METRICS_PORT, config.HOST, () => {
    const { port } = metricsApp.address() as AddressInfo;
    logger.info('metrics listening', { port, path: config.METRICS_PATH || '/metrics' });
  });
  app.on('error', (error) => {
    logger.error('http server error', { err: error });
    process.exitCode = 1;
  });
  app.listen(config.PORT, config.HOST, () => {
    const { address, port } = app.address() as AddressInfo;
    const shown = address.includes(':') ? `[${address}]` : address;
    listening = `http://${shown}:${port}`;
    logger.info('listening', {
      url: `http://${shown}:${port}/mcp`,
      mode: config.MCP_HTTP_MODE,
      ...(state.sessionBus ? { replica: state.sessionBus.replicaId, sharedSessions: 'redis' } : {}),
      tools: server.tools.size,
      auth: config.AUTH_MODE.length > 0 ? config.AUTH_MODE.join(',') : 'none',
      ...(auth.enabled ? { resource: `${config.PUBLIC_URL ?? listening}/mcp` } : {}),
    });
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    void shutdownGracefully(
      {
        server,
        mcp,
        app,
        others: metricsApp ? [metricsApp] : [],
        graceMs: config.SHUTDOWN_GRACE_SECONDS * 1000,
        release: () =>
          Promise.allSettled([server.tasks?.close(0), tools.close(), auth.close(), state.close(), tracing?.shutdown()]),
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
}

/** A listener of its own for the metrics (METRICS_PORT), so they can stay off the public port. */
function createMetricsListener(path: string, handle: (req: IncomingMessage, res: ServerResponse) => void): Server {
  return createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if ((q === -1 ? url : url.slice(0, q)) === path) return handle(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
  });
}

void main();
