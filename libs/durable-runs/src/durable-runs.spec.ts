// createDurableRuns on real PostgreSQL (a database of its own): runs are DBOS workflows whose model turns and tool
// calls are recorded as named steps; an inline run hands its caller the work's own value and error; the in-process
// limits hold; a run started here waits for a message sent from outside (its mailbox); finished runs are deleted after
// their retention; options are checked.
import { RunCancelledError } from '@agent-mcp/agent-core';
import { createScriptedServer, type ScriptedServer, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { createDurableRuns, type DurableRuns } from './durable-runs';
import { DurableRunsInUseError, InvalidRunsOptionsError, RunNotFoundError } from './errors';
import { defineLookupRun, LOOKUPS_DDL } from './spec-helpers/lookup-run';

let db: ThrowawayDatabase;
let model: ScriptedServer;
let runs: DurableRuns;
let kind: { close(): Promise<void> };
const never = new AbortController().signal;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'druns' });
  await db.admin((c) => c.query(LOOKUPS_DDL));
  model = await createScriptedServer({ apiKey: 'test-key' });
  runs = createDurableRuns({ databaseUrl: db.url, concurrencyPerReplica: 2, retentionHours: 1 });
  kind = defineLookupRun(runs, model.url, db.url);
  // Publishes its question, then waits for the answer (a parked call does this through its journal).
  runs.define('waiter', async (_input: unknown, journal) => {
    await journal.publish('input', { seq: 's1' });
    return journal.waitFor('input.s1', 10_000);
  });
  await runs.start();
});

afterAll(async () => {
  await runs?.close();
  await kind?.close();
  await model?.close();
  await db?.drop();
});

/** The steps a run recorded, in order, by name. */
async function recordedSteps(runId: string): Promise<string[]> {
  const { rows } = await db.admin((c) =>
    c.query<{ step: string }>('SELECT step FROM agent_runs.run_steps WHERE run_id = $1 ORDER BY recorded_at', [runId]),
  );
  return rows.map((r) => r.step);
}

