// The RunJournal contract as the runner keeps it: the step names it records, a recorded run replaying with zero
// model requests against the real client and the scripted OpenAI-compatible server, a run resumed after a cut
// continuing from its last completed step, cancellation before and during a step, budgets counted across a replay.
import { z } from 'zod';
import { Agent } from './agent';
import { DeadlineExceededError, MaxTokensExceededError, MaxTurnsExceededError, RunCancelledError } from './errors';
import { createMemoryJournal, passThroughJournal } from './journal';
import { type ModelProvider } from './model';
import { createOpenAIProvider } from './openai/provider';
import { run } from './run';
import { type ScriptedServer, createScriptedServer } from './testing/scripted-server';
import { hangTurn, textTurn, toolCallTurn } from './testing/script';
import { tool } from './tool';

let server: ScriptedServer;
let modelProvider: ModelProvider;

beforeAll(async () => {
  server = await createScriptedServer({ apiKey: 'k' });
  modelProvider = createOpenAIProvider({ apiKey: 'k', baseURL: server.url, env: {}, model: 'gpt-test' });
});
afterEach(() => server.reset());
afterAll(() => server.close());

function counter() {
  const calls: number[] = [];
  const add = tool({
    name: 'add',
    description: 'Adds two numbers',
    parameters: z.object({ a: z.number(), b: z.number() }),
    execute: ({ a, b }) => {
      calls.push(a + b);
      return a + b;
    },
  });
  return { add, calls };
}

/**
 * Runs `agent` on `journal` and cuts it once the scripted server has its request number `request` (from 0), as a
 * replica dying mid-run would: what is recorded by then is what a resume continues from. The run's error.
 */
async function cutAt(agent: Agent, journal: ReturnType<typeof createMemoryJournal>, request: number): Promise<unknown> {
  const crash = new AbortController();
  const cut = run(agent, 'x', { modelProvider, journal, signal: crash.signal });
  await server.waitForRequest(request);
  crash.abort();
  return cut.catch((error: unknown) => error);
}

