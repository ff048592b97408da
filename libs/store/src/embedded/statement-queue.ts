/** What a waiting call is told when it leaves the queue without its turn. */
export interface QueueErrors {
  /** The bounded wait ran out, or the caller already has its share waiting. */
  readonly busy: (reason: 'wait' | 'share') => Error;
  /** The caller's signal aborted while it waited. */
  readonly cancelled: () => Error;
}

/** One request for the engine's session. */
export interface AcquireOptions {
  /**
   * Who asks (a principal key). Callers take turns by key, so one caller's backlog never stands in front of
   * another's next statement. Default: one shared key.
   */
  readonly key?: string;
  /** The application's own statements go before every caller statement. Default false. */
  readonly trusted?: boolean;
  readonly signal?: AbortSignal;
  /** Most time to wait for the session. */
  readonly waitMs: number;
  readonly errors: QueueErrors;
}

/** Options of {@link createStatementQueue}. */
export interface StatementQueueOptions {
  /**
   * Most caller statements one key may have queued or running at once; the next is refused at once as busy.
   * Default 4.
   */
  readonly perKey?: number;
}

/** The engine's single session, handed out one call at a time. */
export interface StatementQueue {
  /** Waits for the session (bounded); resolves to its release, which must be called exactly once. */
  acquire(options: AcquireOptions): Promise<() => void>;
  /** Refuses every waiting call (the engine closes). */
  rejectAll(error: Error): void;
  /** Calls waiting now (not the running one). */
  readonly waiting: number;
}

interface Waiter {
  readonly key: string;
  readonly grant: () => void;
  readonly reject: (error: Error) => void;
}

const SHARED_KEY = '';

/**
 * A single-slot queue with two lanes: the application's trusted statements first, then caller statements in
 * turn by key (round robin over keys, FIFO within one). Every wait is bounded and leaves the queue on its
 * caller's abort, so a call either runs, hears "busy" within its bound, or hears it was cancelled.
 */
export function createStatementQueue(options: StatementQueueOptions = {}): StatementQueue {
  const perKey = options.perKey ?? 4;
  if (!Number.isInteger(perKey) || perKey < 1) throw new RangeError('perKey must be a whole number of at least 1');
  const trusted: Waiter[] = [];
  // Insertion order is the round-robin order: a key served goes to the back.
  const callers = new Map<string, Waiter[]>();
  const held = new Map<string, number>();
  let busy = false;

  const count = (key: string, delta: number) => {
    const n = (held.get(key) ?? 0) + delta;
    if (n > 0) held.set(key, n);
    else held.delete(key);
  };

  function next(): Waiter | undefined {
    const first = trusted.shift();
    if (first) return first;
    for (const [key, waiters] of callers) {
      const waiter = waiters.shift();
      callers.delete(key);
      if (waiters.length > 0) callers.set(key, waiters);
      if (waiter) return waiter;
    }
    return undefined;
  }

  function pump(): void {
    if (busy) return;
    const waiter = next();
    if (!waiter) return;
    busy = true;
    waiter.grant();
  }

  function remove(waiter: Waiter): void {
    const i = trusted.indexOf(waiter);
    if (i >= 0) return void trusted.splice(i, 1);
    const list = callers.get(waiter.key);
    const j = list?.indexOf(waiter) ?? -1;
    if (list && j >= 0) {
      list.splice(j, 1);
      if (list.length === 0) callers.delete(waiter.key);
    }
  }

  return {
    get waiting() {
      let n = trusted.length;
      for (const list of callers.values()) n += list.length;
      return n;
    },
    acquire({ key = SHARED_KEY, trusted: isTrusted = false, signal, waitMs, errors }) {
      if (signal?.aborted) return Promise.reject(errors.cancelled());
      const shareKey = isTrusted ? undefined : key;
      if (shareKey !== undefined && (held.get(shareKey) ?? 0) >= perKey) return Promise.reject(errors.busy('share'));
      if (shareKey !== undefined) count(shareKey, 1);
      return new Promise<() => void>((resolve, reject) => {
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          if (shareKey !== undefined) count(shareKey, -1);
          busy = false;
          pump();
        };
        const settle = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const waiter: Waiter = {
          key,
          grant: () => (settle(), resolve(release)),
          reject: (error) => {
            settle();
            remove(waiter);
            if (shareKey !== undefined) count(shareKey, -1);
            reject(error);
          },
        };
        const timer = setTimeout(() => waiter.reject(errors.busy('wait')), waitMs);
        const onAbort = () => waiter.reject(errors.cancelled());
        signal?.addEventListener('abort', onAbort, { once: true });
        if (isTrusted) trusted.push(waiter);
        else {
          const list = callers.get(key);
          if (list) list.push(waiter);
          else callers.set(key, [waiter]);
        }
        pump();
      });
    },
    rejectAll(error) {
      const all = [...trusted, ...[...callers.values()].flat()];
      for (const waiter of all) waiter.reject(error);
    },
  };
}
