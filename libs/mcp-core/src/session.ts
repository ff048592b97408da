import type { ClientCapabilities, Implementation } from '@modelcontextprotocol/sdk/types.js';
import { type LogLevel, type Principal, type Root } from '@agent-mcp/context';
import { CancelledError, McpCoreError, ProtocolError } from './errors';
import { type JSONRPCMessage, type JSONRPCResponseMessage, type RequestId } from './protocol/messages';
import { DEFAULT_NEGOTIATED_PROTOCOL_VERSION } from './protocol/versions';
import { type RequestAbort } from './request-abort';
import { type TransportInfo } from './pipeline';

/** Something that carries messages to the client. */
export interface MessageSink {
  send(message: JSONRPCMessage): void;
}

/**
 * Where the messages that belong to one request go: notifications and server requests made while serving
 * it, then its response. stdio writes both to stdout; Streamable HTTP writes them to that request's POST
 * response, choosing JSON or an SSE stream as late as possible.
 */
export interface RequestChannel extends MessageSink {
  /**
   * Sends the final response. `error` is the typed error behind an error response, so that an HTTP
   * transport can use its status (401, 403, 404, 429, 503) while the response is still unsent.
   */
  respond(message: JSONRPCResponseMessage, error?: McpCoreError): void;
}

/** The client answered a server request with an error. */
export class ClientRequestError extends McpCoreError {
  constructor(
    method: string,
    readonly clientCode: number,
    /** The client's own error message (carried to a run that asked through another request, see legacy-questions). */
    readonly clientMessage: string,
  ) {
    super('CLIENT_REQUEST_FAILED', `Client refused ${method}: ${clientMessage}`, { data: { method, clientCode } });
  }
}

/**
 * A server request that no stream can carry to the client: a task's run asked something after its request was
 * answered, and the client has no standalone stream open (over HTTP, the GET stream).
 */
export class ClientUnreachableError extends McpCoreError {
  constructor(method: string) {
    super(
      'CLIENT_UNREACHABLE',
      `Cannot send ${method} to the client: no stream is open to carry it (a task's run reaches the client on the standalone stream, over HTTP the GET stream)`,
      { data: { method } },
    );
  }
}

/** A server request got no answer in time. */
export class ClientRequestTimeoutError extends McpCoreError {
  constructor(method: string, timeoutMs: number) {
    super('CLIENT_REQUEST_TIMEOUT', `Client did not answer ${method} within ${timeoutMs} ms`);
  }
}

/** Most resource subscriptions of one session. */
export const MAX_SUBSCRIPTIONS = 1000;

interface Pending {
  readonly method: string;
  readonly resolve: (result: Record<string, unknown>) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly onAbort?: () => void;
  readonly signal?: AbortSignal;
}

/**
 * The state of one MCP session: what was negotiated, what is running, what the server is waiting for.
 * Kept small on purpose (maps are created on first use): a server may hold thousands.
 */
/** Which revision family a session speaks (see {@link Session.era}). */
export type ProtocolEra = 'legacy' | 'modern';

export class Session {
  principal: Principal | undefined;
  protocolVersion = DEFAULT_NEGOTIATED_PROTOCOL_VERSION;
  clientCapabilities: ClientCapabilities | undefined;
  clientInfo: Implementation | undefined;
  /** True once the client sent `notifications/initialized`. */
  initialized = false;
  /** Threshold of `notifications/message`; undefined until the client sets one (then everything is sent). */
  logLevel: LogLevel | undefined;
  /**
   * Where a server request's id starts (`srv-`); a transport serving one session from several replicas makes
   * it name this replica, so that the client's answer, arriving at any replica, finds its way back.
   */
  serverRequestPrefix = 'srv-';
  /**
   * Carries messages unrelated to any request to a standalone stream open on another replica (set by a
   * transport that shares sessions); used only while this replica holds no stream of its own.
   */
  relay: MessageSink | undefined;
  lastActiveAt = Date.now();
  closed = false;
  /**
   * The protocol era this session speaks: `legacy` once `initialize` opened it (2025-11-25 and earlier),
   * `modern` for a session that serves one stateless 2026-07-28 request; undefined while nothing decided it
   * (a stdio connection before its first request, where both eras may come).
   */
  era: ProtocolEra | undefined;
  private inFlight: Map<RequestId, RequestAbort> | undefined;
  /** Running requests that are long-lived streams (`subscriptions/listen`): cancellable, but not drained. */
  private longLived: Set<RequestId> | undefined;
  private pending: Map<RequestId, Pending> | undefined;
  private subscriptions: Set<string> | undefined;
  private rootsValue: Promise<readonly Root[]> | undefined;
  private nextRequestId = 0;
  private localStream: MessageSink | undefined;

