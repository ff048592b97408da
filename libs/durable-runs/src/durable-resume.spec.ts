// A recorded run survives its replica: a child process runs a multi-turn agent run as a DBOS workflow and is
// SIGKILLed while its third model turn is in flight; this process, another replica, notices the dead one by its
// stale heartbeat, takes the run over and finishes it from its last completed step. The scripted model server counts
// what it was asked: each completed turn once, only the turn in flight at the kill twice; each tool call ran once;
// the taking over is told to the runs' observer (the resumed-runs metric). Calls started on the killed replica take
// a slot each on the one that resumes them, within its limit per principal; a resumed call's wait for that slot ends
// when its run is cancelled, and fails the run after resumeSlotWaitMs.
import {
  createScriptedServer,
  hangTurn,
  type ScriptedServer,
  textTurn,
  toolCallTurn,
} from '@agent-mcp/agent-core/testing';
import { type RunLimits } from '@agent-mcp/agent-core';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { createDurableRuns, type DurableRuns } from './durable-runs';
import { defineLookupRun, LOOKUPS_DDL } from './spec-helpers/lookup-run';
import { Replicas } from './spec-helpers/replicas';

let db: ThrowawayDatabase;
let model: ScriptedServer;
let replicas: Replicas;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'druns_resume' });
  await db.admin((c) => c.query(LOOKUPS_DDL));
  model = await createScriptedServer({ apiKey: 'test-key' });
  replicas = await Replicas.bundle(db.url, model.url);
});

afterAll(async () => {
  replicas?.close();
  await model?.close();
  await db?.drop();
});

/** Starts a replica process; resolves once it is up. */
const startReplica = (executorId: string, mode: 'submit' | 'inline' | 'calls', limits?: RunLimits) =>
  replicas.start(executorId, mode, limits);

/** Which turn a model request was for: the run's input grows by a call and its output each turn. */
const turnOf = (body: { input: unknown[] }) => (body.input.length + 1) / 2;

it('finishes on a live replica from its last completed step after its replica is SIGKILLed mid-run', async () => {
  model.enqueue(
    toolCallTurn({ name: 'lookup', arguments: { key: 'k1' }, callId: 'c1' }),
    toolCallTurn({ name: 'lookup', arguments: { key: 'k2' }, callId: 'c2' }),
    hangTurn(), // turn 3, in flight when the replica dies: the only turn asked twice
    toolCallTurn({ name: 'lookup', arguments: { key: 'k3' }, callId: 'c3' }),
    textTurn('k1, k2 and k3 looked up'),
  );
  const first = await startReplica('replica-a', 'submit');
  const runId = first.submitted as string;
  expect(runId).toBeDefined();
  await model.waitForRequest(2, 15_000);
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  let runs: DurableRuns | undefined;
  let kind: { close(): Promise<void> } | undefined;
  let resumed = 0;
  try {
    runs = createDurableRuns({
      databaseUrl: db.url,
      heartbeatMs: 300,
      recoveryAfterMs: 1500,
      // What agent_runs_resumed_total counts: the runs this replica took over.
      observer: { onRunsResumed: ({ count }) => (resumed += count) },
    });
    kind = defineLookupRun(runs, model.url, db.url);
    await runs.start();
    const killedAt = performance.now();
    await expect(runs.result(runId, { timeoutMs: 20_000 })).resolves.toBe('k1, k2 and k3 looked up');
    // Taken over within the recovery delay plus a sweep and a queue poll (and this replica's start).
    expect(performance.now() - killedAt).toBeLessThan(10_000);
    expect(resumed).toBe(1);
  } finally {
    await runs?.close();
    await kind?.close();
  }

  const perTurn = [0, 0, 0, 0];
  for (const request of model.requests) perTurn[turnOf(request.body) - 1] += 1;
  expect(perTurn).toEqual([1, 1, 2, 1]);
  const { rows } = await db.admin((c) =>
    c.query<{ key: string; step_key: string; pid: number }>('SELECT key, step_key, pid FROM lookups ORDER BY at'),
  );
  expect(rows.map((r) => r.key)).toEqual(['k1', 'k2', 'k3']);
  expect(rows.map((r) => r.step_key)).toEqual([
    `run:${runId}:step:turn.1.tool.c1`,
    `run:${runId}:step:turn.2.tool.c2`,
    `run:${runId}:step:turn.3.tool.c3`,
  ]);
  // k1 and k2 ran in the killed replica, k3 here.
  expect(rows[0]?.pid).toBe(first.child.pid);
  expect(rows[2]?.pid).toBe(process.pid);
}, 60_000);