describe('a run on a journal', () => {
  it('records each model turn and tool call under its step name', async () => {
    const { add } = counter();
    server.enqueue(toolCallTurn({ name: 'add', arguments: { a: 1, b: 2 }, callId: 'c1' }), textTurn('3'));
    const journal = createMemoryJournal('run-1');
    const agent = new Agent({
      name: 'calc',
      tools: [add],
      inputGuardrails: [{ name: 'g', execute: () => ({ tripwireTriggered: false }) }],
    });
    await run(agent, 'What is 1+2?', { modelProvider, journal, limits: { timeoutMs: 10_000 } });
    expect([...journal.steps.keys()]).toEqual([
      'run.deadline',
      'guardrails.input',
      'turn.1.model',
      'turn.1.tool.c1',
      'turn.2.model',
    ]);
    expect(journal.steps.get('turn.1.tool.c1')).toEqual({ output: '3', isError: false });
    expect(journal.steps.get('turn.2.model')).toMatchObject({ output: [{ type: 'message', content: '3' }] });
  });

  it('replays a recorded run with zero model requests and no tool run again', async () => {
    const { add, calls } = counter();
    server.enqueue(
      toolCallTurn({ name: 'add', arguments: { a: 2, b: 3 } }, { usage: { inputTokens: 10, outputTokens: 2 } }),
      textTurn('5', { usage: { inputTokens: 12, outputTokens: 1 } }),
    );
    const journal = createMemoryJournal();
    const agent = new Agent({ name: 'calc', tools: [add] });
    const first = await run(agent, 'What is 2+3?', { modelProvider, journal });
    const requests = server.requests.length;
    const replay = await run(agent, 'What is 2+3?', { modelProvider, journal });
    expect(server.requests).toHaveLength(requests);
    expect(calls).toEqual([5]);
    expect(replay).toEqual(first);
    expect(replay.runId).toBe(journal.runId);
  });

  it('resumes a run cut in its second turn from its last completed step', async () => {
    const { add, calls } = counter();
    server.enqueue(toolCallTurn({ name: 'add', arguments: { a: 1, b: 1 }, callId: 'c1' }), hangTurn());
    const journal = createMemoryJournal();
    const agent = new Agent({ name: 'calc', tools: [add] });
    expect(await cutAt(agent, journal, 1)).toBeInstanceOf(RunCancelledError);
    expect([...journal.steps.keys()]).toEqual(['turn.1.model', 'turn.1.tool.c1']);

    server.enqueue(textTurn('2'));
    const resumed = await run(agent, 'x', { modelProvider, journal });
    expect(resumed.finalOutput).toBe('2');
    expect(resumed.turns).toBe(2);
    // One request for the completed turn, two for the turn in flight at the cut; the tool ran once.
    expect(server.requests).toHaveLength(3);
    expect(calls).toEqual([2]);
    expect(server.requests[2]?.body.input).toContainEqual(
      expect.objectContaining({ type: 'function_call_output', output: '2' }),
    );
  });

  it("puts back what a replayed call kept in its tool's own state, whether the call returned or threw", async () => {
    /** A tool with a ledger beside the run, as a process that starts again has it: empty. */
    const ledgerTool = () => {
      const ledger: string[] = [];
      const note = tool({
        name: 'note',
        description: 'Notes a word',
        parameters: z.object({ word: z.string() }),
        execute: ({ word }, { keep }) => {
          ledger.push(word);
          keep(word);
          if (word === 'bad') throw new Error('refused');
          return `noted ${word}`;
        },
        restore: (kept) => void ledger.push(String(kept)),
      });
      return { note, ledger };
    };
    server.enqueue(
      toolCallTurn({ name: 'note', arguments: { word: 'good' }, callId: 'c1' }),
      toolCallTurn({ name: 'note', arguments: { word: 'bad' }, callId: 'c2' }),
      hangTurn(),
    );
    const journal = createMemoryJournal();
    const before = ledgerTool();
    await cutAt(new Agent({ name: 'notes', tools: [before.note] }), journal, 2);
    expect(before.ledger).toEqual(['good', 'bad']);
    expect(journal.steps.get('turn.2.tool.c2')).toMatchObject({ isError: true, kept: ['bad'] });

    server.enqueue(textTurn('done'));
    const after = ledgerTool();
    await run(new Agent({ name: 'notes', tools: [after.note] }), 'x', { modelProvider, journal });
    expect(after.ledger).toEqual(['good', 'bad']);
  });

  it('records the plan, the approval and the call of a tool that needs a yes, and asks once', async () => {
    let asked = 0;
    const write = tool({
      name: 'write',
      description: 'writes',
      parameters: z.object({ text: z.string() }),
      needsApproval: true,
      execute: ({ text }) => `wrote ${text}`,
    });
    const approve = async () => {
      asked += 1;
      return { decision: 'approved' as const };
    };
    const agent = new Agent({ name: 'w', tools: [write] });
    const journal = createMemoryJournal();
    server.enqueue(toolCallTurn({ name: 'write', arguments: { text: 'hi' }, callId: 'w1' }), textTurn('done'));
    await run(agent, 'x', { modelProvider, journal, approve });
    await run(agent, 'x', { modelProvider, journal, approve });
    expect(asked).toBe(1);
    expect(journal.steps.get('turn.1.plan')).toEqual({ w1: true });
    expect(journal.steps.get('turn.1.approval.w1')).toBe(true);
    expect(journal.steps.get('turn.1.tool.w1')).toEqual({ output: 'wrote hi', isError: false });
  });

  it("records an agent used as a tool on the call's child journal, and its usage in the caller's budget", async () => {
    const inner = new Agent({ name: 'inner' });
    const outer = new Agent({ name: 'outer', tools: [inner.asTool({ name: 'ask', description: 'asks' })] });
    server.enqueue(
      toolCallTurn(
        { name: 'ask', arguments: { input: 'hi' }, callId: 'a1' },
        { usage: { inputTokens: 1, outputTokens: 1 } },
      ),
      textTurn('inner says hello', { usage: { inputTokens: 50, outputTokens: 50 } }),
      textTurn('done', { usage: { inputTokens: 1, outputTokens: 1 } }),
    );
    const journal = createMemoryJournal('outer-run');
    const first = await run(outer, 'x', { modelProvider, journal });
    expect([...journal.steps.keys()]).toEqual([
      'turn.1.model',
      'turn.1.tool.a1/turn.1.model',
      'turn.1.tool.a1',
      'turn.2.model',
    ]);
    expect(journal.child('turn.1.tool.a1').runId).toBe('outer-run/turn.1.tool.a1');
    const replay = await run(outer, 'x', { modelProvider, journal, limits: { maxTotalTokens: 100 } }).catch(
      (e: unknown) => e,
    );
    expect(first.usage.totalTokens).toBe(104);
    expect(replay).toBeInstanceOf(MaxTokensExceededError);
    expect(server.requests).toHaveLength(3);
  });
});

describe('step keys', () => {
  it("gives each tool call its step's key, and none without a journal", async () => {
    const keys: (string | undefined)[] = [];
    const write = tool({
      name: 'write',
      description: 'writes',
      parameters: z.object({}),
      execute: (_args, { idempotencyKey }) => {
        keys.push(idempotencyKey);
        return 'written';
      },
    });
    const agent = new Agent({ name: 'w', tools: [write] });
    server.enqueue(toolCallTurn({ name: 'write', arguments: {}, callId: 'k1' }), textTurn('done'));
    await run(agent, 'x', { modelProvider, journal: createMemoryJournal('r-keys') });
    server.enqueue(toolCallTurn({ name: 'write', arguments: {}, callId: 'k1' }), textTurn('done'));
    await run(agent, 'x', { modelProvider });
    expect(keys).toEqual(['run:r-keys:step:turn.1.tool.k1', undefined]);
  });
});

