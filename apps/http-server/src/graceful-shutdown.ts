import { type Server } from 'node:http';
import { type Logger } from '@agent-mcp/context';
import { type McpServer, type StreamableHttpHandler } from '@agent-mcp/mcp-core';

/** What a graceful shutdown stops, in order. */
export interface ShutdownParts {
  readonly server: McpServer;
  readonly mcp: StreamableHttpHandler;
  /** The main listener. */
  readonly app: Server;
  /** Other listeners (metrics). */
  readonly others?: readonly Server[];
  /** How long running calls may take to finish. */
  readonly graceMs: number;
  /** Releases pools, Redis and workers; awaited, bounded. */
  readonly release: () => Promise<unknown>;
  readonly logger: Logger;
}

// Once calls are done, their responses still have to leave; a client that holds a keep-alive connection open
// must not hold up the exit longer than this.
const FLUSH_MS = 1_000;
// Pools and Redis get this long to close cleanly.
const RELEASE_MS = 5_000;
// Clients told to reconnect after this long land on a replica that is up (the balancer saw /readyz turn 503).
const RECONNECT_AFTER_MS = 1_000;

/**
 * Stops the server without failing a call: readiness turns 503 and new requests get 503 with `Retry-After` at
 * once, standalone SSE streams end with a final `retry` event, running calls get `graceMs` to finish, then
 * sessions end, connections close and pools and Redis are released. Resolves when everything is stopped, with
 * the number of calls the grace cut short.
 */
export async function shutdownGracefully(parts: ShutdownParts, signal: string): Promise<{ abandoned: number }> {
  const { server, mcp, app, logger } = parts;
  const started = Date.now();
  const deadline = started + parts.graceMs;
  logger.info('shutting down', { signal, activeRequests: server.activeRequests, graceMs: parts.graceMs });
  // The listener stays open while calls drain: the balancer's health checks must read /readyz's 503, and a
  // request that still arrives gets a clean 503 with Retry-After instead of a refused connection.
  server.stopAccepting();
  mcp.endStreams(RECONNECT_AFTER_MS);

  while (server.activeRequests > 0 && Date.now() < deadline) await sleep(25);
  const abandoned = server.activeRequests;
  // Calls that finished have written their responses; give the bytes time to leave before closing sockets.
  const connectionsClosed = new Promise<void>((resolve) => app.close(() => resolve()));
  for (const other of parts.others ?? []) other.close();
  await Promise.race([connectionsClosed, sleep(Math.min(FLUSH_MS, Math.max(50, deadline - Date.now())))]);
  mcp.close();
  app.closeAllConnections();
  for (const other of parts.others ?? []) other.closeAllConnections();
  await Promise.race([
    parts.release().catch((error: unknown) => logger.warn('release failed at shutdown', { err: error })),
    sleep(RELEASE_MS),
  ]);
  logger.info('stopped', { signal, abandoned, durationMs: Date.now() - started });
  return { abandoned };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
