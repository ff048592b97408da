import { McpLocalError } from '../../errors';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';

/**
 * Bounds on what one client may cost the HTTP server before any MCP code runs: how long it may take to send
 * its headers and its whole request (slowloris), how long an idle keep-alive connection is kept, and how big
 * the header block and the URL may be.
 */
export interface HttpServerLimits {
  /** Time to receive the complete header block; past it Node answers 408 and closes. Default 10 s. */
  readonly headersTimeoutMs: number;
  /**
   * Time to receive the complete request, headers and body; past it Node answers 408 and closes. Must be at
   * least `headersTimeoutMs`. Default 60 s. Does not bound responses: SSE streams stay open.
   */
  readonly requestTimeoutMs: number;
  /** Idle time of a keep-alive connection between requests. Default 65 s (above the 60 s of common load balancers). */
  readonly keepAliveTimeoutMs: number;
  /** Largest header block, request line included; above it Node answers 431. Default 16 KiB. */
  readonly maxHeaderBytes: number;
  /** Longest request target (path and query); above it the server answers 414. Default 4 KiB. */
  readonly maxUrlBytes: number;
}

/** The defaults of {@link HttpServerLimits}. */
export const DEFAULT_HTTP_SERVER_LIMITS: HttpServerLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  maxHeaderBytes: 16 * 1024,
  maxUrlBytes: 4 * 1024,
});

/** Thrown by {@link createLimitedHttpServer} for limits that contradict each other. */
export class HttpServerLimitsError extends McpLocalError {
  constructor(message: string) {
    super('INVALID_HTTP_LIMITS', message);
  }
}

/**
 * A `node:http` server with {@link HttpServerLimits} applied: Node's own slow-client timeouts and header size
 * limit, plus a 414 for request targets longer than `maxUrlBytes`, answered before `listener` sees them.
 */
export function createLimitedHttpServer(limits: Partial<HttpServerLimits>, listener: RequestListener): Server {
  const l = { ...DEFAULT_HTTP_SERVER_LIMITS, ...limits };
  for (const [name, value] of Object.entries(l)) {
    if (!Number.isInteger(value) || value <= 0)
      throw new HttpServerLimitsError(`${name} must be a positive integer, got ${value}`);
  }
  if (l.headersTimeoutMs > l.requestTimeoutMs) {
    throw new HttpServerLimitsError(
      `headersTimeoutMs (${l.headersTimeoutMs}) must not exceed requestTimeoutMs (${l.requestTimeoutMs})`,
    );
  }
  if (l.maxUrlBytes >= l.maxHeaderBytes) {
    // Node counts the request line into the header block: a longer URL would get 431, never 414.
    throw new HttpServerLimitsError(
      `maxUrlBytes (${l.maxUrlBytes}) must be below maxHeaderBytes (${l.maxHeaderBytes})`,
    );
  }
  const server = createServer(
    {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: l.requestTimeoutMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
      maxHeaderSize: l.maxHeaderBytes,
      // Node checks both timeouts on this interval (30 s by default), so a short timeout needs a short tick.
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(l.headersTimeoutMs / 4))),
    },
    (req: IncomingMessage, res: ServerResponse) => {
      if ((req.url ?? '').length > l.maxUrlBytes) {
        const body = JSON.stringify({
          error: 'uri_too_long',
          message: `Request target longer than ${l.maxUrlBytes} bytes`,
        });
        res.writeHead(414, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          connection: 'close',
        });
        res.end(body);
        return;
      }
      listener(req, res);
    },
  );
  return server;
}
