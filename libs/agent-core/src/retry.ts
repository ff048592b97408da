/** The run's single retry policy for model requests (the openai client's own retries are disabled). */
export interface RetryOptions {
  /** Attempts per model turn, the first included. Default 3; 1 disables retries. */
  readonly maxAttempts?: number;
  /** Delay before the first retry, doubled for each further one, before jitter. Default 500 ms. */
  readonly baseDelayMs?: number;
  /**
   * Upper bound of a backoff delay. Default 30 000 ms. A server's `retry-after` is honoured as asked, up to
   * 60 s and never past the run's deadline; a longer request ends the run with the upstream error instead.
   */
  readonly maxDelayMs?: number;
}

export interface ResolvedRetry {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The longest `retry-after` worth waiting for; beyond it the error is returned to the caller. */
export const MAX_RETRY_AFTER_MS = 60_000;

export function resolveRetry(options: RetryOptions | undefined): ResolvedRetry {
  return {
    maxAttempts: Math.max(1, Math.floor(options?.maxAttempts ?? 3)),
    baseDelayMs: Math.max(0, options?.baseDelayMs ?? 500),
    maxDelayMs: Math.max(0, options?.maxDelayMs ?? 30_000),
  };
}

/**
 * Delay before retry number `attempt` (1 = first retry): the server's request when it made one, else exponential
 * backoff with "equal jitter" (half fixed, half random) so that many clients rejected at once spread out.
 */
export function retryDelayMs(policy: ResolvedRetry, attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return exp / 2 + Math.random() * (exp / 2);
}

/** Parses `retry-after-ms` (milliseconds) or `retry-after` (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(get: (name: string) => string | null | undefined): number | undefined {
  const ms = get('retry-after-ms');
  if (ms) {
    const value = Number.parseFloat(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const header = get('retry-after');
  if (header) {
    const seconds = Number.parseFloat(header);
    if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  return undefined;
}
