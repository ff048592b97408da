/**
 * Hands on the latest of a burst of values at most once per `everyMs`: the first at once, the latest of the ones
 * that follow at the end of the interval (the others are dropped), so a reader sees where a chatty source is without
 * a write for every value.
 */
export class LatestThrottle<T> {
  private pending: { value: T } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly everyMs: number,
    private readonly deliver: (value: T) => void,
  ) {}

  offer(value: T): void {
    this.pending = { value };
    if (this.timer) return;
    const wait = this.lastAt + this.everyMs - performance.now();
    if (wait <= 0) return this.flush();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
    this.timer.unref?.();
  }

  /** Drops what is pending: nothing more is delivered unless offered again. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private flush(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.lastAt = performance.now();
    this.deliver(pending.value);
  }
}
