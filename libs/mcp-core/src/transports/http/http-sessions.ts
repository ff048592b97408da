import { JsonRpcErrorCode, type McpCoreError } from '../../errors';
import { type JSONRPCResponseMessage } from '../../protocol/messages';
import { type TransportInfo } from '../../pipeline';
import { type McpServer } from '../../server';
import { type RequestChannel, type Session } from '../../session';
import { EVERY_REPLICA, type SessionBus, type SessionBusMessage } from '../../session-bus';
import { applySessionRecord, sessionRecordOf, type SessionStore } from '../../session-store';
import { Refusal } from './http-replies';
import { SessionTable } from './session-table';
import { type SharedStateGuard } from './shared-state';

/** Server requests made by a replica that shares sessions: `srv-<replicaId>-<n>`. */
const SERVER_REQUEST_ID = /^srv-([a-z0-9]{1,32})-\d+$/;

/** Options of {@link HttpSessions}. */
export interface HttpSessionsOptions {
  readonly server: McpServer;
  readonly maxSessions: number;
  readonly idleTimeoutMs: number;
  /** Session records shared by the replicas (Redis behind a load balancer); none: this process only. */
  readonly store?: SessionStore;
  /** Routing of cancellations, answers and stream messages between replicas. */
  readonly bus?: SessionBus;
  readonly shared: SharedStateGuard;
}

/** A message that belongs to another replica, and where it goes. */
export interface Forward {
  readonly to: string;
  readonly message: SessionBusMessage;
}

/** Holds a request's response back until the session's record is shared (see {@link HttpSessions.serve}). */
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
 * The sessions of a stateful Streamable HTTP endpoint: the ones this replica holds (a bounded table with idle
 * expiry), and, with a {@link SessionStore} and a {@link SessionBus}, sessions shared across replicas. A session
 * opened on one replica is served by any other from its record; a cancel or an answer to a server request that
 * reaches the wrong replica is passed on; a session's standalone stream is reachable from every replica.
 */
