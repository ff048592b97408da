// The runs' observer sees the runs of the shared queue (issue 17 item 3: agent_runs_queue_wait_seconds and the
// AgentRunQueueSlow alert count tasks too), on real PostgreSQL with DBOS launched by createDurableRuns: a run that
// waited behind a busy queue starts with that wait, measured from its enqueue, and its end is told with its outcome;
// a throwing hook breaks no run.
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { createDurableRuns, type DurableRuns } from './durable-runs';
import { type RunsObserver } from './local-runs';

let db: ThrowawayDatabase;
let runs: DurableRuns;
/** What the observer is told, swapped per test. */
let hooks: RunsObserver = {};

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'druns_observer' });
  runs = createDurableRuns({
    databaseUrl: db.url,
    // One run of the queue at a time here: a second one waits for the first.
    concurrencyPerReplica: 1,
    observer: {
      onRunStarted: (info) => hooks.onRunStarted?.(info),
      onRunFinished: (info) => hooks.onRunFinished?.(info),
    },
  });
  runs.define('hold', async (input: { ms: number; fail?: boolean }) => {
    await new Promise((resolve) => setTimeout(resolve, input.ms));
    if (input.fail) throw new Error('failed as asked');
    return 'done';
  });
  await runs.start();
});

afterEach(() => {
  hooks = {};
});

afterAll(async () => {
  await runs?.close();
  await db?.drop();
});

it('tells a queued run that waited behind a busy queue started after that wait, and how it ended', async () => {
  const started = new Map<string, number>();
  const finished = new Map<string, { durationMs: number; outcome: string }>();
  hooks = {
    onRunStarted: ({ kind, waitMs }) => started.set(kind, waitMs),
    onRunFinished: ({ kind, durationMs, outcome }) => finished.set(kind, { durationMs, outcome }),
  };
  const busy = await runs.submit('hold', { ms: 500 }, { principal: 'p1', label: 'busy' });
  const behind = await runs.submit('hold', { ms: 0, fail: true }, { principal: 'p1', label: 'behind' });
  await expect(busy.result()).resolves.toBe('done');
  await expect(behind.result()).rejects.toThrow('failed as asked');
  // One principal: its runs leave the queue in order. Behind the busy run's wait and its 500 ms (less the moment
  // between the two enqueues), plus a queue poll or so.
  expect(started.get('behind')).toBeGreaterThan(400);
  expect(started.get('behind')).toBeLessThan(10_000);
  expect(started.get('busy')).toBeGreaterThanOrEqual(0);
  expect(started.get('busy')).toBeLessThan(started.get('behind') as number);
  expect(finished.get('busy')).toEqual({ durationMs: expect.any(Number), outcome: 'completed' });
  expect(finished.get('busy')?.durationMs).toBeGreaterThanOrEqual(490);
  expect(finished.get('behind')).toMatchObject({ outcome: 'failed' });
}, 30_000);

it('names a queued run by its kind when it has no label, and runs it whatever its hooks throw', async () => {
  const kinds: string[] = [];
  hooks = {
    onRunStarted: ({ kind }) => {
      kinds.push(kind);
      throw new Error('a broken metric');
    },
    onRunFinished: () => {
      throw new Error('a broken metric');
    },
  };
  const handle = await runs.submit('hold', { ms: 0 }, { principal: 'p1' });
  await expect(handle.result()).resolves.toBe('done');
  expect(kinds).toEqual(['hold']);
  expect(runs.stats()).toEqual({ running: 0, queued: 0, oldestWaitMs: 0 });
}, 30_000);
