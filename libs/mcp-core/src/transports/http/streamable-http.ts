import { type IncomingMessage, type ServerResponse } from 'node:http';
import { ANONYMOUS_PRINCIPAL, principalKey } from '@agent-mcp/context';
import { JsonRpcErrorCode, McpCoreError, toJsonRpcError } from '../../errors';
import { errorMessage, parseJsonMessage } from '../../protocol/messages';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../../protocol/versions';
import { type TransportInfo } from '../../pipeline';
import { type McpServer } from '../../server';
import { type JSONRPCResponseMessage } from '../../protocol/messages';
import { type MessageSink, type RequestChannel, type Session } from '../../session';
import { EVERY_REPLICA, type SessionBus, type SessionBusMessage } from '../../session-bus';
import { applySessionRecord, sessionRecordOf, type SessionStore } from '../../session-store';
import { type EventId, type EventStore, formatEventId, parseEventId } from './event-store';
import { PostResponseChannel, SseWriter } from './response-channel';
import {
  acceptsJsonAndSse,
  acceptsSse,
  BodyTimeoutError,
  BodyTooLargeError,
  isJsonContentType,
  OriginGuard,
  type OriginPolicy,
  readBody,
} from './request-guards';
import { SessionTable } from './session-table';

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

const SESSION_HEADER = 'mcp-session-id';
/** Streams free up only when clients close them: a fixed, modest hint. */
const STREAM_RETRY_AFTER_SECONDS = 10;
const VERSION_HEADER = 'mcp-protocol-version';
/** Server requests made by a replica that shares sessions: `srv-<replicaId>-<n>`. */
const SERVER_REQUEST_ID = /^srv-([a-z0-9]{1,32})-\d+$/;
/** A failure of the shared store or bus is logged at most this often (an outage would flood the log). */
const SHARED_WARN_INTERVAL_MS = 10_000;

