import { type Logger } from '@agent-mcp/context';

/** A failure of the shared store or bus is logged at most this often (an outage would flood the log). */
const SHARED_WARN_INTERVAL_MS = 10_000;

/** Options of {@link SharedStateGuard}. */
export interface SharedStateGuardOptions {
  /** Longest wait for the store or bus. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * How a replica talks to state it shares with others (session store, session bus): every wait bounded, and an
 * outage logged once per interval rather than once per request, while the replica goes on with what it holds.
 */
export class SharedStateGuard {
  private lastWarning = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: SharedStateGuardOptions) {
    this.now = options.now ?? Date.now;
  }

  /** `promise`, or a rejection once {@link SharedStateGuardOptions.timeoutMs} have passed. */
  bounded<T>(promise: Promise<T>): Promise<T> {
    const { timeoutMs } = this.options;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`shared session state did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      promise.then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error: unknown) => (clearTimeout(timer), reject(error)),
      );
    });
  }

  /** Logs `what` went wrong, unless a failure was logged within the interval. */
  failed(what: string, error: unknown): void {
    const now = this.now();
    if (now - this.lastWarning < SHARED_WARN_INTERVAL_MS) return;
    this.lastWarning = now;
    this.options.logger.warn(what, { err: error });
  }

  /** Runs `work` in the background; a failure is {@link failed} with `what`. */
  background(what: string, work: Promise<unknown>): void {
    work.catch((error: unknown) => this.failed(what, error));
  }
}