  constructor(
    /** The `Mcp-Session-Id`, or undefined where the transport has no session ids (stdio, stateless HTTP). */
    readonly id: string | undefined,
    readonly transport: TransportInfo,
    /**
     * The connection a one-request modern session belongs to (stdio): its requests are tracked there too, so
     * the connection's `notifications/cancelled` and its end reach them.
     */
    private readonly parent?: Session,
  ) {}

  /**
   * The stream for messages unrelated to any request (the GET stream over HTTP, stdout on stdio): the one
   * open here, else the {@link relay} to a replica that holds one.
   */
  get standalone(): MessageSink | undefined {
    return this.localStream ?? this.relay;
  }

  set standalone(sink: MessageSink | undefined) {
    this.localStream = sink;
  }

  /** The standalone stream open on this replica, if any (never the relay). */
  get localStandalone(): MessageSink | undefined {
    return this.localStream;
  }

  touch(): void {
    this.lastActiveAt = Date.now();
  }

  /** Whether request `id` is running here. */
  isRunning(id: RequestId): boolean {
    return this.inFlight?.has(id) ?? false;
  }

  /** Whether a server request with this id waits here for the client's answer. */
  isWaitingFor(id: RequestId): boolean {
    return this.pending?.has(id) ?? false;
  }

  /**
   * Number of requests being served, without the long-lived streams ({@link holdOpen}): a drain that waits for
   * this to reach 0 must not wait for a stream that only ends when its client or the shutdown ends it.
   */
  get activeRequests(): number {
    return (this.inFlight?.size ?? 0) - (this.longLived?.size ?? 0);
  }

  /** Long-lived streams running in this session. */
  get heldOpen(): number {
    return this.longLived?.size ?? 0;
  }

  /** The connection's session this one serves a request of (itself, unless it is a one-request modern session). */
  get connection(): Session {
    return this.parent ?? this;
  }

  /** Marks running request `id` as a long-lived stream: still cancellable by id, no longer counted as active. */
  holdOpen(id: RequestId): void {
    if (!this.inFlight?.has(id)) return;
    (this.longLived ??= new Set()).add(id);
    this.parent?.holdOpen(id);
  }

  /** Registers a running request; false if its id is already in use (forbidden by MCP). */
  track(id: RequestId, controller: RequestAbort): boolean {
    const map: Map<RequestId, RequestAbort> = (this.inFlight ??= new Map());
    if (map.has(id)) return false;
    if (this.parent && !this.parent.track(id, controller)) return false;
    map.set(id, controller);
    return true;
  }

  untrack(id: RequestId, controller: RequestAbort): void {
    if (this.inFlight?.get(id) === controller) {
      this.inFlight.delete(id);
      this.longLived?.delete(id);
    }
    this.parent?.untrack(id, controller);
  }

  /** Aborts a running request (a client's `notifications/cancelled`); unknown ids are ignored. */
  cancel(id: RequestId, reason?: string): boolean {
    const controller = this.inFlight?.get(id);
    if (!controller) return false;
    controller.abort(new CancelledError(reason ?? 'Cancelled by the client'));
    return true;
  }

  subscribe(uri: string): void {
    const subscriptions = (this.subscriptions ??= new Set());
    // Bounded like everything a client can grow: the set is kept (and shared between replicas) per session.
    if (!subscriptions.has(uri) && subscriptions.size >= MAX_SUBSCRIPTIONS) {
      throw new ProtocolError(
        'TOO_MANY_SUBSCRIPTIONS',
        `A session may hold at most ${MAX_SUBSCRIPTIONS} resource subscriptions`,
      );
    }
    subscriptions.add(uri);
  }

  /** The resources this session is subscribed to. */
  subscribedUris(): string[] {
    return [...(this.subscriptions ?? [])];
  }

  /** Replaces the subscriptions (a session's record read back from a shared store). */
  setSubscriptions(uris: readonly string[]): void {
    this.subscriptions = uris.length ? new Set(uris.slice(0, MAX_SUBSCRIPTIONS)) : undefined;
  }

  unsubscribe(uri: string): void {
    this.subscriptions?.delete(uri);
  }

  isSubscribed(uri: string): boolean {
    return this.subscriptions?.has(uri) ?? false;
  }

  /** The client's roots, asked once and cached until the client says they changed. */
  roots(
    channel: MessageSink,
    timeoutMs: number,
    parse: (result: unknown) => readonly Root[],
  ): Promise<readonly Root[]> {
    if (!this.clientCapabilities?.roots) return Promise.resolve([]);
    if (!this.rootsValue) {
      const asked = this.request(channel, 'roots/list', undefined, timeoutMs).then(parse);
      this.rootsValue = asked;
      asked.catch(() => {
        if (this.rootsValue === asked) this.rootsValue = undefined;
      });
    }
    return this.rootsValue;
  }

  rootsChanged(): void {
    this.rootsValue = undefined;
  }

