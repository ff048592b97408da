import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type Logger } from '@agent-mcp/context';
import { createStreamableHttpHandler, LOOPBACK_HOSTS, type StreamableHttpHandler } from '@agent-mcp/mcp-core';
import { type AgentMcpServer } from '@agent-mcp/server-kit';
import { type HttpServerConfig, httpLimits } from './config';
import { createHttpApp } from './http-app';
import { createMetricsEndpoint, type ServerMetrics } from './observability/metrics';
import { type ServerState } from './server-state';

/** The listeners serving one composed server over Streamable HTTP. */
export interface HttpServing {
  readonly mcp: StreamableHttpHandler;
  readonly app: Server;
  /** The metrics' own listener (`METRICS_PORT`), if any. */
  readonly metricsApp: Server | undefined;
}

/**
 * Serves `composed` on `config.HOST:PORT`: the MCP endpoint (sessions, resumable streams, shared state from
 * `state`), health and readiness, the resource metadata, and the metrics (on the main port or their own).
 */
export function serveHttp(
  config: HttpServerConfig,
  composed: AgentMcpServer,
  state: ServerState,
  metrics: ServerMetrics,
  logger: Logger,
  /** Told `http://host:port` once listening (the resource URL's base when PUBLIC_URL is not set). */
  onListening: (origin: string) => void,
): HttpServing {
  const { server, auth } = composed;
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
  // A task finished, a resource updated through another replica reaches the listen streams open here.
  if (state.changeFeed) server.useChangeFeed(state.changeFeed);
  // The 2026-07-28 listen streams are bounded as the GET streams they replace (each kind counted apart).
  server.limitListens({
    maxStreams: config.MAX_SSE_STREAMS,
    maxStreamsPerPrincipal: config.MAX_SSE_STREAMS_PER_PRINCIPAL,
  });
  const taskStore = server.tasks?.store;
  metrics.setSources({
    sessions: () => mcp.sessionCount,
    streams: () => mcp.streamCount,
    listens: () => server.listenCount,
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
    const origin = `http://${shown}:${port}`;
    onListening(origin);
    logger.info('listening', {
      url: `http://${shown}:${port}/mcp`,
      mode: config.MCP_HTTP_MODE,
      ...(state.sessionBus ? { replica: state.sessionBus.replicaId, sharedSessions: 'redis' } : {}),
      tools: server.tools.size,
      auth: config.AUTH_MODE.length > 0 ? config.AUTH_MODE.join(',') : 'none',
      ...(auth.enabled ? { resource: `${config.PUBLIC_URL ?? origin}/mcp` } : {}),
    });
  });
  return { mcp, app, metricsApp };
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
