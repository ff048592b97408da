// The request log's batching: lines keep their order, leave in batches, and none waits forever or is lost.
import { BatchedDestination, type BatchTarget } from './batched-destination';

function recordingTarget(): BatchTarget & { writes: string[]; syncFlushes: number } {
  const target = {
    writes: [] as string[],
    syncFlushes: 0,
    write: (chunk: string) => (target.writes.push(chunk), true),
    flushSync: () => void target.syncFlushes++,
  };
  return target;
}

describe('BatchedDestination', () => {
  it('hands lines on in one write once they make a batch, in order', () => {
    const target = recordingTarget();
    const destination = new BatchedDestination({ target, batchChars: 20, flushIntervalMs: 60_000 });
    destination.write('line 1\n');
    destination.write('line 2\n');
    expect(target.writes).toEqual([]);
    destination.write('line 3\n');
    expect(target.writes).toEqual(['line 1\nline 2\nline 3\n']);
    destination.close();
  });

  it('hands on what waits when the interval passes, and writes nothing when nothing waits', async () => {
    const target = recordingTarget();
    const destination = new BatchedDestination({ target, batchChars: 1 << 20, flushIntervalMs: 20 });
    destination.write('quiet line\n');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(target.writes).toEqual(['quiet line\n']);
    destination.close();
    expect(target.writes).toEqual(['quiet line\n']);
  });

  it('writes everything out synchronously on flushSync', () => {
    const target = recordingTarget();
    const destination = new BatchedDestination({ target, batchChars: 1 << 20, flushIntervalMs: 60_000 });
    destination.write('a\n');
    destination.write('b\n');
    destination.flushSync();
    expect(target.writes).toEqual(['a\nb\n']);
    expect(target.syncFlushes).toBe(1);
    destination.close();
  });
});