it("ends an inline run whose replica was SIGKILLed as not resumable: its caller's connection died with it", async () => {
  const first = await startReplica('replica-b', 'inline');
  const runId = first.submitted as string;
  expect(runId).toBeDefined();
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  const runs = createDurableRuns({ databaseUrl: db.url, heartbeatMs: 300, recoveryAfterMs: 1500 });
  try {
    await runs.start();
    await expect(runs.result(runId, { timeoutMs: 20_000 })).rejects.toThrow(/cannot be resumed here/);
  } finally {
    await runs.close();
  }
  const { rows } = await db.admin((c) =>
    c.query<{ status: string }>('SELECT status FROM agent_runs.workflow_status WHERE workflow_uuid = $1', [runId]),
  );
  expect(rows).toEqual([{ status: 'ERROR' }]);
}, 60_000);

/**
 * Starts this process as a replica (it takes over the runs of replicas silent for `recoveryAfterMs`); `close()` it.
 */
async function takeOver(recoveryAfterMs = 1500): Promise<{ runs: DurableRuns; close(): Promise<void> }> {
  const runs = createDurableRuns({ databaseUrl: db.url, heartbeatMs: 300, recoveryAfterMs });
  const kind = defineLookupRun(runs, model.url, db.url);
  await runs.start();
  return { runs, close: async () => (await runs.close(), await kind.close()) };
}

it.each([
  {
    budget: 'turn',
    limits: { maxTurns: 3 },
    usage: undefined,
    // Resumed at turn 3, its third: the tool call it asks for needs a fourth turn, which the budget refuses.
    refusal: 'The run exceeded its limit of 3 model turns.',
  },
  {
    budget: 'token',
    limits: { maxTotalTokens: 250 },
    usage: { inputTokens: 60, outputTokens: 40 },
    // Resumed at turn 3: its 100 tokens come on top of the 200 recorded before the crash.
    refusal: 'The run used 300 tokens, over its limit of 250.',
  },
])(
  'counts what was used before the crash against the run’s $budget budget when it resumes',
  async (c) => {
    model.reset();
    const usage = c.usage ? { usage: c.usage } : {};
    model.enqueue(
      toolCallTurn({ name: 'lookup', arguments: { key: 'k1' }, callId: 'c1' }, usage),
      toolCallTurn({ name: 'lookup', arguments: { key: 'k2' }, callId: 'c2' }, usage),
      hangTurn(), // turn 3, in flight at the kill
      toolCallTurn({ name: 'lookup', arguments: { key: 'k3' }, callId: 'c3' }, usage),
      textTurn('never asked: a fourth turn is over the budget', usage),
    );
    const first = await startReplica(`replica-${c.budget}`, 'submit', c.limits);
    const runId = first.submitted as string;
    await model.waitForRequest(2, 15_000);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const here = await takeOver();
    try {
      await expect(here.runs.result(runId, { timeoutMs: 20_000 })).rejects.toThrow(c.refusal);
    } finally {
      await here.close();
    }
    const perTurn = [0, 0, 0, 0];
    for (const request of model.requests) perTurn[turnOf(request.body) - 1] += 1;
    expect(perTurn).toEqual([1, 1, 2, 0]);
  },
  60_000,
);

it.each([
  {
    when: 'past',
    ends: 'ends with the deadline refusal',
    // Taken over once the dead replica is silent 3 s: the run's 2.5 s from its start on that replica are over.
    timeoutMs: 2500,
    outcome: { rejects: 'The run exceeded its deadline of 2500 ms.' },
    // Turn 2, in flight at the kill, is not asked again: the run ends at its recorded deadline first.
    perTurn: [1, 1],
  },
  { when: 'within', ends: 'finishes', timeoutMs: 30_000, outcome: { resolves: 'k1 looked up' }, perTurn: [1, 2] },
])(
  'counts the run’s deadline from its recorded start across a SIGKILL: resumed $when it, the run $ends',
  async (c) => {
    model.reset();
    model.enqueue(
      toolCallTurn({ name: 'lookup', arguments: { key: 'k1' }, callId: 'c1' }),
      hangTurn(), // turn 2, in flight at the kill
      textTurn('k1 looked up'),
    );
    const first = await startReplica(`replica-deadline-${c.when}`, 'submit', { timeoutMs: c.timeoutMs });
    const runId = first.submitted as string;
    await model.waitForRequest(1, 15_000);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const here = await takeOver(3000);
    try {
      const result = here.runs.result(runId, { timeoutMs: 20_000 });
      await ('rejects' in c.outcome
        ? expect(result).rejects.toThrow(c.outcome.rejects)
        : expect(result).resolves.toBe(c.outcome.resolves));
    } finally {
      await here.close();
    }
    const perTurn = [0, 0];
    for (const request of model.requests) perTurn[turnOf(request.body) - 1] += 1;
    expect(perTurn).toEqual(c.perTurn);
  },
  60_000,
);

