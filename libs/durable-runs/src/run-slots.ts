import { RunQueueFullError } from './errors';

/** Bounds of {@link RunSlots}. */
export interface SlotLimits {
  /** Runs at once in this process. */
  readonly perReplica: number;
  /** Runs at once of one principal. */
  readonly perPrincipal: number;
  /** Runs waiting for a slot; one more is refused with {@link RunQueueFullError}. */
  readonly maxQueued: number;
}

interface Waiter {
  readonly principal: string;
  readonly queuedAt: number;
  readonly admit: () => void;
}

/** Gives back a slot; a second call does nothing. */
export type ReleaseSlot = () => void;

/**
 * Counting semaphores per replica and per principal, with one FIFO queue: a waiting run starts as soon as both of
 * its counts allow, in arrival order, except that a run whose principal is at its limit lets later runs of other
 * principals pass (one busy principal never holds up the others).
 */
export class RunSlots {
  private running = 0;
  private readonly perPrincipal = new Map<string, number>();
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limits: SlotLimits) {}

  /**
   * Resolves with the slot's release once admitted; rejects with the signal's reason if it aborts first.
   * `bounded: false`: waits even past `maxQueued` (a run admitted once already, resumed here after a crash).
   */
  acquire(principal: string, signal: AbortSignal, onQueued?: () => void, bounded = true): Promise<ReleaseSlot> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.waiting.length === 0 && this.admissible(principal)) return Promise.resolve(this.take(principal));
    if (bounded && this.waiting.length >= this.limits.maxQueued) {
      return Promise.reject(new RunQueueFullError(this.limits.maxQueued, 5));
    }
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const waiter: Waiter = {
        principal,
        queuedAt: performance.now(),
        admit: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.take(principal));
        },
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      // Runs ahead of it may all be held up by their principals' limits.
      this.drain();
      if (this.waiting.includes(waiter)) onQueued?.();
    });
  }

  /** Counts for metrics: runs holding a slot, runs waiting, and how long the oldest has waited (ms). */
  stats(): { running: number; queued: number; oldestWaitMs: number } {
    const oldest = this.waiting[0];
    return {
      running: this.running,
      queued: this.waiting.length,
      oldestWaitMs: oldest ? performance.now() - oldest.queuedAt : 0,
    };
  }

  private admissible(principal: string): boolean {
    return this.running < this.limits.perReplica && (this.perPrincipal.get(principal) ?? 0) < this.limits.perPrincipal;
  }

  private take(principal: string): ReleaseSlot {
    this.running += 1;
    this.perPrincipal.set(principal, (this.perPrincipal.get(principal) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      const left = (this.perPrincipal.get(principal) ?? 1) - 1;
      if (left === 0) this.perPrincipal.delete(principal);
      else this.perPrincipal.set(principal, left);
      this.drain();
    };
  }

  private drain(): void {
    for (let i = 0; i < this.waiting.length && this.running < this.limits.perReplica;) {
      const waiter = this.waiting[i] as Waiter;
      if (!this.admissible(waiter.principal)) {
        i += 1;
        continue;
      }
      this.waiting.splice(i, 1);
      waiter.admit();
    }
  }
}