describe('cancellation on a journal', () => {
  it('starts no step once the run is cancelled before it', async () => {
    const journal = createMemoryJournal();
    const controller = new AbortController();
    controller.abort();
    server.enqueue(textTurn('never'));
    await expect(
      run(new Agent({ name: 'a' }), 'x', { modelProvider, journal, signal: controller.signal }),
    ).rejects.toBeInstanceOf(RunCancelledError);
    expect(journal.steps.size).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  it('does not record a step cancelled while it runs, so a resume runs it again', async () => {
    let started = 0;
    const stuck = tool({
      name: 'stuck',
      description: 'waits',
      parameters: z.object({}),
      execute: () => {
        started += 1;
        return started === 1 ? new Promise(() => undefined) : `ran ${started}`;
      },
    });
    server.enqueue(toolCallTurn({ name: 'stuck', arguments: {}, callId: 's1' }));
    const journal = createMemoryJournal();
    const agent = new Agent({ name: 'a', tools: [stuck] });
    const controller = new AbortController();
    const pending = run(agent, 'x', { modelProvider, journal, signal: controller.signal });
    await server.waitForRequest(0);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(RunCancelledError);
    expect([...journal.steps.keys()]).toEqual(['turn.1.model']);

    server.enqueue(textTurn('ok'));
    await expect(run(agent, 'x', { modelProvider, journal })).resolves.toMatchObject({ finalOutput: 'ok' });
    expect(journal.steps.get('turn.1.tool.s1')).toEqual({ output: 'ran 2', isError: false });
  });
});

describe('budgets across a replay', () => {
  it('counts the recorded turns against maxTurns', async () => {
    const { add } = counter();
    server.enqueue(
      toolCallTurn({ name: 'add', arguments: { a: 1, b: 1 } }),
      toolCallTurn({ name: 'add', arguments: { a: 2, b: 2 } }),
      hangTurn(),
    );
    const journal = createMemoryJournal();
    const agent = new Agent({ name: 'calc', tools: [add] });
    await cutAt(agent, journal, 2);
    const error = await run(agent, 'x', { modelProvider, journal, limits: { maxTurns: 2 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MaxTurnsExceededError);
    expect(server.requests).toHaveLength(3);
  });

  it('counts the recorded usage against maxTotalTokens', async () => {
    const { add } = counter();
    server.enqueue(
      toolCallTurn({ name: 'add', arguments: { a: 1, b: 1 } }, { usage: { inputTokens: 60, outputTokens: 10 } }),
      hangTurn(),
    );
    const journal = createMemoryJournal();
    const agent = new Agent({ name: 'calc', tools: [add] });
    await cutAt(agent, journal, 1);
    server.enqueue(textTurn('2', { usage: { inputTokens: 60, outputTokens: 10 } }));
    const error = await run(agent, 'x', { modelProvider, journal, limits: { maxTotalTokens: 100 } }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'max_tokens_exceeded', usedTokens: 140 });
  });

  it('keeps the recorded deadline: a resumed run does not restart its clock', async () => {
    const journal = createMemoryJournal();
    server.enqueue(hangTurn());
    const agent = new Agent({ name: 'a' });
    const first = await run(agent, 'x', { modelProvider, journal, limits: { timeoutMs: 100 } }).catch(
      (e: unknown) => e,
    );
    expect(first).toBeInstanceOf(DeadlineExceededError);
    server.enqueue(textTurn('late'));
    const startedAt = performance.now();
    const resumed = await run(agent, 'x', { modelProvider, journal, limits: { timeoutMs: 60_000 } }).catch(
      (e: unknown) => e,
    );
    expect(resumed).toBeInstanceOf(DeadlineExceededError);
    expect(performance.now() - startedAt).toBeLessThan(1000);
  });
});

describe('journals', () => {
  it('pass-through records nothing and gives no step keys', async () => {
    const journal = passThroughJournal();
    let runs = 0;
    const step = () => journal.step('s', async () => ++runs);
    expect([await step(), await step()]).toEqual([1, 2]);
    expect(journal.stepKey('s')).toBeUndefined();
    expect(journal.child('c').runId).not.toBe(journal.runId);
  });

  it('memory records JSON values, keys steps by run and name, and refuses what JSON cannot carry', async () => {
    const journal = createMemoryJournal('r');
    expect(await journal.step('a', async () => ({ at: new Date(0) }))).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(journal.stepKey('turn.1.tool.c1')).toBe('run:r:step:turn.1.tool.c1');
    expect(journal.child('turn.1.tool.c1').stepKey('turn.1.model')).toBe('run:r/turn.1.tool.c1:step:turn.1.model');
    await expect(journal.step('b', async () => undefined)).rejects.toThrow(/JSON cannot record/);
    expect(journal.steps.has('b')).toBe(false);
  });
});
