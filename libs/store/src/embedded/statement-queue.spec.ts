// The embedded engine's statement queue (issue 16 item 4): the application's statements go first, callers take
// turns by principal, every wait is bounded with a clear busy error, and one principal's backlog is capped.
import { createStatementQueue, type QueueErrors, type StatementQueue } from './statement-queue';

class BusyError extends Error {
  constructor(readonly reason: 'wait' | 'share') {
    super(`busy (${reason})`);
  }
}
class CancelledWait extends Error {}
const errors: QueueErrors = {
  busy: (reason) => new BusyError(reason),
  cancelled: () => new CancelledWait('cancelled'),
};

/** Takes the session for `key`, records when it got it, and gives it back at once. */
function take(queue: StatementQueue, order: string[], label: string, key?: string, trusted = false): Promise<void> {
  return queue.acquire({ key, trusted, waitMs: 5000, errors }).then((release) => {
    order.push(label);
    release();
  });
}

describe('statement queue', () => {
  it('hands the session to one holder at a time, in turn by key, the application first', async () => {
    const queue = createStatementQueue({ perKey: 10 });
    const order: string[] = [];
    const first = await queue.acquire({ key: 'a', waitMs: 5000, errors });
    order.push('a1');
    const waiting = [
      take(queue, order, 'a2', 'a'),
      take(queue, order, 'a3', 'a'),
      take(queue, order, 'b1', 'b'),
      take(queue, order, 'app', undefined, true),
      take(queue, order, 'c1', 'c'),
    ];
    expect(queue.waiting).toBe(5);
    first();
    await Promise.all(waiting);
    // The application's statement first, then one statement of each principal before a's second.
    expect(order).toEqual(['a1', 'app', 'a2', 'b1', 'c1', 'a3']);
    expect(queue.waiting).toBe(0);
  });

  it('refuses a waiting call as busy once its bounded wait is over, and it leaves the queue', async () => {
    const queue = createStatementQueue();
    const release = await queue.acquire({ key: 'a', waitMs: 1000, errors });
    const started = Date.now();
    await expect(queue.acquire({ key: 'b', waitMs: 200, errors })).rejects.toMatchObject({ reason: 'wait' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(queue.waiting).toBe(0);
    release();
    const again = await queue.acquire({ key: 'b', waitMs: 200, errors });
    again();
  });

  it('caps what one principal may have queued or running; others still get in', async () => {
    const queue = createStatementQueue({ perKey: 2 });
    const running = await queue.acquire({ key: 'greedy', waitMs: 5000, errors });
    const queued = queue.acquire({ key: 'greedy', waitMs: 5000, errors });
    await expect(queue.acquire({ key: 'greedy', waitMs: 5000, errors })).rejects.toMatchObject({ reason: 'share' });
    const other = queue.acquire({ key: 'polite', waitMs: 5000, errors });
    running();
    (await queued)();
    (await other)();
    // The share frees as statements finish.
    (await queue.acquire({ key: 'greedy', waitMs: 5000, errors }))();
  });

  it('lets a waiting call leave on its abort, and refuses an already aborted one at once', async () => {
    const queue = createStatementQueue();
    const release = await queue.acquire({ waitMs: 1000, errors });
    const controller = new AbortController();
    const waiting = queue.acquire({ waitMs: 5000, signal: controller.signal, errors });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledWait);
    await expect(queue.acquire({ waitMs: 5000, signal: controller.signal, errors })).rejects.toBeInstanceOf(
      CancelledWait,
    );
    expect(queue.waiting).toBe(0);
    release();
    release(); // a second release is ignored
    (await queue.acquire({ waitMs: 100, errors }))();
  });

  it('refuses every waiting call when the engine closes', async () => {
    const queue = createStatementQueue();
    const release = await queue.acquire({ waitMs: 1000, errors });
    const waiting = [
      queue.acquire({ key: 'a', waitMs: 5000, errors }),
      queue.acquire({ trusted: true, waitMs: 5000, errors }),
    ];
    queue.rejectAll(new Error('closed'));
    for (const w of waiting) await expect(w).rejects.toThrow('closed');
    release();
  });
});
