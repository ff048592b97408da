// The run queue as metrics read it (issue 17 item 3), on real PostgreSQL with DBOS launched by createDurableRuns:
// the runs waiting on the shared queue, how long the oldest of them has waited (what shows a stalled queue, where
// no run starts), and those this replica runs, read from DBOS's workflow_status at most once
// per interval whatever the number of readers; nothing queued before DBOS ever ran; no sample, and no throw, when
// the database cannot be read.
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { createDurableRuns, type DurableRuns } from './durable-runs';
import { InvalidRunsOptionsError } from './errors';
import { createRunQueueSampler, type RunQueueSample, type RunQueueSampler } from './run-queue-sampler';

let db: ThrowawayDatabase;
let runs: DurableRuns;
const samplers: RunQueueSampler[] = [];
/** The held runs started so far, and how to let them finish. */
let started = 0;
let release: () => void = () => undefined;
let released = new Promise<void>((resolve) => (release = resolve));

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'druns_sampler' });
  runs = createDurableRuns({ databaseUrl: db.url, concurrencyPerReplica: 1, concurrencyPerPrincipal: 1 });
  runs.define('hold', async () => {
    started += 1;
    await released;
    return 'done';
  });
  await runs.start();
});

afterAll(async () => {
  release();
  for (const sampler of samplers) await sampler.close();
  await runs?.close();
  await db?.drop();
});

function sampler(everyMs: number, databaseUrl = db.url): RunQueueSampler {
  const created = createRunQueueSampler({ databaseUrl, executorId: runs.executorId, everyMs });
  samplers.push(created);
  return created;
}

/** Samples until one satisfies `check`, each read a new one (the interval is short). */
async function sampleUntil(
  s: RunQueueSampler,
  check: (sample: RunQueueSample | undefined) => boolean,
): Promise<RunQueueSample | undefined> {
  let seen: RunQueueSample | undefined;
  for (const begun = Date.now(); Date.now() - begun < 20_000; await new Promise((r) => setTimeout(r, 100))) {
    seen = await s.sample();
    if (check(seen)) return seen;
  }
  throw new Error(`no such sample; last: ${JSON.stringify(seen)}`);
}

it('counts the runs waiting on the shared queue and those this replica runs, until they finish', async () => {
  const s = sampler(100);
  const handles = await Promise.all(
    ['p1', 'p2', 'p3'].map((principal) => runs.submit<string>('hold', {}, { principal })),
  );
  // One slot here: one run executes, two wait on the queue. DBOS marks a dequeued run PENDING a moment before its
  // work begins, so the sample may show it running before `started` counts it: both are waited for.
  const busy = await sampleUntil(s, (x) => x?.runningHere === 1 && x.queued === 2 && started === 1);
  expect(busy).toMatchObject({ queued: 2, runningHere: 1 });
  expect(started).toBe(1);
  release();
  await expect(Promise.all(handles.map((h) => h.result()))).resolves.toEqual(['done', 'done', 'done']);
  expect(await sampleUntil(s, (x) => x?.queued === 0 && x.runningHere === 0)).toMatchObject({
    queued: 0,
    runningHere: 0,
  });
  released = new Promise<void>((resolve) => (release = resolve));
});

it('reports how long the oldest run waiting on the shared queue has waited while no slot takes it', async () => {
  const s = sampler(100);
  const startedBefore = started;
  const holder = await runs.submit<string>('hold', {}, { principal: 'p5' });
  await sampleUntil(s, (x) => x?.runningHere === 1 && started === startedBefore + 1);
  // The only slot is held: the next run stays ENQUEUED, its age growing with nothing to take it.
  const before = Date.now();
  const waiting = await runs.submit<string>('hold', {}, { principal: 'p6' });
  const after = Date.now();
  const seen = await sampleUntil(s, (x) => x?.queued === 1 && x.readAt >= after + 1_000);
  expect(seen?.oldestWaitMs).toBeGreaterThanOrEqual((seen?.readAt ?? 0) - after);
  expect(seen?.oldestWaitMs).toBeLessThanOrEqual((seen?.readAt ?? 0) - before);
  // Created an hour ago, as a run handed over or recovered after running that long: it has waited since it was
  // queued again, not since it was created.
  await db.admin((c) =>
    c.query("UPDATE agent_runs.workflow_status SET created_at = created_at - 3600 * 1000 WHERE status = 'ENQUEUED'"),
  );
  const again = await sampleUntil(s, (x) => x?.queued === 1 && (x.readAt ?? 0) > (seen?.readAt ?? 0));
  expect(again?.oldestWaitMs).toBeLessThanOrEqual((again?.readAt ?? 0) - before);
  release();
  await expect(Promise.all([holder.result(), waiting.result()])).resolves.toEqual(['done', 'done']);
  expect(await sampleUntil(s, (x) => x?.queued === 0)).toMatchObject({ queued: 0, oldestWaitMs: 0 });
  released = new Promise<void>((resolve) => (release = resolve));
});

it('reads the database at most once per interval, however many ask', async () => {
  const s = sampler(3_600_000);
  const first = await s.sample();
  expect(first).toMatchObject({ queued: 0, runningHere: 0, oldestWaitMs: 0 });
  const handle = await runs.submit<string>('hold', {}, { principal: 'p4' });
  // The queue changed, but the interval has not passed: every reader, at once or later, gets the first read.
  const later = await Promise.all([s.sample(), s.sample(), s.sample()]);
  expect(later).toEqual([first, first, first]);
  expect(later[0]?.readAt).toBe(first?.readAt);
  release();
  await expect(handle.result()).resolves.toBe('done');
  released = new Promise<void>((resolve) => (release = resolve));
});

it('finds nothing queued on a database where DBOS never ran', async () => {
  const fresh = await createThrowawayDatabase({ prefix: 'druns_sampler_empty' });
  try {
    const s = sampler(100, fresh.url);
    expect(await s.sample()).toMatchObject({ queued: 0, runningHere: 0, oldestWaitMs: 0 });
    await s.close();
  } finally {
    await fresh.drop();
  }
});

it('gives no sample, and does not throw, when the database cannot be read', async () => {
  const s = sampler(100, db.url.replace(/\/[^/]+$/, '/no_such_database_for_the_sampler'));
  await expect(s.sample()).resolves.toBeUndefined();
});

it('refuses options out of range', () => {
  expect(() => createRunQueueSampler({ databaseUrl: 'not a url', executorId: 'x' })).toThrow(InvalidRunsOptionsError);
  expect(() => createRunQueueSampler({ databaseUrl: db.url, executorId: 'x', everyMs: 5 })).toThrow(
    InvalidRunsOptionsError,
  );
});
