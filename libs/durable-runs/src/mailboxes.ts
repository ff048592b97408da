import { RunMailboxFullError, RunNotFoundError } from './errors';
import { SIGNAL, type RunSignals } from './run-signals';

/** Most unread messages one run keeps, and most idempotency keys it remembers. */
export const MAILBOX_LIMITS = Object.freeze({ unread: 64, keys: 1024 });

interface Mailbox {
  readonly messages: Map<string, unknown[]>;
  readonly receivers: Map<string, ((message: unknown) => void)[]>;
  readonly keys: Set<string>;
  readonly events: Map<string, unknown>;
  readonly eventWaiters: Map<string, ((value: unknown) => void)[]>;
  unread: number;
}

/**
 * The in-process mailboxes of running runs, with the semantics of DBOS messages and events, so the code that
 * waits for a client's answer is the same on both implementations:
 * - a message (`send`) waits in its run's topic until the run receives it; a send whose idempotency key the run
 *   has seen delivers nothing;
 * - an event (`publish`) is the run's latest value under a key, readable by anyone while the run lives.
 * A run's mailbox exists from its start to its end. Every send, publish and end wakes the run's watches in
 * `signals` (a waiter on several things of a run: a parked call's request, waiting for its outcome or next question).
 */
export class Mailboxes {
  private readonly boxes = new Map<string, Mailbox>();

  constructor(private readonly signals: RunSignals) {}

  open(runId: string): void {
    this.boxes.set(runId, {
      messages: new Map(),
      receivers: new Map(),
      keys: new Set(),
      events: new Map(),
      eventWaiters: new Map(),
      unread: 0,
    });
  }

  close(runId: string): void {
    this.boxes.delete(runId);
    this.signals.wake(runId, SIGNAL.status);
  }

  has(runId: string): boolean {
    return this.boxes.has(runId);
  }

  /**
   * Delivers `message` to the run's `topic`. @returns `false` when `idempotencyKey` was delivered before.
   * @throws RunNotFoundError, RunMailboxFullError.
   */
  send(runId: string, topic: string, message: unknown, idempotencyKey?: string): boolean {
    const box = this.box(runId);
    if (idempotencyKey !== undefined) {
      if (box.keys.has(idempotencyKey)) return false;
      if (box.keys.size >= MAILBOX_LIMITS.keys) box.keys.delete(box.keys.values().next().value as string);
      box.keys.add(idempotencyKey);
    }
    const receiver = box.receivers.get(topic)?.shift();
    if (receiver) receiver(message);
    else {
      if (box.unread >= MAILBOX_LIMITS.unread) throw new RunMailboxFullError(runId, MAILBOX_LIMITS.unread);
      box.unread += 1;
      box.messages.set(topic, [...(box.messages.get(topic) ?? []), message]);
    }
    this.signals.wake(runId, SIGNAL.message(topic));
    return true;
  }

  /** The run's next message on `topic`, or `undefined` after `timeoutMs`; rejects when `signal` aborts. */
  receive(runId: string, topic: string, timeoutMs: number, signal: AbortSignal): Promise<unknown> {
    const box = this.box(runId);
    const queued = box.messages.get(topic);
    if (queued?.length) {
      box.unread -= 1;
      return Promise.resolve(queued.shift());
    }
    return waitBounded(box.receivers, topic, timeoutMs, signal);
  }

  /** Sets the run's event `key` to `value`, waking whoever waits for it. */
  publish(runId: string, key: string, value: unknown): void {
    const box = this.box(runId);
    box.events.set(key, value);
    for (const wake of box.eventWaiters.get(key)?.splice(0) ?? []) wake(value);
    this.signals.wake(runId, SIGNAL.event(key));
  }

  /** The run's event `key`: at once if set, else when published, else `undefined` after `timeoutMs`. */
  readEvent(runId: string, key: string, timeoutMs: number, signal: AbortSignal): Promise<unknown> {
    const box = this.box(runId);
    if (box.events.has(key)) return Promise.resolve(box.events.get(key));
    return waitBounded(box.eventWaiters, key, timeoutMs, signal);
  }

  private box(runId: string): Mailbox {
    const box = this.boxes.get(runId);
    if (!box) throw new RunNotFoundError(runId);
    return box;
  }
}

/** Registers a one-shot waiter under `key`, removed again on timeout (resolving `undefined`) or abort. */
function waitBounded(
  waiters: Map<string, ((value: unknown) => void)[]>,
  key: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<unknown> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const list = waiters.get(key) ?? [];
    waiters.set(key, list);
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      const at = list.indexOf(wake);
      if (at >= 0) list.splice(at, 1);
    };
    const wake = (value: unknown) => {
      done();
      resolve(value);
    };
    const onAbort = () => {
      done();
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      done();
      resolve(undefined);
    }, timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    list.push(wake);
  });
}
