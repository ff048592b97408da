import { setMaxListeners } from 'node:events';

/**
 * What a waiter on a run can be woken by: `status` (the run finished, failed, was cancelled or left the replica
 * running it), a message sent to it on one of `messages` (topics), one of its events under `events` (keys).
 */
export interface RunChanges {
  readonly status?: boolean;
  readonly messages?: readonly string[];
  readonly events?: readonly string[];
}

/**
 * A waiter's registration for changes of one run. A wake only says "look again": it can be spurious (a reconnect
 * wakes every watch) and, from another replica, it can be lost, so a waiter looks at the record after every `next`
 * and bounds each `next` by a fallback interval.
 */
export interface RunWatch {
  /**
   * Resolves `true` once a watched change was signalled since the watch opened or the last `next` resolved (at once
   * if one was), `false` after `ms`, when `signal` aborts, or when the watch is closed. A second `next` while one is
   * pending ends the first (`false`).
   */
  next(ms: number, signal?: AbortSignal): Promise<boolean>;
  /** Stops watching; harmless twice. */
  close(): void;
}

/** Where wakes from other processes come from (PostgreSQL `LISTEN`, `signal-listener.ts`), opened on first use. */
export interface SignalFeed {
  close(): Promise<void>;
}

/**
 * How a change is named in a wake, here and in the `pg_notify` payloads `run-signal-ddl.ts` builds (the same
 * prefixes there). `*`: anything of the run (a key too long for a payload).
 */
export const SIGNAL = Object.freeze({
  status: 'status',
  any: '*',
  message: (topic: string) => `m:${topic}`,
  event: (key: string) => `e:${key}`,
});

/** How long a waiter waits for a wake before it looks at the record anyway: a notice can be lost. */
export const SIGNAL_FALLBACK_MS = 3000;

/**
 * Wakes the waiters of runs: one job, so the mailbox, the results and the parked calls wait on wakes instead of
 * polling PostgreSQL every 100 ms. A waiter registers a {@link RunWatch} per run and what it waits for; a wake comes
 * from this process at once when it sends, publishes, finishes or cancels (no database round trip), and from other
 * replicas through the feed, which is opened when the first watch registers (a process that never waits never
 * connects).
 */
export class RunSignals {
  private readonly watches = new Map<string, Set<Watched>>();
  private feed: SignalFeed | undefined;
  /** Aborted by {@link close}; every execution's cancel watch waits on it (no listener-count warning). */
  private readonly closer = new AbortController();

  /** `openFeed`: connects the wakes of other processes (none: this process's only, the in-process runs). */
  constructor(private readonly openFeed?: (signals: RunSignals) => SignalFeed) {
    setMaxListeners(0, this.closer.signal);
  }

  /**
   * `keepsAlive` false: a wait's timer does not keep the process alive (a watch for the life of an execution, which
   * nothing in the process may be waiting for).
   */
  watch(runId: string, changes: RunChanges, { keepsAlive = true }: { keepsAlive?: boolean } = {}): RunWatch {
    const keys = new Set<string>([
      ...(changes.status ? [SIGNAL.status] : []),
      ...(changes.messages ?? []).map(SIGNAL.message),
      ...(changes.events ?? []).map(SIGNAL.event),
    ]);
    const watched = new Watched(keys, keepsAlive, () => this.forget(runId, watched));
    const set = this.watches.get(runId) ?? new Set();
    set.add(watched);
    this.watches.set(runId, set);
    if (!this.feed && this.openFeed && !this.closed) this.feed = this.openFeed(this);
    return watched;
  }

  /** Wakes the watches of `runId` waiting for `what` (a {@link SIGNAL} name; `*` wakes them all). */
  wake(runId: string, what: string): void {
    for (const watched of this.watches.get(runId) ?? []) {
      if (what === SIGNAL.any || watched.keys.has(what)) watched.wake();
    }
  }

  /** Wakes every watch: after the feed (re)connects, since notices sent while it was down are lost. */
  wakeAll(): void {
    for (const set of this.watches.values()) for (const watched of set) watched.wake();
  }

  /** How many watches are open (tests and leaks). */
  get size(): number {
    let n = 0;
    for (const set of this.watches.values()) n += set.size;
    return n;
  }

  /**
   * Looks (`look`) at once, then again after each wake of `changes`, at least every {@link SIGNAL_FALLBACK_MS}, and
   * once at the end of `timeoutMs`: the value `look` found, or `undefined` after the timeout. The watch is opened
   * before the first look, so a change made between a look and the wait is not missed.
   */
  async lookUntil<T>(
    runId: string,
    changes: RunChanges,
    timeoutMs: number,
    look: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    const watch = timeoutMs > 0 ? this.watch(runId, changes) : undefined;
    try {
      for (;;) {
        const found = await look();
        if (found !== undefined) return found;
        const left = deadline - Date.now();
        if (left <= 0 || !watch) return undefined;
        await watch.next(Math.min(SIGNAL_FALLBACK_MS, left));
      }
    } finally {
      watch?.close();
    }
  }

  /** Whether {@link close} was called: a waiter that would look again forever (the cancel watch) stops. */
  get closed(): boolean {
    return this.closer.signal.aborted;
  }

  /**
   * Aborts once {@link close} is called: passed to `next`, it ends the wait of a waiter that then stops (it must check
   * {@link closed}: a `next` given an aborted signal returns at once).
   */
  get closing(): AbortSignal {
    return this.closer.signal;
  }

  /**
   * Closes the feed; open watches still end by their own timeouts, or at once for a wait given {@link closing}.
   * Watches are not closed here: a closed watch's `next` returns at once, and a waiter looping on it would spin.
   */
  async close(): Promise<void> {
    this.closer.abort();
    const feed = this.feed;
    this.feed = undefined;
    await feed?.close();
  }

  private forget(runId: string, watched: Watched): void {
    const set = this.watches.get(runId);
    set?.delete(watched);
    if (set?.size === 0) this.watches.delete(runId);
  }
}

/** One watch: a flag set by wakes, and the pending `next` it resolves. */
class Watched implements RunWatch {
  private woken = false;
  private pending: ((woken: boolean) => void) | undefined;
  private open = true;

  constructor(
    readonly keys: ReadonlySet<string>,
    private readonly keepsAlive: boolean,
    private readonly onClose: () => void,
  ) {}

  wake(): void {
    if (this.pending) this.settle(true);
    else this.woken = true;
  }

  next(ms: number, signal?: AbortSignal): Promise<boolean> {
    this.settle(false);
    if (this.woken) {
      this.woken = false;
      return Promise.resolve(true);
    }
    if (!this.open || signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => this.settle(false), ms);
      if (!this.keepsAlive) timer.unref();
      const onAbort = () => this.settle(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = (woken) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(woken);
      };
    });
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.settle(false);
    this.onClose();
  }

  private settle(woken: boolean): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.(woken);
  }
}
