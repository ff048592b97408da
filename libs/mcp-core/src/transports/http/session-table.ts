import { type Session } from '../../session';

/** Options of {@link SessionTable}. */
export interface SessionTableOptions {
  /** Most live sessions. Default 10 000. */
  readonly maxSessions: number;
  /** A session unused for this long, with nothing running and no open stream, is ended. Default 10 min. */
  readonly idleTimeoutMs: number;
  /** Called for every session the table drops (expired or evicted). */
  readonly onDrop: (session: Session, reason: string) => void;
  readonly now?: () => number;
}

/**
 * Live sessions by id, kept in order of last use so that both idle expiry and eviction look only at the
 * oldest entries. Clients that never send DELETE (most do not) cannot grow it without bound.
 */
export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  private readonly streams = new Map<Session, number>();
  private readonly now: () => number;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: SessionTableOptions) {
    this.now = options.now ?? Date.now;
    const every = Math.max(1000, Math.min(options.idleTimeoutMs / 2, 60_000));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Looks a session up and marks it used. */
  get(id: string): Session | undefined {
    const session = this.sessions.get(id);
    if (session) {
      this.sessions.delete(id);
      this.sessions.set(id, session);
      session.touch();
    }
    return session;
  }

  /** Looks a session up without marking it used (messages from other replicas are not the client's activity). */
  peek(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** Sessions with something running or an open stream. */
  *busy(): Iterable<Session> {
    for (const session of this.sessions.values()) if (this.isBusy(session)) yield session;
  }

  /** Whether there is room for one more session, evicting the least recently used idle one if needed. */
  makeRoom(): boolean {
    if (this.sessions.size < this.options.maxSessions) return true;
    for (const session of this.sessions.values()) {
      if (this.isBusy(session)) continue;
      this.drop(session, 'evicted: too many sessions');
      return true;
    }
    return false;
  }

  add(session: Session): void {
    this.sessions.set(session.id as string, session);
  }

  delete(session: Session, reason: string): void {
    if (this.sessions.get(session.id as string) === session) this.drop(session, reason);
  }

  /** Counts an open stream of a session (a busy session never expires). */
  streamOpened(session: Session): void {
    this.streams.set(session, (this.streams.get(session) ?? 0) + 1);
  }

  streamClosed(session: Session): void {
    const n = (this.streams.get(session) ?? 1) - 1;
    if (n <= 0) this.streams.delete(session);
    else this.streams.set(session, n);
  }

  /** Ends idle sessions. Called on a timer; public for tests. */
  sweep(): void {
    const cutoff = this.now() - this.options.idleTimeoutMs;
    for (const session of [...this.sessions.values()]) {
      if (session.lastActiveAt > cutoff) break;
      if (!this.isBusy(session)) this.drop(session, 'expired: idle');
    }
  }

  /** Ends every session (shutdown). */
  clear(reason: string): void {
    for (const session of [...this.sessions.values()]) this.drop(session, reason);
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private isBusy(session: Session): boolean {
    return session.activeRequests > 0 || this.streams.has(session);
  }

  private drop(session: Session, reason: string): void {
    this.sessions.delete(session.id as string);
    this.streams.delete(session);
    this.options.onDrop(session, reason);
  }
}
