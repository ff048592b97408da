/** What a {@link BatchedDestination} writes its batches to: stderr through an `FdWriter`. */
export interface BatchTarget {
  /** Takes a batch; may write it later (asynchronously), never drops it. */
  write(chunk: string): boolean;
  /** Writes out everything it holds, synchronously. */
  flushSync(): void;
}

/** Options of {@link BatchedDestination}. */
export interface BatchedDestinationOptions {
  readonly target: BatchTarget;
  /** Characters of lines gathered before they are handed on in one write. */
  readonly batchChars: number;
  /** Longest a line waits before it is handed on, on a quiet server. */
  readonly flushIntervalMs: number;
}

/**
 * A pino destination that gathers lines and hands them on a batch at a time. Behind it, an `FdWriter` writes each
 * batch without blocking. Lines are never dropped or sampled; they wait at most `flushIntervalMs` (the timer does not
 * keep the process alive), and `flushSync` writes out everything at shutdown and on a fatal error.
 *
 * Why not sonic-boom's own `minLength`: it measures its growing buffer with `Buffer.byteLength` on every line, which
 * flattens the concatenated string each time; an array and a character count cost almost nothing per line.
 */
export class BatchedDestination {
  private pending: string[] = [];
  private pendingChars = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: BatchedDestinationOptions) {
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  write(line: string): boolean {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= this.options.batchChars) this.flush();
    return true;
  }

  /** Hands the gathered lines to the target in one write. */
  flush(): void {
    if (this.pendingChars === 0) return;
    const batch = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    this.options.target.write(batch);
  }

  /** Writes out every line gathered or waiting in the target, synchronously. */
  flushSync(): void {
    this.flush();
    this.options.target.flushSync();
  }

  /** Stops the timer; lines still gathered are written out first. */
  close(): void {
    clearInterval(this.timer);
    this.flushSync();
  }
}
