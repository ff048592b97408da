import { type IncomingMessage, type ServerResponse } from 'node:http';
import { JsonRpcErrorCode, McpCoreError } from '../../errors';
import { type McpServer } from '../../server';
import { type SessionBus } from '../../session-bus';
import { type SessionStore } from '../../session-store';
import { corsHeaders, type Endpoint } from './endpoint';
import { type EventStore } from './event-store';
import { fail, failWith, type HeaderBag, methodNotAllowed, Refusal, refuse } from './http-replies';
import { HttpSessions } from './http-sessions';
import { handlePost } from './post-request';
import { OriginGuard, type OriginPolicy } from './request-guards';
import { type SseWriter } from './response-channel';
import { ResumableStreams } from './resumable-streams';
import { handleDelete, handleGet } from './session-requests';
import { SharedStateGuard } from './shared-state';
import { StreamAdmission } from './stream-admission';

/** Options of {@link createStreamableHttpHandler}. */
export interface StreamableHttpOptions extends OriginPolicy {
  /** `stateful` (default) keeps sessions (`Mcp-Session-Id`); `stateless` serves every POST on its own. */
  readonly mode?: 'stateful' | 'stateless';
  /** Largest accepted request body. Default 4 MiB. */
  readonly maxBodyBytes?: number;
  /** Most live sessions. Default 10 000. */
  readonly maxSessions?: number;
  /** Idle time after which a session ends. Default 10 minutes. */
  readonly sessionIdleTimeoutMs?: number;
  /** Time a POST body may take to arrive in full; past it the answer is 408 and the connection closes. Default 30 s; 0: no limit. */
  readonly bodyTimeoutMs?: number;
  /**
   * Most open GET SSE streams (standalone, or resuming a request's stream) in all; one more gets 503 with
   * `Retry-After`. Default 1000; 0: no limit. Streams of POST responses are not counted: they end with their
   * request, and the rate limits bound those.
   */
  readonly maxStreams?: number;
  /**
   * Most open GET SSE streams of one principal (by `principalKey`; without authentication every caller is
   * the one anonymous principal); one more gets 429 with `Retry-After`. Default 10; 0: no limit.
   */
  readonly maxStreamsPerPrincipal?: number;
  /** Interval of SSE keep-alive comments. Default 15 s; 0 turns them off. */
  readonly keepAliveMs?: number;
  /** Session id generator. Default: random UUIDs. */
  readonly sessionIdGenerator?: () => string;
  /**
   * Resumable streams: SSE events carry ids and are kept here, so a client that lost its connection resumes
   * with `GET` + `Last-Event-ID` and receives what it missed; a request whose stream drops keeps running.
   * `InMemoryEventStore` for one replica, `RedisEventStore` for several. Default: none (not resumable).
   */
  readonly eventStore?: EventStore;
  /**
   * With an event store, how long a request may run before its answer switches from JSON to a primed,
   * resumable SSE stream (quick answers stay plain JSON). Default 1000 ms.
   */
  readonly resumeAfterMs?: number;
  /** The reconnection delay suggested to clients of resumable streams (SSE `retry`). Default 1000 ms. */
  readonly retryMs?: number;
  /**
   * How long a request whose stream dropped keeps running with nobody resuming it; then it is cancelled, as
   * a client that went away for good would want. Default 30 s.
   */
  readonly resumeGraceMs?: number;
  /**
   * Shared session records (stateful mode): a request naming a session this replica does not hold is served
   * from the record (`RedisSessionStore` behind a load balancer without sticky sessions); every request reads
   * the record, so what the client changed through another replica (log level, subscriptions) holds here too.
   * Default: none (sessions live in this process only).
   */
  readonly sessionStore?: SessionStore;
  /**
   * Routing between replicas that share sessions (with {@link sessionStore}): a cancellation, or the answer to
   * a server request, that reaches a replica other than the one running the request is passed on to it, and
   * messages unrelated to any request reach the session's standalone stream on whichever replica holds it.
   * Default: none.
   */
  readonly sessionBus?: SessionBus;
  /** Longest wait for the session store or bus; past it the replica serves what it holds itself. Default 2000 ms. */
  readonly sharedStateTimeoutMs?: number;
}

/** A Streamable HTTP endpoint, to mount at `/mcp` of a `node:http` server. */
export interface StreamableHttpHandler {
  /** Serves one HTTP request to the MCP endpoint. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Live sessions. */
  readonly sessionCount: number;
  /** Open standalone (GET) SSE streams. */
  readonly streamCount: number;
  /**
   * Ends every standalone SSE stream with a final event telling the client to reconnect after `retryMs`
   * (graceful shutdown: sessions and running calls stay until {@link close}).
   */
  endStreams(retryMs: number): void;
  /** Ends every session and stream. */
  close(): void;
}