export class HttpSessions {
  private readonly table: SessionTable;
  private readonly store: SessionStore | undefined;
  private readonly bus: SessionBus | undefined;
  private readonly shared: SharedStateGuard;
  // The record as last read from or written to the store, per session: only changes are written.
  private readonly sharedAs = new WeakMap<Session, string>();
  private readonly refresher: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: HttpSessionsOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.shared = options.shared;
    this.table = new SessionTable({
      maxSessions: options.maxSessions,
      idleTimeoutMs: options.idleTimeoutMs,
      // Local only: a shared session dropped here (idle here, evicted, shutdown) lives on in the store.
      onDrop: (session, reason) => options.server.closeSession(session, reason),
    });
    this.bus?.listen((message) => this.onBusMessage(message));
    if (this.store) {
      this.refresher = setInterval(() => this.refreshBusy(), Math.max(1000, Math.floor(options.idleTimeoutMs / 3)));
      this.refresher.unref();
    }
  }

  /** Live sessions on this replica. */
  get size(): number {
    return this.table.size;
  }

  /** A new session for an `initialize`, reachable from other replicas; 503 when the table is full. */
  open(id: string, remoteAddress: string | undefined): Session {
    if (!this.table.makeRoom())
      throw new Refusal(503, JsonRpcErrorCode.Unavailable, 'Service Unavailable: too many sessions', {
        'retry-after': '5',
      });
    // The session keeps only where it came from; every request brings (and is checked with) its own headers.
    const session = this.options.server.openSession(id, { kind: 'http', remoteAddress });
    this.share(session);
    return session;
  }

  /** Enters a session opened by {@link open} into the table (while its `initialize` runs). */
  add(session: Session): void {
    this.table.add(session);
  }

  /**
   * The session `id` names, brought up to date from the store: held here, or opened here from its record
   * (another replica opened it). Undefined when no replica knows it. Without a store, only the table counts.
   */
  async find(id: string, remoteAddress: string | undefined): Promise<Session | undefined> {
    const local = this.table.get(id);
    if (!this.store) return local;
    let record;
    try {
      record = await this.shared.bounded(this.store.get(id));
    } catch (error) {
      this.shared.failed('session store unreachable: serving the sessions this replica holds only', error);
      const held = this.table.peek(id);
      if (held) return held;
      throw new Refusal(503, JsonRpcErrorCode.Unavailable, 'Service Unavailable: session store unreachable', {
        'retry-after': '1',
      });
    }
    // Looked up again: a request that arrived meanwhile (the client's GET beside its next POST) may have opened
    // it here from the record already, and a session must be one object, or a cancel would miss its requests.
    const held = this.table.peek(id);
    if (!record) {
      // Never shared (the store was down when it opened, or its record is too large): it lives here only.
      if (held && !this.sharedAs.has(held)) return held;
      // Ended through another replica, or expired everywhere.
      if (held) this.table.delete(held, 'ended or expired');
      return undefined;
    }
    let session = held;
    if (!session) {
      if (!this.table.makeRoom())
        throw new Refusal(503, JsonRpcErrorCode.Unavailable, 'Service Unavailable: too many sessions', {
          'retry-after': '5',
        });
      session = this.options.server.openSession(id, { kind: 'http', remoteAddress });
      this.share(session);
      this.table.add(session);
    }
    applySessionRecord(session, record);
    this.sharedAs.set(session, JSON.stringify(sessionRecordOf(session)));
    return session;
  }

  /**
   * Serves one message of `session`. With a store, a request's answer waits until what it changed in the session
   * is shared: the client's next request may reach another replica.
   */
  async serve(session: Session, value: unknown, channel: RequestChannel, info: TransportInfo): Promise<void> {
    if (!this.store) return this.options.server.handle(session, value, channel, info);
    const held = new HeldResponseChannel(channel);
    await this.options.server.handle(session, value, held, info);
    await this.persist(session);
    held.release();
  }

  /** Writes what the request changed in the session (initialized, log level, subscriptions) to the store. */
  async persist(session: Session): Promise<void> {
    if (!this.store || session.closed || !session.clientInfo) return;
    const record = sessionRecordOf(session);
    const text = JSON.stringify(record);
    if (this.sharedAs.get(session) === text) return;
    try {
      await this.shared.bounded(this.store.save(session.id as string, record));
      this.sharedAs.set(session, text);
    } catch (error) {
      this.shared.failed('session store: could not share a session; it is served by this replica only', error);
    }
  }

  /** A cancellation or answer that belongs to a request running on another replica: where it goes. */
  forwardOf(session: Session, value: unknown): Forward | undefined {
    const bus = this.bus;
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
    if (m.method === undefined && typeof m.id === 'string' && ('result' in m || 'error' in m)) {
      if (session.isWaitingFor(m.id)) return undefined;
      const replica = SERVER_REQUEST_ID.exec(m.id)?.[1];
      if (replica && replica !== bus.replicaId)
        return { to: replica, message: { type: 'response', sessionId, message: value as JSONRPCResponseMessage } };
    }
    return undefined;
  }

  /** Sends `forward` on the bus; a failure is logged (the replica goes on with what it holds). */
  async tell(forward: Forward): Promise<void> {
    if (!this.bus) return;
    try {
      await this.shared.bounded(this.bus.publish(forward.to, forward.message));
    } catch (error) {
      this.shared.failed('session bus unreachable: a message for another replica was not sent', error);
    }
  }

  /** Counts an open stream of a session (a busy session never expires). */
  streamOpened(session: Session): void {
    this.table.streamOpened(session);
  }

  streamClosed(session: Session): void {
    this.table.streamClosed(session);
  }

  /** The session's standalone stream is open here: other replicas pass its messages here while it is. */
  claimStream(session: Session): void {
    if (!this.bus) return;
    this.shared.background(
      'session bus: could not claim a stream',
      this.bus.claimStream(session.id as string, this.options.idleTimeoutMs),
    );
  }

  releaseStream(session: Session): void {
    if (!this.bus) return;
    this.shared.background('session bus: could not release a stream', this.bus.releaseStream(session.id as string));
  }

  /** Drops a session from this replica (it lives on in the store, if shared). */
  delete(session: Session, reason: string): void {
    this.table.delete(session, reason);
  }

  /** Ends a session everywhere (the client's DELETE): the record goes, and replicas holding it end it. */
  async end(session: Session): Promise<void> {
    const id = session.id as string;
    this.table.delete(session, 'deleted by the client');
    if (!this.store) return;
    await this.shared
      .bounded(this.store.delete(id))
      .catch((error: unknown) => this.shared.failed('session store: could not delete a session', error));
    await this.tell({ to: EVERY_REPLICA, message: { type: 'ended', sessionId: id } });
  }

  /** Ends every session of this replica (shutdown). */
  close(): void {
    if (this.refresher) clearInterval(this.refresher);
    this.table.clear('server closing');
  }

  /** Makes a session reachable from other replicas: its server requests name this one, its stream may be elsewhere. */
  private share(session: Session): void {
    const bus = this.bus;
    if (!bus) return;
    const sessionId = session.id as string;
    session.serverRequestPrefix = `srv-${bus.replicaId}-`;
    const shared = this.shared;
    session.relay = {
      send(message) {
        const relayed = (async () => {
          const holder = await shared.bounded(bus.streamHolder(sessionId));
          if (holder && holder !== bus.replicaId)
            await shared.bounded(bus.publish(holder, { type: 'stream', sessionId, message }));
        })();
        shared.background('session bus: could not pass a message on to the stream on another replica', relayed);
      },
    };
  }

  private onBusMessage(message: SessionBusMessage): void {
    const session = this.table.peek(message.sessionId);
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
        this.table.delete(session, 'ended by the client');
        return;
    }
  }

  /** A session kept busy here (an open stream, a long call) with no requests must not expire in the store. */
  private refreshBusy(): void {
    const store = this.store as SessionStore;
    for (const session of this.table.busy()) {
      const id = session.id as string;
      this.shared.background('session store: could not extend a busy session', store.touch(id));
      if (this.bus && session.localStandalone)
        this.shared.background(
          'session bus: could not extend a stream claim',
          this.bus.claimStream(id, this.options.idleTimeoutMs),
        );
    }
  }
}
