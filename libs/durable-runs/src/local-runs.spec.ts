// createLocalRuns: the queue's limits per replica and per principal (FIFO, a principal at its limit lets others
// pass), bounded waits and size, the mailbox semantics (messages, idempotency keys, events) and the run's journal.
import { Agent, run } from '@agent-mcp/agent-core';
import { createScriptedModel, textTurn } from '@agent-mcp/agent-core/testing';
import { RunMailboxFullError, RunNotFoundError, RunQueueFullError, InvalidRunsOptionsError } from './errors';
import { type AgentRuns, createLocalRuns, type RunContextJournal } from './local-runs';
import { MAILBOX_LIMITS } from './mailboxes';
import { loadRunsOptions } from './settings';

const never = new AbortController().signal;

/** A run that holds its slot until `finish()` is called; `started` resolves once it has its slot. */
function held(runs: AgentRuns, principal: string, signal = never) {
  let finish!: (value: string) => void;
  let journal!: RunContextJournal;
  let onStart!: () => void;
  const started = new Promise<void>((r) => (onStart = r));
  const result = runs.run({ principal, kind: 'test', signal }, (j) => {
    journal = j;
    onStart();
    return new Promise<string>((r) => (finish = r));
  });
  return {
    result,
    started,
    finish: (v = 'done') => finish(v),
    get journal() {
      return journal;
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('createLocalRuns: the queue', () => {
  it('runs at most concurrencyPerReplica at once; the next starts when one finishes', async () => {
    const runs = createLocalRuns({ concurrencyPerReplica: 2, concurrencyPerPrincipal: 5 });
    const [a, b, c] = [held(runs, 'p1'), held(runs, 'p2'), held(runs, 'p3')];
    await Promise.all([a.started, b.started]);
    await tick();
    expect(runs.stats()).toMatchObject({ running: 2, queued: 1 });
    a.finish();
    await c.started;
    expect(runs.stats()).toMatchObject({ running: 2, queued: 0, oldestWaitMs: 0 });
    b.finish();
    c.finish();
    await expect(Promise.all([a.result, b.result, c.result])).resolves.toEqual(['done', 'done', 'done']);
    expect(runs.stats().running).toBe(0);
  });

  it("lets another principal's run pass one whose principal is at its limit", async () => {
    const runs = createLocalRuns({ concurrencyPerReplica: 4, concurrencyPerPrincipal: 1 });
    const first = held(runs, 'alice');
    const second = held(runs, 'alice');
    const bob = held(runs, 'bob');
    await Promise.all([first.started, bob.started]);
    let secondStarted = false;
    void second.started.then(() => (secondStarted = true));
    await tick();
    expect(secondStarted).toBe(false);
    expect(runs.stats()).toMatchObject({ running: 2, queued: 1 });
    first.finish();
    await second.started;
    bob.finish();
    second.finish();
    await Promise.all([first.result, second.result, bob.result]);
  });

  it('tells a run that has to wait that it is queued, and only such a run', async () => {
    const runs = createLocalRuns({ concurrencyPerReplica: 1 });
    const queued: string[] = [];
    const request = (name: string) => ({
      principal: name,
      kind: 'k',
      signal: never,
      onQueued: () => queued.push(name),
    });
    let finish!: () => void;
    const first = runs.run(request('first'), () => new Promise<void>((r) => (finish = r)));
    const second = runs.run(request('second'), async () => undefined);
    await tick();
    finish();
    await Promise.all([first, second]);
    expect(queued).toEqual(['second']);
  });

  it('takes a run whose signal aborts while it waits out of the queue, with the abort reason', async () => {
    const runs = createLocalRuns({ concurrencyPerReplica: 1 });
    const a = held(runs, 'p');
    await a.started;
    const controller = new AbortController();
    const work = jest.fn();
    const waiting = runs.run({ principal: 'q', kind: 'test', signal: controller.signal }, work);
    await tick();
    controller.abort(new Error('client went away'));
    await expect(waiting).rejects.toThrow('client went away');
    expect(runs.stats().queued).toBe(0);
    a.finish();
    await a.result;
    expect(work).not.toHaveBeenCalled();
  });

  it('refuses a run when maxQueued runs already wait, and tells the observer', async () => {
    const refused: string[] = [];
    const runs = createLocalRuns({
      concurrencyPerReplica: 1,
      maxQueued: 1,
      observer: { onRunRefused: ({ kind }) => refused.push(kind) },
    });
    const a = held(runs, 'p');
    const b = held(runs, 'p');
    await a.started;
    const error = await runs.run({ principal: 'p', kind: 'research', signal: never }, async () => 1).catch((e) => e);
    expect(error).toBeInstanceOf(RunQueueFullError);
    expect(error).toMatchObject({ code: 'run_queue_full', maxQueued: 1, retryAfterSeconds: 5 });
    expect(refused).toEqual(['research']);
    a.finish();
    await b.started;
    b.finish();
    await Promise.all([a.result, b.result]);
  });

  it('frees the slot when the work fails, and reports wait and outcome to the observer', async () => {
    const events: unknown[] = [];
    const runs = createLocalRuns({
      concurrencyPerReplica: 1,
      observer: {
        onRunStarted: ({ kind, waitMs }) => events.push(['started', kind, waitMs >= 0]),
        onRunFinished: ({ kind, outcome }) => events.push(['finished', kind, outcome]),
      },
    });
    const boom = runs.run({ principal: 'p', kind: 'k', signal: never }, async () => {
      throw new Error('boom');
    });
    await expect(boom).rejects.toThrow('boom');
    await expect(runs.run({ principal: 'p', kind: 'k', signal: never }, async () => 'ok')).resolves.toBe('ok');
    expect(events).toEqual([
      ['started', 'k', true],
      ['finished', 'k', 'failed'],
      ['started', 'k', true],
      ['finished', 'k', 'completed'],
    ]);
  });

  it('keeps running when an observer throws', async () => {
    const runs = createLocalRuns({
      observer: {
        onRunStarted: () => {
          throw new Error('metrics down');
        },
      },
    });
    await expect(runs.run({ principal: 'p', kind: 'k', signal: never }, async () => 'ok')).resolves.toBe('ok');
  });

  it('refuses options out of range, and reads its settings from the environment', () => {
    expect(() => createLocalRuns({ concurrencyPerReplica: 0 })).toThrow(InvalidRunsOptionsError);
    expect(loadRunsOptions({ RUN_CONCURRENCY_PER_REPLICA: '3', RUN_MAX_QUEUED: '' })).toEqual({
      concurrencyPerReplica: 3,
      concurrencyPerPrincipal: 2,
      maxQueued: 256,
    });
    expect(() => loadRunsOptions({ RUN_CONCURRENCY_PER_PRINCIPAL: 'many' })).toThrow(/RUN_CONCURRENCY_PER_PRINCIPAL/);
  });
});

describe('createLocalRuns: mailboxes', () => {
  it('delivers a message sent before or after the run waits for it, once per idempotency key', async () => {
    const runs = createLocalRuns();
    const r = held(runs, 'p');
    await r.started;
    const { runId } = r.journal;
    expect(runs.send(runId, 'input.1', { answer: 'yes' }, 'k1')).toBe(true);
    expect(runs.send(runId, 'input.1', { answer: 'again' }, 'k1')).toBe(false);
    await expect(r.journal.waitFor('input.1', 1000)).resolves.toEqual({ answer: 'yes' });
    const waiting = r.journal.waitFor('input.2', 1000);
    runs.send(runId, 'input.2', 'later');
    await expect(waiting).resolves.toBe('later');
    await expect(r.journal.waitFor('input.3', 20)).resolves.toBeUndefined();
    r.finish();
    await r.result;
    expect(() => runs.send(runId, 'input.4', 'too late')).toThrow(RunNotFoundError);
  });

  it('bounds the unread messages of a run', async () => {
    const runs = createLocalRuns();
    const r = held(runs, 'p');
    await r.started;
    for (let i = 0; i < MAILBOX_LIMITS.unread; i++) runs.send(r.journal.runId, 't', i);
    expect(() => runs.send(r.journal.runId, 't', 'one more')).toThrow(RunMailboxFullError);
    r.finish();
    await r.result;
  });

  it("publishes the run's events to readers, who wait for one not yet published", async () => {
    const runs = createLocalRuns();
    const r = held(runs, 'p');
    await r.started;
    const reading = runs.readEvent(r.journal.runId, 'input', { timeoutMs: 1000, signal: never });
    r.journal.child('turn.1.tool.a').publish('input', { seq: 1 });
    await expect(reading).resolves.toEqual({ seq: 1 });
    await expect(runs.readEvent(r.journal.runId, 'other', { timeoutMs: 10, signal: never })).resolves.toBeUndefined();
    r.finish();
    await r.result;
  });

  it("ends a run's wait for a message when the run is cancelled", async () => {
    const runs = createLocalRuns();
    const controller = new AbortController();
    const r = held(runs, 'p', controller.signal);
    await r.started;
    const waiting = r.journal.waitFor('input.1', 10_000);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    r.finish();
    await r.result;
  });
});

describe('createLocalRuns: journals', () => {
  it('runs steps directly and keys writes by run and step', async () => {
    const runs = createLocalRuns();
    const seen = await runs.run({ principal: 'p', kind: 'k', signal: never }, async (journal) => {
      let calls = 0;
      await journal.step('s', async () => ++calls);
      await journal.step('s', async () => ++calls);
      return { calls, id: journal.runId, key: journal.stepKey('turn.1.tool.c1'), child: journal.child('x').runId };
    });
    expect(seen.calls).toBe(2);
    expect(seen.key).toBe(`run:${seen.id}:step:turn.1.tool.c1`);
    expect(seen.child).toBe(`${seen.id}/x`);
  });

  it('runs an agent run started inside a run as part of it: no slot of its own, the same mailbox', async () => {
    const runs = createLocalRuns({ concurrencyPerReplica: 1, concurrencyPerPrincipal: 1 });
    const seen = await runs.run({ principal: 'p', kind: 'call', signal: never }, async (outer) =>
      // With one slot, a nested run that waited for its own would wait forever.
      runs.run({ principal: 'p', kind: 'agent', signal: never }, async (inner) => {
        await inner.publish('input', { seq: 'q1' });
        return {
          sameRun: inner.runId === outer.runId,
          key: inner.stepKey('turn.1.tool.c1'),
          event: await runs.readEvent(outer.runId, 'input', { timeoutMs: 10, signal: never }),
        };
      }),
    );
    expect(seen.sameRun).toBe(true);
    expect(seen.key).toMatch(/:step:run\.1\/turn\.1\.tool\.c1$/);
    expect(seen.event).toEqual({ seq: 'q1' });
  });

  it('gives an agent run its journal: the run id is the queue run id', async () => {
    const runs = createLocalRuns();
    const model = createScriptedModel([textTurn('hello')]);
    const result = await runs.run({ principal: 'p', kind: 'k', signal: never }, async (journal) => ({
      journal: journal.runId,
      run: await run(new Agent({ name: 'a', model }), 'hi', { journal }),
    }));
    expect(result.run.finalOutput).toBe('hello');
    expect(result.run.runId).toBe(result.journal);
  });
});