/** A request refused before it reaches the server, with its HTTP status. */
class Refusal {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly message: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** Holds a request's response back until the session's record is shared (see `persist`). */
class HeldResponseChannel implements RequestChannel {
  private held: [JSONRPCResponseMessage, McpCoreError | undefined] | undefined;
  constructor(private readonly inner: RequestChannel) {}
  send(message: Parameters<RequestChannel['send']>[0]): void {
    this.inner.send(message);
  }
  respond(message: JSONRPCResponseMessage, error?: McpCoreError): void {
    this.held = [message, error];
  }
  release(): void {
    if (this.held) this.inner.respond(...this.held);
    this.held = undefined;
  }
}

/**
 * Streamable HTTP (MCP 2025-11-25) on plain `node:http`: no web Request/Response conversion, no server object
 * per request. Stateful sessions are small records in a bounded table with idle expiry.
 */
export function createStreamableHttpHandler(
  server: McpServer,
  options: StreamableHttpOptions = {},
): StreamableHttpHandler {
  const stateless = options.mode === 'stateless';
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 30_000;
  const maxStreams = options.maxStreams ?? 1000;
  const maxStreamsPerPrincipal = options.maxStreamsPerPrincipal ?? 10;
  const streamsOf = new Map<string, number>();
  const newId = options.sessionIdGenerator ?? (() => globalThis.crypto.randomUUID());
  const guard = new OriginGuard(options);
  const eventStore = options.eventStore;
  const resumeAfterMs = options.resumeAfterMs ?? 1000;
  const retryMs = options.retryMs ?? 1000;
  const resumeGraceMs = options.resumeGraceMs ?? 30_000;
  // Requests whose streams can be resumed while they run, by stream id; finished ones replay from the store.
  const liveStreams = new Map<string, { readonly channel: PostResponseChannel; readonly cancel: () => void }>();
  // The standalone stream of a session keeps counting its events across reconnects.
  const standaloneSeq = new WeakMap<Session, number>();
  const streamNonce = globalThis.crypto.randomUUID().slice(0, 8);
  let streamCounter = 0;
  const onStoreError = (error: unknown) =>
    server.logger.warn('event store: could not keep an SSE event', { err: error });
  let streams = 0;
  const writers = new Set<SseWriter>();
  const idleTimeoutMs = options.sessionIdleTimeoutMs ?? 10 * 60_000;
  const table = new SessionTable({
    maxSessions: options.maxSessions ?? 10_000,
    idleTimeoutMs,
    // Local only: a shared session dropped here (idle here, evicted, shutdown) lives on in the store.
    onDrop: (session, reason) => server.closeSession(session, reason),
  });
  const store = stateless ? undefined : options.sessionStore;
  const bus = stateless ? undefined : options.sessionBus;
  const sharedTimeoutMs = options.sharedStateTimeoutMs ?? 2000;
  // The record as last read from or written to the store, per session: only changes are written.
  const sharedAs = new WeakMap<Session, string>();
  let lastSharedWarning = 0;
  const sharedFailed = (what: string, error: unknown) => {
    const now = Date.now();
    if (now - lastSharedWarning < SHARED_WARN_INTERVAL_MS) return;
    lastSharedWarning = now;
    server.logger.warn(what, { err: error });
  };
  const bounded = <T>(promise: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`shared session state did not answer within ${sharedTimeoutMs} ms`)),
        sharedTimeoutMs,
      );
      promise.then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error: unknown) => (clearTimeout(timer), reject(error)),
      );
    });

  /** Makes a session reachable from other replicas: its server requests name this one, its stream may be elsewhere. */
  const share = (session: Session): void => {
    if (!bus) return;
    const sessionId = session.id as string;
    session.serverRequestPrefix = `srv-${bus.replicaId}-`;
    session.relay = {
      send(message) {
        void (async () => {
          const holder = await bounded(bus.streamHolder(sessionId));
          if (holder && holder !== bus.replicaId)
            await bounded(bus.publish(holder, { type: 'stream', sessionId, message }));
        })().catch((error: unknown) =>
          sharedFailed('session bus: could not pass a message on to the stream on another replica', error),
        );
      },
    };
  };

  /**
   * The session `id` names, brought up to date from the store: held here, or opened here from its record
   * (another replica opened it). Undefined when no replica knows it. Without a store, only the table counts.
   */
  async function findSession(id: string, req: IncomingMessage): Promise<Session | undefined> {
    const local = table.get(id);
    if (!store) return local;
    let record;
    try {
      record = await bounded(store.get(id));
    } catch (error) {
      sharedFailed('session store unreachable: serving the sessions this replica holds only', error);
      const held = table.peek(id);
      if (held) return held;
      throw new Refusal(503, JsonRpcErrorCode.Unavailable, 'Service Unavailable: session store unreachable', {
        'retry-after': '1',
      });
    }
    // Looked up again: a request that arrived meanwhile (the client's GET beside its next POST) may have opened
    // it here from the record already, and a session must be one object, or a cancel would miss its requests.
    const held = table.peek(id);
    if (!record) {
      // Never shared (the store was down when it opened, or its record is too large): it lives here only.
      if (held && !sharedAs.has(held)) return held;
      // Ended through another replica, or expired everywhere.
      if (held) table.delete(held, 'ended or expired');
      return undefined;
    }
    let session = held;
    if (!session) {
      if (!table.makeRoom())
        throw new Refusal(503, JsonRpcErrorCode.Unavailable, 'Service Unavailable: too many sessions', {
          'retry-after': '5',
        });
      session = server.openSession(id, { kind: 'http', remoteAddress: req.socket.remoteAddress });
      share(session);
      table.add(session);
    }
    applySessionRecord(session, record);
    sharedAs.set(session, JSON.stringify(sessionRecordOf(session)));
    return session;
  }

  /** Writes what the request changed in the session (initialized, log level, subscriptions) to the store. */
  async function persist(session: Session): Promise<void> {
    if (!store || session.closed || !session.clientInfo) return;
    const record = sessionRecordOf(session);
    const text = JSON.stringify(record);
    if (sharedAs.get(session) === text) return;
    try {
      await bounded(store.save(session.id as string, record));
      sharedAs.set(session, text);
    } catch (error) {
      sharedFailed('session store: could not share a session; it is served by this replica only', error);
    }
  }

  /** Sends `message` on the bus; a failure is logged (the replica goes on with what it holds). */
  async function tell(to: string, message: SessionBusMessage): Promise<void> {
    if (!bus) return;
    try {
      await bounded(bus.publish(to, message));
    } catch (error) {
      sharedFailed('session bus unreachable: a message for another replica was not sent', error);
    }
  }

  /** A cancellation or answer that belongs to a request running on another replica: where it goes. */
  function elsewhere(session: Session, value: unknown): { to: string; message: SessionBusMessage } | undefined {
    if (!bus || !value || typeof value !== 'object') return undefined;
    const sessionId = session.id as string;
    const m = value as {
      method?: unknown;
      id?: unknown;
      params?: { requestId?: unknown; reason?: unknown };
      result?: unknown;
      error?: unknown;
    };
    if (m.method === 'notifications/cancelled') {
      const requestId = m.params?.requestId;
      if ((typeof requestId !== 'string' && typeof requestId !== 'number') || session.isRunning(requestId))
        return undefined;
      const reason = typeof m.params?.reason === 'string' ? m.params.reason.slice(0, 1024) : undefined;
      return {
        to: EVERY_REPLICA,
        message: { type: 'cancel', sessionId, requestId, ...(reason !== undefined ? { reason } : {}) },
      };
    }
    if (
      m.method === undefined &&
      typeof m.id === 'string' &&
      ('result' in m || 'error' in m) &&
      !session.isWaitingFor(m.id)
    ) {
      const replica = SERVER_REQUEST_ID.exec(m.id)?.[1];
      if (replica && replica !== bus.replicaId)
        return { to: replica, message: { type: 'response', sessionId, message: value as JSONRPCResponseMessage } };
    }
    return undefined;
  }

  bus?.listen((message) => {
    const session = table.peek(message.sessionId);
    if (!session) return;
    switch (message.type) {
      case 'cancel':
        session.cancel(message.requestId, message.reason);
        return;
      case 'response':
        session.resolveResponse(message.message as JSONRPCResponseMessage);
        return;
      case 'stream':
        try {
          session.localStandalone?.send(message.message);
        } catch {
          // The stream closed meanwhile; the message is lost as it would be on one replica.
        }
        return;
      case 'ended':
        table.delete(session, 'ended by the client');
        return;
    }
  });

  // A session kept busy here (an open stream, a long call) with no requests must not expire in the store.
  const refresher = store
    ? setInterval(
        () => {
          for (const session of table.busy()) {
            const id = session.id as string;
            store
              .touch(id)
              .catch((error: unknown) => sharedFailed('session store: could not extend a busy session', error));
            if (bus && session.localStandalone)
              bus
                .claimStream(id, idleTimeoutMs)
                .catch((error: unknown) => sharedFailed('session bus: could not extend a stream claim', error));
          }
        },
        Math.max(1000, Math.floor(idleTimeoutMs / 3)),
      )
    : undefined;
  refresher?.unref();

  const transportInfo = (req: IncomingMessage): TransportInfo => ({
    kind: 'http',
    remoteAddress: req.socket.remoteAddress,
    headers: req.headers,
  });

  const corsHeaders = (req: IncomingMessage): Record<string, string> => {
    const origin = req.headers.origin;
    if (!origin || !guard.allowsOrigin(origin)) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': 'mcp-session-id, mcp-protocol-version',
      vary: 'origin',
    };
  };

  async function handlePost(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
    if (!isJsonContentType(req.headers['content-type'])) {
      return fail(
        res,
        415,
        JsonRpcErrorCode.InvalidRequest,
        'Unsupported Media Type: Content-Type must be application/json',
        cors,
      );
    }
    if (!acceptsJsonAndSse(req.headers.accept)) {
      return fail(
        res,
        406,
        JsonRpcErrorCode.InvalidRequest,
        'Not Acceptable: Accept must include application/json and text/event-stream',
        cors,
      );
    }
    const version = header(req, VERSION_HEADER);
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      return fail(
        res,
        400,
        JsonRpcErrorCode.InvalidRequest,
        `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)}`,
        cors,
      );
    }
    let value: unknown;
    try {
      value = parseJsonMessage(await readBody(req, maxBodyBytes, bodyTimeoutMs));
    } catch (error) {
      if (error instanceof BodyTimeoutError) {
        res.setHeader('connection', 'close');
        return fail(
          res,
          408,
          JsonRpcErrorCode.InvalidRequest,
          `Request Timeout: body not received within ${bodyTimeoutMs} ms`,
          cors,
        );
      }
      if (error instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return fail(
          res,
          413,
          JsonRpcErrorCode.InvalidRequest,
          `Payload Too Large: body exceeds ${maxBodyBytes} bytes`,
          cors,
        );
      }
      if (error instanceof McpCoreError) return failWith(res, 400, null, error, cors);
      throw error;
    }
    if (Array.isArray(value)) {
      return fail(
        res,
        400,
        JsonRpcErrorCode.InvalidRequest,
        'Invalid Request: JSON-RPC batches are not supported',
        cors,
      );
    }
    const message = value as { method?: unknown; id?: unknown } | null;
    const isRequest = !!message && typeof message === 'object' && typeof message.method === 'string' && 'id' in message;
    const isInitialize = isRequest && message.method === 'initialize';

    let session: Session;
    let headers: Record<string, string> = cors;
    if (stateless) {
      session = server.openSession(undefined, transportInfo(req));
      if (version) session.protocolVersion = version;
    } else if (isInitialize) {
      if (header(req, SESSION_HEADER) !== undefined) {
        return fail(
          res,
          400,
          JsonRpcErrorCode.InvalidRequest,
          'Bad Request: initialize must not carry an Mcp-Session-Id',
          cors,
        );
      }
      if (!table.makeRoom()) {
        return fail(res, 503, JsonRpcErrorCode.Unavailable, 'Service Unavailable: too many sessions', {
          ...cors,
          'retry-after': '5',
        });
      }
      // The session keeps only where it came from; every request brings (and is checked with) its own headers.
      session = server.openSession(newId(), { kind: 'http', remoteAddress: req.socket.remoteAddress });
      share(session);
      headers = { ...cors, [SESSION_HEADER]: session.id as string };
    } else {
      const id = header(req, SESSION_HEADER);
      if (id === undefined) {
        return fail(res, 400, JsonRpcErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required', cors);
      }
      const found = await findSession(id, req);
      if (!found) return fail(res, 404, JsonRpcErrorCode.SessionNotFound, 'Session not found', cors);
      session = found;
    }

    // Each POST is authenticated on its own credentials, not on those of the request that opened the session.
    const info = transportInfo(req);
    if (!isRequest) {
      // Notifications and responses are acknowledged with 202 and no body.
      try {
        const forward = elsewhere(session, value);
        await server.handle(session, value, rejectingChannel, info);
        await persist(session);
        if (forward) await tell(forward.to, forward.message);
        res.writeHead(202, cors).end();
      } catch (error) {
        failWith(res, error instanceof McpCoreError ? (error.httpStatus ?? 400) : 400, null, error, cors);
      } finally {
        if (stateless) server.closeSession(session);
      }
      return;
    }

    const streamId =
      eventStore && session.id !== undefined ? `${session.id}~${streamNonce}.${++streamCounter}` : undefined;
    const channel = new PostResponseChannel(
      res,
      headers,
      keepAliveMs,
      eventStore && streamId
        ? { store: eventStore, streamId, primeAfterMs: resumeAfterMs, retryMs, onStoreError }
        : undefined,
    );
    const id = (message as { id: string | number }).id;
    if (streamId)
      liveStreams.set(streamId, {
        channel,
        cancel: () => session.cancel(id, 'the client closed its stream and did not resume it'),
      });
    // A client that drops the connection before the answer has, in effect, cancelled the request, unless it
    // holds an event id of the stream: then it will resume, and the request goes on.
    const onClose = () => {
      if (channel.finished) return;
      if (channel.resumable)
        abandoned(channel, () => session.cancel(id, 'the client closed its stream and did not resume it'));
      else session.cancel(id, 'client closed the connection');
    };
    res.once('close', onClose);
    let counted = false;
    try {
      if (isInitialize && !stateless) {
        table.add(session);
        counted = true;
        table.streamOpened(session);
      }
      if (store && !stateless) {
        // The answer waits until the record is shared: the client's next request may reach another replica.
        const held = new HeldResponseChannel(channel);
        await server.handle(session, value, held, info);
        await persist(session);
        held.release();
      } else {
        await server.handle(session, value, channel, info);
      }
      // An initialize that failed (bad params, refused by the pipeline) leaves no session behind.
      if (isInitialize && !stateless && !session.clientInfo) table.delete(session, 'initialize failed');
    } finally {
      res.off('close', onClose);
      if (streamId) liveStreams.delete(streamId);
      if (counted) table.streamClosed(session);
      if (stateless) server.closeSession(session);
    }
  }

  /**
   * `GET` with the `Last-Event-ID` of a request's stream: replays the events after it and, while the request
   * still runs here, continues with its live events up to the response.
   */
  async function resumeRequestStream(res: ServerResponse, at: EventId, cors: Record<string, string>): Promise<void> {
    const writer = new SseWriter(res, cors, keepAliveMs);
    const live = liveStreams.get(at.streamId);
    if (live) {
      const { cancel } = live;
      res.once('close', () => {
        if (!live.channel.finished) abandoned(live.channel, cancel, writer);
      });
      return live.channel.attach(writer, at.seq);
    }
    for (const event of await (eventStore as EventStore).after(at.streamId, at.seq))
      writer.send(event.message, formatEventId(at.streamId, event.seq));
    writer.end();
  }

  /**
   * A request's stream dropped: it goes on for a resume, and is cancelled if nobody resumes it within the
   * grace (a client that went away for good would not want it to run on).
   */
  function abandoned(channel: PostResponseChannel, cancel: () => void, writer?: SseWriter): void {
    channel.detach(writer);
    const timer = setTimeout(() => {
      if (!channel.finished && !channel.listening) cancel();
    }, resumeGraceMs);
    timer.unref();
  }

  function standaloneStreamId(session: Session): string {
    return `${session.id}~standalone`;
  }

  /** Makes `writer` the session's standalone stream; with an event store its events get ids and are kept. */
  function openStandalone(res: ServerResponse, session: Session, writer: SseWriter): void {
    let sink: MessageSink = writer;
    if (eventStore) {
      const streamId = standaloneStreamId(session);
      writer.prime(formatEventId(streamId, standaloneSeq.get(session) ?? 0), retryMs);
      sink = {
        send(message) {
          const seq = (standaloneSeq.get(session) ?? 0) + 1;
          standaloneSeq.set(session, seq);
          eventStore.append(streamId, seq, message).catch(onStoreError);
          writer.send(message, formatEventId(streamId, seq));
        },
      };
    }
    session.standalone = sink;
    table.streamOpened(session);
    const sessionId = session.id as string;
    // Other replicas pass this session's messages here while the stream is open.
    bus
      ?.claimStream(sessionId, idleTimeoutMs)
      .catch((error: unknown) => sharedFailed('session bus: could not claim a stream', error));
    res.once('close', () => {
      table.streamClosed(session);
      if (session.localStandalone === sink) {
        session.standalone = undefined;
        bus
          ?.releaseStream(sessionId)
          .catch((error: unknown) => sharedFailed('session bus: could not release a stream', error));
      }
    });
  }

  /**
   * Runs the pipeline for a GET or DELETE on a session, which carries no JSON-RPC message: without it, a
   * session id alone would open the session's stream or end it. False when refused (the answer is sent).
   */
  async function authorized(
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
    method: string,
    cors: Record<string, string>,
  ): Promise<boolean> {
    try {
      await server.authorize(session, method, transportInfo(req));
      return true;
    } catch (error) {
      if (!(error instanceof McpCoreError)) throw error;
      failWith(res, error.httpStatus ?? 403, null, error, cors);
      return false;
    }
  }

  /**
   * Counts a GET stream against the limits of its principal and of the server, until `res` closes; false when
   * refused (429 for the principal's own limit, 503 when the server is full; the answer is sent). Called after
   * authorization, so the principal is the one the session is bound to.
   */
  function admitStream(res: ServerResponse, session: Session, cors: Record<string, string>): boolean {
    const owner = principalKey(session.principal ?? ANONYMOUS_PRINCIPAL);
    const mine = streamsOf.get(owner) ?? 0;
    if (maxStreamsPerPrincipal > 0 && mine >= maxStreamsPerPrincipal) {
      fail(
        res,
        429,
        JsonRpcErrorCode.Unavailable,
        `Too Many Requests: at most ${maxStreamsPerPrincipal} open streams per principal; close one first`,
        {
          ...cors,
          'retry-after': String(STREAM_RETRY_AFTER_SECONDS),
        },
      );
      return false;
    }
    if (maxStreams > 0 && streams >= maxStreams) {
      fail(res, 503, JsonRpcErrorCode.Unavailable, 'Service Unavailable: too many open streams', {
        ...cors,
        'retry-after': String(STREAM_RETRY_AFTER_SECONDS),
      });
      return false;
    }
    streams++;
    streamsOf.set(owner, mine + 1);
    res.once('close', () => {
      streams--;
      const left = (streamsOf.get(owner) ?? 1) - 1;
      if (left > 0) streamsOf.set(owner, left);
      else streamsOf.delete(owner);
    });
    return true;
  }

  async function handleGet(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
    if (stateless) return methodNotAllowed(res, 'POST', cors);
    if (!acceptsSse(req.headers.accept)) {
      return fail(
        res,
        406,
        JsonRpcErrorCode.InvalidRequest,
        'Not Acceptable: Accept must include text/event-stream',
        cors,
      );
    }
    const id = header(req, SESSION_HEADER);
    if (id === undefined)
      return fail(res, 400, JsonRpcErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required', cors);
    const session = await findSession(id, req);
    if (!session) return fail(res, 404, JsonRpcErrorCode.SessionNotFound, 'Session not found', cors);
    if (!(await authorized(req, res, session, '(open_stream)', cors))) return;
    if (session.closed) return fail(res, 404, JsonRpcErrorCode.SessionNotFound, 'Session not found', cors);
    const lastEventId = header(req, 'last-event-id');
    let replayAfter: EventId | undefined;
    if (lastEventId !== undefined) {
      const at = parseEventId(lastEventId);
      if (!eventStore || !at || !at.streamId.startsWith(`${session.id}~`)) {
        return fail(
          res,
          400,
          JsonRpcErrorCode.InvalidRequest,
          'Bad Request: Last-Event-ID does not name a stream of this session',
          cors,
        );
      }
      if (at.streamId !== standaloneStreamId(session)) {
        // A resumed request stream is held like any GET stream: it counts against the same limits.
        if (!admitStream(res, session, cors)) return;
        return resumeRequestStream(res, at, cors);
      }
      replayAfter = at;
    }
    if (session.localStandalone) {
      return fail(
        res,
        409,
        JsonRpcErrorCode.InvalidRequest,
        'Conflict: this session already has an open GET stream',
        cors,
      );
    }
    if (!admitStream(res, session, cors)) return;
    const writer = new SseWriter(res, cors, keepAliveMs);
    writers.add(writer);
    res.once('close', () => writers.delete(writer));
    if (replayAfter && eventStore) {
      // What the client missed when its previous stream dropped, before the new stream goes live.
      const missed = await eventStore.after(replayAfter.streamId, replayAfter.seq);
      for (const event of missed) writer.send(event.message, formatEventId(replayAfter.streamId, event.seq));
      standaloneSeq.set(session, Math.max(standaloneSeq.get(session) ?? 0, replayAfter.seq, missed.at(-1)?.seq ?? 0));
    }
    openStandalone(res, session, writer);
  }

  async function handleDelete(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
    if (stateless) return methodNotAllowed(res, 'POST', cors);
    const id = header(req, SESSION_HEADER);
    if (id === undefined)
      return fail(res, 400, JsonRpcErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required', cors);
    const session = await findSession(id, req);
    if (!session) return fail(res, 404, JsonRpcErrorCode.SessionNotFound, 'Session not found', cors);
    if (!(await authorized(req, res, session, '(end_session)', cors))) return;
    table.delete(session, 'deleted by the client');
    if (store) {
      // Ended everywhere: the record goes, and replicas holding the session end it (and what runs in it).
      await bounded(store.delete(id)).catch((error: unknown) =>
        sharedFailed('session store: could not delete a session', error),
      );
      await tell(EVERY_REPLICA, { type: 'ended', sessionId: id });
    }
    res.writeHead(200, cors).end();
  }

  return {
    handle(req, res) {
      const refused = guard.check(req);
      if (refused) return fail(res, 403, JsonRpcErrorCode.InvalidRequest, `Forbidden: ${refused}`, {});
      const cors = corsHeaders(req);
      const failed = (error: unknown) => {
        if (error instanceof Refusal) {
          if (!res.headersSent) fail(res, error.status, error.code, error.message, { ...cors, ...error.headers });
          return;
        }
        if (error instanceof McpCoreError && error.httpStatus && !res.headersSent)
          return failWith(res, error.httpStatus, null, error, cors);
        server.logger.error('http request failed', { err: error });
        if (!res.headersSent) fail(res, 500, JsonRpcErrorCode.InternalError, 'Internal error', cors);
        else res.destroy();
      };
      switch (req.method) {
        case 'POST':
          handlePost(req, res, cors).catch(failed);
          return;
        case 'GET':
          handleGet(req, res, cors).catch(failed);
          return;
        case 'DELETE':
          handleDelete(req, res, cors).catch(failed);
          return;
        case 'OPTIONS':
          res.writeHead(204, {
            ...cors,
            'access-control-allow-methods': stateless ? 'POST, OPTIONS' : 'GET, POST, DELETE, OPTIONS',
            'access-control-allow-headers':
              'content-type, accept, authorization, mcp-session-id, mcp-protocol-version, last-event-id',
            'access-control-max-age': '600',
          });
          res.end();
          return;
        default:
          return methodNotAllowed(res, stateless ? 'POST, OPTIONS' : 'GET, POST, DELETE, OPTIONS', cors);
      }
    },
    get sessionCount() {
      return table.size;
    },
    get streamCount() {
      return streams;
    },
    endStreams(retryMs) {
      for (const writer of [...writers]) writer.endWithRetry(retryMs);
    },
    close() {
      if (refresher) clearInterval(refresher);
      table.clear('server closing');
    },
  };
}

/** A channel for messages that must not produce a response (notifications, responses). */
const rejectingChannel = {
  send: () => undefined,
  respond: () => undefined,
};

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function fail(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string>,
): void {
  const body = JSON.stringify(errorMessage(null, { code, message }));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function failWith(
  res: ServerResponse,
  status: number,
  id: null,
  error: unknown,
  headers: Record<string, string>,
): void {
  const body = JSON.stringify(errorMessage(id, toJsonRpcError(error)));
  const extra = error instanceof McpCoreError ? error.httpHeaders : undefined;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
    ...extra,
  });
  res.end(body);
}

function methodNotAllowed(res: ServerResponse, allow: string, headers: Record<string, string>): void {
  fail(res, 405, JsonRpcErrorCode.InvalidRequest, 'Method Not Allowed', { ...headers, allow });
}
