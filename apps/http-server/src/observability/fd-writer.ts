import { writeSync } from 'node:fs';
import type { BatchTarget } from './batched-destination';

/** Options of {@link FdWriter}. */
export interface FdWriterOptions {
  /** The descriptor written to (standard error: 2). */
  readonly fd: number;
  /** Wait before a write refused because the reader is behind (`EAGAIN`) is tried again. */
  readonly retryMs: number;
  /** Longest `flushSync` waits for a reader that is behind before it gives up the lines still held. */
  readonly flushSyncBudgetMs: number;
  /**
   * Whether another writer of the same descriptor still holds output (Node's own `process.stderr`, which
   * warnings go through): its queued bytes go first, so a line of ours never lands inside one of its lines.
   */
  readonly otherWriterBusy?: () => boolean;
  /** Called once per failure that is not a full pipe (a closed stderr): lines can no longer be written. */
  readonly onError?: (error: NodeJS.ErrnoException) => void;
}

/**
 * Writes batches of log lines straight to a descriptor in the calling thread, and keeps, in order, whatever the
 * reader cannot take yet. A batch is one `write(2)`: on a pipe Node has opened non-blocking (reading
 * `process.stderr` does that), a reader that is behind makes it fail with `EAGAIN` instead of blocking the
 * server, and the rest waits here and is tried again after `retryMs`. Nothing is dropped.
 *
 * Why not sonic-boom's asynchronous mode: every write there is a round trip through libuv's thread pool (a
 * worker woken, then the event loop woken by its completion), which cost more than the write itself at the
 * HTTP server's request rate; a non-blocking write costs one system call.
 */
export class FdWriter implements BatchTarget {
  private readonly held: Buffer[] = [];
  private retry: NodeJS.Timeout | undefined;
  private failed = false;

  constructor(private readonly options: FdWriterOptions) {}

  /** Bytes waiting for the reader. */
  get heldBytes(): number {
    return this.held.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  write(chunk: string): boolean {
    if (this.failed) return true;
    this.held.push(Buffer.from(chunk, 'utf8'));
    if (this.held.length === 1) this.drain();
    return true;
  }

  flushSync(): void {
    const deadline = Date.now() + this.options.flushSyncBudgetMs;
    this.cancelRetry();
    while (this.held.length > 0 && !this.failed) {
      if (this.drain(false)) return;
      if (Date.now() >= deadline) return;
      // A reader that is behind: wait for it without spinning (the process is about to exit anyway).
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(this.options.retryMs, 10));
    }
  }

  /** Writes held chunks until all are written (true) or the reader is behind (false, a retry scheduled). */
  private drain(schedule = true): boolean {
    this.cancelRetry();
    for (let chunk = this.held[0]; chunk !== undefined; chunk = this.held[0]) {
      if (this.options.otherWriterBusy?.()) return this.later(schedule);
      let written: number;
      try {
        written = writeSync(this.options.fd, chunk);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return this.later(schedule);
        this.fail(error as NodeJS.ErrnoException);
        return true;
      }
      if (written >= chunk.length) this.held.shift();
      else this.held[0] = chunk.subarray(written);
    }
    return true;
  }

  private later(schedule: boolean): false {
    if (schedule && this.retry === undefined) {
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.drain();
      }, this.options.retryMs);
      // Held lines never keep the process alive: shutdown and a fatal error call flushSync.
      this.retry.unref();
    }
    return false;
  }

  private cancelRetry(): void {
    if (this.retry === undefined) return;
    clearTimeout(this.retry);
    this.retry = undefined;
  }

  private fail(error: NodeJS.ErrnoException): void {
    this.failed = true;
    this.held.length = 0;
    this.options.onError?.(error);
  }
}