/**
 * Streamable HTTP (MCP 2025-11-25) on plain `node:http`: no web Request/Response conversion, no server object
 * per request. The work is split between collaborators built once here: {@link HttpSessions} (the session
 * table, shared across replicas with a store and a bus), {@link ResumableStreams} (event ids, resume, grace),
 * {@link StreamAdmission} (GET stream limits), and the handlers of POST and of GET/DELETE.
 */
export function createStreamableHttpHandler(
  server: McpServer,
  options: StreamableHttpOptions = {},
): StreamableHttpHandler {
  const ep = buildEndpoint(server, options);
  const allow = ep.stateless ? 'POST, OPTIONS' : 'GET, POST, DELETE, OPTIONS';
  return {
    handle(req, res) {
      const refused = ep.guard.check(req);
      if (refused) return fail(res, 403, JsonRpcErrorCode.InvalidRequest, `Forbidden: ${refused}`, {});
      const cors = corsHeaders(ep.guard, req);
      const failed = (error: unknown) => answerFailure(ep, res, cors, error);
      switch (req.method) {
        case 'POST':
          handlePost(ep, req, res, cors).catch(failed);
          return;
        case 'GET':
          handleGet(ep, req, res, cors).catch(failed);
          return;
        case 'DELETE':
          handleDelete(ep, req, res, cors).catch(failed);
          return;
        case 'OPTIONS':
          return preflight(res, cors, allow);
        default:
          return methodNotAllowed(res, allow, cors);
      }
    },
    get sessionCount() {
      return ep.sessions.size;
    },
    get streamCount() {
      return ep.admission.count;
    },
    endStreams(retryMs) {
      for (const writer of [...ep.writers]) writer.endWithRetry(retryMs);
    },
    close() {
      ep.sessions.close();
    },
  };
}

/** The endpoint's collaborators, from the options with their defaults. */
function buildEndpoint(server: McpServer, options: StreamableHttpOptions): Endpoint {
  const stateless = options.mode === 'stateless';
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const shared = new SharedStateGuard({ timeoutMs: options.sharedStateTimeoutMs ?? 2000, logger: server.logger });
  return {
    server,
    stateless,
    sessions: new HttpSessions({
      server,
      maxSessions: options.maxSessions ?? 10_000,
      idleTimeoutMs: options.sessionIdleTimeoutMs ?? 10 * 60_000,
      store: stateless ? undefined : options.sessionStore,
      bus: stateless ? undefined : options.sessionBus,
      shared,
    }),
    streams: new ResumableStreams({
      eventStore: options.eventStore,
      resumeAfterMs: options.resumeAfterMs ?? 1000,
      retryMs: options.retryMs ?? 1000,
      resumeGraceMs: options.resumeGraceMs ?? 30_000,
      keepAliveMs,
      logger: server.logger,
    }),
    admission: new StreamAdmission({
      maxStreams: options.maxStreams ?? 1000,
      maxStreamsPerPrincipal: options.maxStreamsPerPrincipal ?? 10,
    }),
    guard: new OriginGuard(options),
    writers: new Set<SseWriter>(),
    newSessionId: options.sessionIdGenerator ?? (() => globalThis.crypto.randomUUID()),
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000,
    keepAliveMs,
  };
}

/** A handler failed: a refusal or a typed error is answered as such; anything else is logged and hidden. */
function answerFailure(ep: Endpoint, res: ServerResponse, cors: HeaderBag, error: unknown): void {
  if (error instanceof Refusal) {
    if (!res.headersSent) refuse(res, error, cors);
    return;
  }
  if (error instanceof McpCoreError && error.httpStatus && !res.headersSent)
    return failWith(res, error.httpStatus, error, cors);
  ep.server.logger.error('http request failed', { err: error });
  if (!res.headersSent) fail(res, 500, JsonRpcErrorCode.InternalError, 'Internal error', cors);
  else res.destroy();
}

/** CORS preflight. */
function preflight(res: ServerResponse, cors: HeaderBag, allow: string): void {
  res.writeHead(204, {
    ...cors,
    'access-control-allow-methods': allow,
    'access-control-allow-headers':
      'content-type, accept, authorization, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name, last-event-id',
    'access-control-max-age': '600',
  });
  res.end();
}