it('never resumes a run cancelled after its replica died', async () => {
  model.reset();
  model.enqueue(
    toolCallTurn({ name: 'lookup', arguments: { key: 'k1' }, callId: 'c1' }),
    hangTurn(), // turn 2, in flight at the kill
    textTurn('never asked'),
  );
  const first = await startReplica('replica-d', 'submit');
  const runId = first.submitted as string;
  await model.waitForRequest(1, 15_000);
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  const asked = model.requests.length;
  const canceller = createDurableRuns({ databaseUrl: db.url, heartbeatMs: 300, recoveryAfterMs: 60_000 });
  try {
    await canceller.start();
    await canceller.cancel(runId);
  } finally {
    await canceller.close();
  }
  const here = await takeOver();
  try {
    // Past the recovery delay and a sweep: a pending run would have been taken over by now.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await here.runs.status(runId)).toMatchObject({ state: 'cancelled' });
  } finally {
    await here.close();
  }
  expect(model.requests).toHaveLength(asked);
}, 60_000);

it('resumes the calls of a SIGKILLed replica each in a slot here, within the limit per principal', async () => {
  const first = await startReplica('replica-calls', 'calls');
  expect(first.runIds).toHaveLength(2);
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let running = 0;
  let peak = 0;
  const started: string[] = [];
  const finished: string[] = [];
  const runs = createDurableRuns({
    databaseUrl: db.url,
    heartbeatMs: 300,
    recoveryAfterMs: 1500,
    concurrencyPerPrincipal: 1,
    observer: {
      onRunStarted: ({ kind }) => started.push(kind),
      onRunFinished: ({ kind, outcome }) => finished.push(`${kind} ${outcome}`),
    },
  });
  const kind = defineLookupRun(runs, model.url, db.url);
  runs.define('hold', async () => {
    peak = Math.max(peak, ++running);
    await released;
    running -= 1;
    return 'held';
  });
  try {
    await runs.start();
    // Both calls moved here: one runs in this principal's one slot, the other waits for it (DBOS's internal queue,
    // where a resumed call goes, has no limit of its own).
    for (const begun = Date.now(); !(running === 1 && runs.stats().queued === 1);) {
      if (Date.now() - begun > 20_000) throw new Error(`not resumed: ${JSON.stringify(runs.stats())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(runs.stats()).toMatchObject({ running: 1, queued: 1 });
    expect(started).toEqual(['held_call']);
    release();
    const results = first.runIds.map((runId) => runs.result(runId, { timeoutMs: 20_000 }));
    await expect(Promise.all(results)).resolves.toEqual(['held', 'held']);
    expect(peak).toBe(1);
    expect(started).toEqual(['held_call', 'held_call']);
    expect(finished).toEqual(['held_call completed', 'held_call completed']);
    expect(runs.stats()).toEqual({ running: 0, queued: 0, oldestWaitMs: 0 });
  } finally {
    release();
    await runs.close();
    await kind.close();
  }
}, 60_000);

it("ends a resumed call's wait for a slot here when its run is cancelled, and fails it after resumeSlotWaitMs", async () => {
  const resumeSlotWaitMs = 5000;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const holding: string[] = [];
  const runs = createDurableRuns({
    databaseUrl: db.url,
    heartbeatMs: 300,
    recoveryAfterMs: 1500,
    concurrencyPerPrincipal: 1,
    resumeSlotWaitMs,
  });
  const kind = defineLookupRun(runs, model.url, db.url);
  runs.define('hold', async (_input: unknown, journal) => {
    holding.push(journal.runId);
    await released;
    return 'held';
  });
  const killed = async (executorId: string) => {
    const replica = await startReplica(executorId, 'calls');
    replica.child.kill('SIGKILL');
    await new Promise((r) => replica.child.once('exit', r));
    return replica.runIds;
  };
  try {
    const first = await killed('replica-calls-cancel');
    await runs.start();
    for (const begun = Date.now(); !(holding.length === 1 && runs.stats().queued === 1);) {
      if (Date.now() - begun > 20_000) throw new Error(`not resumed: ${JSON.stringify(runs.stats())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The call waiting for the principal's slot: its cancel ends the wait at once, not at the bound.
    const waiting = first.find((id) => !holding.includes(id)) as string;
    const cancelledAt = Date.now();
    await runs.cancel(waiting);
    for (; runs.stats().queued > 0; await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() - cancelledAt > 3000) throw new Error('the cancelled call still waits for a slot');
    }
    expect(await runs.status(waiting)).toMatchObject({ state: 'cancelled' });

    // Two more calls resumed here wait behind the held slot, and fail at the bound.
    const second = await killed('replica-calls-bound');
    const failed = second.map((runId) => runs.result(runId, { timeoutMs: 30_000 }).catch((error: Error) => error));
    for (const outcome of await Promise.all(failed)) {
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toContain(`found no free slot within ${resumeSlotWaitMs} ms`);
    }
    for (const runId of second) expect(await runs.status(runId)).toMatchObject({ state: 'failed' });
    expect(runs.stats()).toMatchObject({ queued: 0 });
    expect(holding).toHaveLength(1);
  } finally {
    release();
    await runs.close();
    await kind.close();
  }
}, 90_000);