  /**
   * Sends a request to the client on `channel` and waits for the answer, which arrives through
   * {@link resolveResponse}. Bounded by `timeoutMs`, and abandoned when `signal` aborts.
   */
  request(
    channel: MessageSink,
    method: string,
    params: Record<string, unknown> | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(new ProtocolError('SESSION_CLOSED', 'Session closed'));
    if (signal?.aborted) return Promise.reject(signal.reason ?? new CancelledError());
    const id = `${this.serverRequestPrefix}${++this.nextRequestId}`;
    const pending: Map<RequestId, Pending> = (this.pending ??= new Map());
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        pending.delete(id);
        if (onAbort) signal?.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        finish();
        this.notifyCancelled(channel, id, 'timeout');
        reject(new ClientRequestTimeoutError(method, timeoutMs));
      }, timeoutMs);
      const onAbort = signal
        ? () => {
            finish();
            this.notifyCancelled(channel, id, 'request cancelled');
            reject(signal.reason ?? new CancelledError());
          }
        : undefined;
      if (onAbort) signal?.addEventListener('abort', onAbort, { once: true });
      pending.set(id, {
        method,
        resolve: (r) => (finish(), resolve(r)),
        reject: (e) => (finish(), reject(e)),
        timer,
        onAbort,
        signal,
      });
      try {
        channel.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
      } catch (error) {
        // Nothing can carry the request (see ClientUnreachableError): say so now rather than at the timeout.
        finish();
        reject(error);
      }
    });
  }

  /** Routes a client's response to the server request waiting for it; false if nothing waits for that id. */
  resolveResponse(message: JSONRPCResponseMessage): boolean {
    if (message.id === undefined || message.id === null) return false;
    const pending = this.pending?.get(message.id);
    if (!pending) return false;
    if ('error' in message)
      pending.reject(new ClientRequestError(pending.method, message.error.code, message.error.message));
    else pending.resolve(message.result as Record<string, unknown>);
    return true;
  }

  /** Ends the session: aborts what runs, fails what waits. */
  close(reason = 'Session closed'): void {
    if (this.closed) return;
    this.closed = true;
    this.abortRunning(reason);
    for (const p of [...(this.pending?.values() ?? [])]) {
      p.reject(new ProtocolError('SESSION_CLOSED', reason));
    }
    this.inFlight?.clear();
    this.longLived?.clear();
    this.localStream = undefined;
    this.relay = undefined;
  }

  /** Aborts the requests running here (the session closes). */
  protected abortRunning(reason: string): void {
    for (const controller of this.inFlight?.values() ?? []) controller.abort(new CancelledError(reason));
  }

  private notifyCancelled(channel: MessageSink, id: RequestId, reason: string): void {
    try {
      channel.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } });
    } catch {
      // The channel may already be closed; the cancellation is best effort.
    }
  }
}

/**
 * The session of one 2026-07-28 request on a connection (stdio): it carries what the request's envelope says, and
 * its request is tracked in the connection's session only, so that the connection's `notifications/cancelled` and
 * its end reach it. One request, so no Map of its own: one was built and dropped per request.
 */
export class RequestSession extends Session {
  private requestId: RequestId | undefined;
  private controller: RequestAbort | undefined;
  private held = false;

  constructor(connection: Session) {
    super(undefined, connection.transport, connection);
  }

  override isRunning(id: RequestId): boolean {
    return this.controller !== undefined && this.requestId === id;
  }

  override get activeRequests(): number {
    return this.controller !== undefined && !this.held ? 1 : 0;
  }

  override get heldOpen(): number {
    return this.held ? 1 : 0;
  }

  override holdOpen(id: RequestId): void {
    if (!this.isRunning(id)) return;
    this.held = true;
    this.connection.holdOpen(id);
  }

  /** Registers its request; false if the id is in use on the connection, or this session already serves one. */
  override track(id: RequestId, controller: RequestAbort): boolean {
    if (this.controller !== undefined || !this.connection.track(id, controller)) return false;
    this.requestId = id;
    this.controller = controller;
    return true;
  }

  override untrack(id: RequestId, controller: RequestAbort): void {
    if (this.controller === controller && this.requestId === id) this.forget();
    this.connection.untrack(id, controller);
  }

  override cancel(id: RequestId, reason?: string): boolean {
    if (!this.isRunning(id)) return false;
    (this.controller as RequestAbort).abort(new CancelledError(reason ?? 'Cancelled by the client'));
    return true;
  }

  override close(reason = 'Session closed'): void {
    super.close(reason);
    this.forget();
  }

  protected override abortRunning(reason: string): void {
    this.controller?.abort(new CancelledError(reason));
  }

  private forget(): void {
    this.requestId = undefined;
    this.controller = undefined;
    this.held = false;
  }
}