describe('createDurableRuns', () => {
  it('records each model turn and tool call of a queued run as a named step', async () => {
    model.enqueue(toolCallTurn({ name: 'lookup', arguments: { key: 'k1' }, callId: 'c1' }), textTurn('found k1'));
    const handle = await runs.submit<string>('lookup', { question: 'k1?' }, { principal: 'tenant:alice' });
    await expect(handle.result()).resolves.toBe('found k1');
    expect(await recordedSteps(handle.runId)).toEqual(['turn.1.model', 'turn.1.tool.c1', 'turn.2.model']);
    await expect(runs.result(handle.runId, { timeoutMs: 1000 })).resolves.toBe('found k1');
  });

  it("hands an inline run's caller the work's own value, with its steps recorded", async () => {
    let runId = '';
    const value = await runs.run({ principal: 'p', kind: 'inline', signal: never }, async (journal) => {
      runId = journal.runId;
      const first = await journal.step('one', async () => ({ n: 1 }));
      return { first, same: journal.stepKey('one') };
    });
    expect(value).toEqual({ first: { n: 1 }, same: `run:${runId}:step:one` });
    expect(await recordedSteps(runId)).toEqual(['one']);
  });

  it('names the recorded step whose work runs now, for a scoped or nested journal too, and none outside', async () => {
    const seen = await runs.run({ principal: 'p', kind: 'inline', signal: never }, async (journal) => {
      const outside = journal.enclosingStep();
      // Two steps at once (the calls of one turn): each sees its own.
      const [a, b] = await Promise.all(
        ['turn.1.tool.a', 'turn.1.tool.b'].map((name) =>
          journal.step(name, async () => {
            await new Promise((resolve) => setTimeout(resolve, 10));
            return journal.enclosingStep();
          }),
        ),
      );
      const nested = await journal.step('turn.2.tool.c', async () => journal.child('turn.2.tool.c').enclosingStep());
      return { outside, a, b, nested, after: journal.enclosingStep() };
    });
    expect(seen).toEqual({ outside: '', a: 'turn.1.tool.a', b: 'turn.1.tool.b', nested: 'turn.2.tool.c', after: '' });
  });

  it("rethrows an inline run's own error, class and all", async () => {
    const error = new RunCancelledError('stopped by the test');
    await expect(runs.run({ principal: 'p', kind: 'inline', signal: never }, () => Promise.reject(error))).rejects.toBe(
      error,
    );
  });

  it('keeps the first recording of a step: a second execution of the run continues from the same value', async () => {
    const value = await runs.run({ principal: 'p', kind: 'inline', signal: never }, (journal) =>
      journal.step('turn.1.model', async () => {
        // Another execution of the same run (a replica declared dead too early) records this step first.
        await db.admin((c) =>
          c.query("INSERT INTO agent_runs.run_steps (run_id, step, output) VALUES ($1, 'turn.1.model', '\"theirs\"')", [
            journal.runId,
          ]),
        );
        return 'ours';
      }),
    );
    expect(value).toBe('theirs');
  });

  it('stops a run cancelled elsewhere at its next step, recording nothing more', async () => {
    let runId = '';
    const outcome = runs.run({ principal: 'p', kind: 'inline', signal: never }, async (journal) => {
      runId = journal.runId;
      await journal.step('one', async () => 1);
      await db.admin((c) =>
        c.query("UPDATE agent_runs.workflow_status SET status = 'CANCELLED' WHERE workflow_uuid = $1", [runId]),
      );
      return journal.step('two', async () => 2);
    });
    await expect(outcome).rejects.toThrow(RunCancelledError);
    expect(await recordedSteps(runId)).toEqual(['one']);
  });

  it('parks a run started here on its mailbox: the answer sent once, a repeat refused, the wait recorded', async () => {
    const handle = await runs.startHere<unknown>('waiter', {}, { principal: 'p', signal: never });
    await expect(runs.readEvent(handle.runId, 'input', { timeoutMs: 5000 })).resolves.toEqual({ seq: 's1' });
    await expect(runs.send(handle.runId, 'input.s1', { yes: true }, 'answer:s1')).resolves.toBe(true);
    await expect(runs.send(handle.runId, 'input.s1', { yes: false }, 'answer:s1')).resolves.toBe(false);
    await expect(handle.result()).resolves.toEqual({ yes: true });
    expect(await recordedSteps(handle.runId)).toEqual(['wait.input.s1']);
    // A finished run takes no more messages.
    await expect(runs.send(handle.runId, 'input.s2', 1, 'answer:s2')).rejects.toThrow(RunNotFoundError);
  });

  it("bounds a handle's wait for the result: RunWaitTimeoutError once timeoutMs passed, the run going on", async () => {
    for (const start of [
      () => runs.submit<unknown>('waiter', {}, { principal: 'p' }),
      () => runs.startHere<unknown>('waiter', {}, { principal: 'p', signal: never }),
    ]) {
      const handle = await start();
      await expect(runs.readEvent(handle.runId, 'input', { timeoutMs: 5000 })).resolves.toEqual({ seq: 's1' });
      const begun = Date.now();
      await expect(handle.result({ timeoutMs: 300 })).rejects.toMatchObject({
        code: 'run_wait_timeout',
        waitedFor: 'result',
        runId: handle.runId,
      });
      expect(Date.now() - begun).toBeLessThan(3000);
      expect(await runs.status(handle.runId)).toMatchObject({ state: 'running' });
      await runs.send(handle.runId, 'input.s1', { n: 1 });
      await expect(handle.result({ timeoutMs: 5000 })).resolves.toEqual({ n: 1 });
    }
  });

  it('runs at most concurrencyPerReplica inline runs at once here', async () => {
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        runs.run({ principal: `p${i}`, kind: 'inline', signal: never }, async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 50));
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(2);
  });

  it('deletes finished runs and their steps once past their retention, and nothing newer', async () => {
    const old = await runs.run({ principal: 'p', kind: 'inline', signal: never }, async (j) => {
      await j.step('s', async () => 1);
      return j.runId;
    });
    const recent = await runs.run({ principal: 'p', kind: 'inline', signal: never }, async (j) => j.runId);
    await db.admin((c) =>
      c.query(
        'UPDATE agent_runs.workflow_status SET updated_at = updated_at - 2 * 3600 * 1000 WHERE workflow_uuid = $1',
        [old],
      ),
    );
    expect(await runs.deleteExpired()).toBeGreaterThanOrEqual(1);
    const { rows } = await db.admin((c) =>
      c.query<{ workflow_uuid: string }>(
        'SELECT workflow_uuid FROM agent_runs.workflow_status WHERE workflow_uuid = ANY($1)',
        [[old, recent]],
      ),
    );
    expect(rows.map((r) => r.workflow_uuid)).toEqual([recent]);
    expect(await recordedSteps(old)).toEqual([]);
  });

  it('refuses a second instance in the process, and options out of range', () => {
    expect(() => createDurableRuns({ databaseUrl: db.url })).toThrow(DurableRunsInUseError);
    expect(() => createDurableRuns({ databaseUrl: 'not a url' })).toThrow(InvalidRunsOptionsError);
    expect(() => createDurableRuns({ databaseUrl: db.url, heartbeatMs: 2000, recoveryAfterMs: 3000 })).toThrow(
      /at least 3 heartbeats/,
    );
  });
});
