// Checks runAgentTool over the neutral request context, with the real openai client against the scripted
// OpenAI-compatible server: progress and log streaming, the heartbeat, budgets capped by policy and ending in a
// readable outcome, cancellation reaching the model request and running tools, and usage for `_meta`.
import { z } from 'zod';
import {
  InMemoryMemoryStore,
  type LogLevel,
  ModelBudgetExceededError,
  type ModelUsageMeter,
  type ProgressUpdate,
  type RequestContext,
  type SamplingPort,
  createRequestContext,
  InMemoryThreadStore,
  noopLogger,
  type Principal,
} from '@agent-mcp/context';
import {
  Agent,
  createMemoryJournal,
  createOpenAIProvider,
  MissingConfigError,
  RunCancelledError,
  type RunQueue,
  tool,
} from '@agent-mcp/agent-core';
import {
  createScriptedServer,
  hangTurn,
  type ScriptedServer,
  textTurn,
  toolCallTurn,
} from '@agent-mcp/agent-core/testing';
import { createLocalRuns } from '@agent-mcp/durable-runs';
import { agentBudgetShape, type AgentRunPolicy, loadAgentRunPolicy, resolveBudget } from './budgets';
import { agentRunMeta, runAgentTool } from './run-agent-tool';
import { ThreadNotFoundError } from './thread-turns';

jest.setTimeout(15_000);

let server: ScriptedServer;
beforeAll(async () => (server = await createScriptedServer({ apiKey: 'test-key' })));
afterAll(() => server.close());
beforeEach(() => server.reset());

const policy: AgentRunPolicy = {
  maxTurns: 10,
  maxTokens: 100_000,
  deadlineSeconds: 30,
  heartbeatSeconds: 10,
  logLevel: 'info',
};
const provider = () => createOpenAIProvider({ apiKey: 'test-key', baseURL: server.url, model: 'scripted', env: {} });

interface Recorded {
  readonly context: RequestContext;
  readonly progress: ProgressUpdate[];
  readonly logs: { level: LogLevel; data: Record<string, unknown> }[];
  readonly controller: AbortController;
}

function requestContext(
  sampling?: SamplingPort,
  modelUsage?: ModelUsageMeter,
  clientLogLevel: LogLevel | null = 'debug',
): Recorded {
  const progress: ProgressUpdate[] = [];
  const logs: Recorded['logs'] = [];
  const controller = new AbortController();
  const context = createRequestContext({
    requestId: 1,
    principal: { id: 'alice', tenantId: 't1', scopes: [], via: 'api_key' },
    signal: controller.signal,
    logger: noopLogger,
    memory: new InMemoryMemoryStore(),
    listRoots: async () => [],
    sendProgress: async (u) => void progress.push(u),
    readResource: async () => [],
    sendLog: async (level, data) => void logs.push({ level, data: data as Record<string, unknown> }),
    ...(sampling ? { sampling } : {}),
    ...(modelUsage ? { modelUsage } : {}),
    clientLogLevel: () => clientLogLevel ?? undefined,
  });
  return { context, progress, logs, controller };
}

const lookup = tool({
  name: 'lookup',
  description: 'Looks a word up',
  parameters: z.object({ word: z.string() }),
  execute: ({ word }) => `${word}: a greeting`,
});

describe('runAgentTool', () => {
  it("goes through the run queue: a caller's second run waits for its slot and says so", async () => {
    const started: string[] = [];
    const runs = createLocalRuns({
      concurrencyPerPrincipal: 1,
      observer: { onRunStarted: ({ kind }) => started.push(kind) },
    });
    server.enqueue(textTurn('first', { delayMs: 150 }), textTurn('second'));
    const [one, two] = [requestContext(), requestContext()];
    const options = { policy, modelProvider: provider(), source: 'ask', runs };
    const first = runAgentTool(new Agent({ name: 'a' }), 'one', { ...options, context: one.context });
    await server.waitForRequest(0);
    const second = runAgentTool(new Agent({ name: 'a' }), 'two', { ...options, context: two.context });
    await new Promise((r) => setTimeout(r, 20));
    expect(runs.stats()).toMatchObject({ running: 1, queued: 1 });
    await expect(first).resolves.toMatchObject({ status: 'completed', text: 'first' });
    await expect(second).resolves.toMatchObject({ status: 'completed', text: 'second' });
    expect(two.progress[0]?.message).toBe('turn 1: waiting for a free run slot');
    expect(one.progress.map((p) => p.message)).not.toContain('turn 1: waiting for a free run slot');
    expect(started).toEqual(['ask', 'ask']);
  });

  it('streams progress per step and the text and tool steps as log messages, and reports usage', async () => {
    server.enqueue(
      toolCallTurn(
        { name: 'lookup', arguments: { word: 'hello' } },
        { text: 'Let me look. ', usage: { inputTokens: 20, outputTokens: 5 } },
      ),
      textTurn('It is a greeting.', { usage: { inputTokens: 30, outputTokens: 4 } }),
    );
    const { context, progress, logs } = requestContext();
    const outcome = await runAgentTool(new Agent({ name: 'dictionary', tools: [lookup] }), 'What is hello?', {
      context,
      policy,
      modelProvider: provider(),
      source: 'dictionary_tool',
    });
    expect(outcome).toMatchObject({ status: 'completed', output: 'It is a greeting.', text: 'It is a greeting.' });
    expect(progress.map((p) => p.message)).toEqual([
      'turn 1: asking the model',
      'turn 1: calling lookup',
      'turn 2: asking the model',
    ]);
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3]);
    expect(logs.every((l) => l.level === 'info' && l.data['source'] === 'dictionary_tool')).toBe(true);
    expect(logs.map((l) => l.data)).toEqual([
      expect.objectContaining({ type: 'text', turn: 1, text: 'Let me look. ' }),
      expect.objectContaining({ type: 'tool_call', turn: 1, tool: 'lookup', arguments: '{"word":"hello"}' }),
      expect.objectContaining({
        type: 'tool_result',
        turn: 1,
        tool: 'lookup',
        isError: false,
        output: 'hello: a greeting',
      }),
      expect.objectContaining({ type: 'text', turn: 2, text: 'It is a greeting.' }),
    ]);
    expect(outcome.usage).toMatchObject({
      model: 'scripted',
      modelSource: 'server',
      turns: 2,
      requests: 2,
      inputTokens: 50,
      outputTokens: 9,
      totalTokens: 59,
      tokensEstimated: false,
    });
    expect(agentRunMeta(outcome).agentRun).toMatchObject({
      status: 'completed',
      model: 'scripted',
      modelSource: 'server',
      turns: 2,
      usage: { inputTokens: 50, outputTokens: 9, totalTokens: 59, requests: 2 },
      toolCalls: 1,
      budget: { maxTurns: 10, maxTokens: 100_000, deadlineSeconds: 30 },
    });
  });

  it('logs nothing to a client that set no log level, or one above the policy’s', async () => {
    for (const level of [null, 'warning'] as const) {
      server.enqueue(
        toolCallTurn({ name: 'lookup', arguments: { word: 'hi' } }, { text: 'Looking. ' }),
        textTurn('Done.'),
      );
      const { context, logs, progress } = requestContext(undefined, undefined, level);
      await runAgentTool(new Agent({ name: 'quiet', tools: [lookup] }), 'Hi', {
        context,
        policy,
        modelProvider: provider(),
      });
      expect(logs).toEqual([]);
      expect(progress.length).toBeGreaterThan(0);
    }
  });

  it('sends heartbeat progress, always increasing, while the model is slow', async () => {
    server.enqueue(textTurn('Done.', { delayMs: 700 }));
    const { context, progress } = requestContext();
    const outcome = await runAgentTool(new Agent({ name: 'slow' }), 'Take your time.', {
      context,
      policy: { ...policy, heartbeatSeconds: 0.1 },
      modelProvider: provider(),
    });
    expect(outcome.status).toBe('completed');
    const beats = progress.filter((p) => p.message?.startsWith('turn 1: still asking the model'));
    expect(beats.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < progress.length; i++) expect(progress[i].progress).toBeGreaterThan(progress[i - 1].progress);
    // The heartbeat stops with the run.
    const sent = progress.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(progress).toHaveLength(sent);
  });

  it('counts a heartbeat’s seconds from the start of the stage, not from the previous beat', async () => {
    server.enqueue(textTurn('Done.', { delayMs: 3400 }));
    const { context, progress } = requestContext();
    await runAgentTool(new Agent({ name: 'slow' }), 'Take your time.', {
      context,
      policy: { ...policy, heartbeatSeconds: 1 },
      modelProvider: provider(),
    });
    const seconds = progress
      .flatMap((p) => /^turn 1: still asking the model \((\d+) s\)$/.exec(p.message ?? '')?.[1] ?? [])
      .map(Number);
    expect(seconds.length).toBeGreaterThanOrEqual(2);
    // Timers drift on a busy machine, so the figures need not be exactly 1, 2, 3; they must grow with the wait.
    for (let i = 1; i < seconds.length; i++) expect(seconds[i]).toBeGreaterThan(seconds[i - 1] as number);
  });

  it('stops a looping model at the turn budget with a readable account, not an error', async () => {
    for (let i = 0; i < 10; i++) server.enqueue(toolCallTurn({ name: 'lookup', arguments: { word: `w${i}` } }));
    const { context } = requestContext();
    const outcome = await runAgentTool(new Agent({ name: 'looper', tools: [lookup] }), 'Loop.', {
      context,
      policy: { ...policy, maxTurns: 3 },
      budget: { maxTurns: 50 },
      modelProvider: provider(),
    });
    expect(outcome.status).toBe('stopped');
    if (outcome.status !== 'stopped') return;
    expect(outcome.stop).toEqual({
      reason: 'max_turns',
      message: 'The turn budget (3 turns) ran out before the agent had an answer.',
    });
    expect(outcome.steps).toEqual([1, 2, 3].map((turn) => ({ turn, tool: 'lookup', isError: false })));
    expect(outcome.summary).toMatch(/^Stopped without an answer\. The turn budget \(3 turns\) ran out/);
    expect(outcome.summary).toContain('Done so far: 3 model turns');
    expect(outcome.summary).toContain('It made 3 tool calls: lookup ×3.');
    expect(outcome.budget).toMatchObject({ maxTurns: 3, capped: ['maxTurns'] });
    expect(agentRunMeta(outcome).agentRun).toMatchObject({
      status: 'stopped',
      stopReason: 'max_turns',
      turns: 3,
      budget: { capped: ['maxTurns'] },
    });
    expect(server.requests).toHaveLength(3);
  });

  it('stops at the token budget the caller asked for', async () => {
    for (let i = 0; i < 5; i++)
      server.enqueue(
        toolCallTurn({ name: 'lookup', arguments: { word: 'x' } }, { usage: { inputTokens: 400, outputTokens: 10 } }),
      );
    const { context } = requestContext();
    const outcome = await runAgentTool(new Agent({ name: 'spender', tools: [lookup] }), 'Spend.', {
      context,
      policy,
      budget: { maxTokens: 1000 },
      modelProvider: provider(),
    });
    expect(outcome).toMatchObject({
      status: 'stopped',
      stop: { reason: 'max_tokens' },
      usage: { turns: 3, totalTokens: 1230 },
    });
  });

  it('stops at the deadline, aborting the model request', async () => {
    server.enqueue(hangTurn());
    const { context } = requestContext();
    const outcome = await runAgentTool(new Agent({ name: 'waiter' }), 'Wait.', {
      context,
      policy,
      budget: { deadlineSeconds: 1 },
      modelProvider: provider(),
    });
    expect(outcome).toMatchObject({
      status: 'stopped',
      stop: { reason: 'deadline', message: expect.stringContaining('(1 s)') },
    });
    await server.waitForClientClose(0);
  });

  it('aborts the model request when the request is cancelled, and throws RunCancelledError', async () => {
    server.enqueue(hangTurn());
    const { context, controller, progress } = requestContext();
    const running = runAgentTool(new Agent({ name: 'waiter' }), 'Wait.', {
      context,
      policy: { ...policy, heartbeatSeconds: 0.05 },
      modelProvider: provider(),
    });
    await server.waitForRequest(0);
    controller.abort(new Error('client cancelled'));
    await expect(running).rejects.toBeInstanceOf(RunCancelledError);
    await server.waitForClientClose(0, 1000);
    const sent = progress.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(progress).toHaveLength(sent);
  });

  it('aborts a running tool when the request is cancelled', async () => {
    let toolSignal: AbortSignal | undefined;
    const blocking = tool({
      name: 'block',
      description: 'Waits until aborted',
      parameters: z.object({}),
      execute: (_args, { signal }) =>
        new Promise((_, reject) => {
          toolSignal = signal;
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        }),
    });
    server.enqueue(toolCallTurn({ name: 'block', arguments: {} }));
    const { context, controller, progress } = requestContext();
    const running = runAgentTool(new Agent({ name: 'blocker', tools: [blocking] }), 'Block.', {
      context,
      policy,
      modelProvider: provider(),
    });
    while (!progress.some((p) => p.message === 'turn 1: calling block')) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(RunCancelledError);
    expect(toolSignal?.aborted).toBe(true);
  });

  it('without a key or a sampling client, fails naming OPENAI_API_KEY', async () => {
    const { context } = requestContext();
    await expect(
      runAgentTool(new Agent({ name: 'nokey' }), 'Hi', {
        context,
        policy,
        modelProvider: createOpenAIProvider({ env: {} }),
      }),
    ).rejects.toBeInstanceOf(MissingConfigError);
  });

  it('tells the MCP user what they can do without a key: set it on the server, or use a client that samples', async () => {
    const { context } = requestContext();
    const call = (sampling?: 'off') =>
      runAgentTool(new Agent({ name: 'nokey' }), 'Hi', {
        context,
        policy,
        modelProvider: createOpenAIProvider({ env: {} }),
        ...(sampling ? { sampling } : {}),
      }).then(
        () => '',
        (error: unknown) => (error as Error).message,
      );
    const message = await call();
    expect(message).toMatch(/^This MCP server has no model configured: set OPENAI_API_KEY in the environment/);
    expect(message).toMatch(/or call the tool from an MCP client that supports sampling/);
    expect(message).not.toMatch(/createOpenAIProvider/);
    // A tool that never falls back to the client's model does not suggest it.
    expect(await call('off')).not.toMatch(/sampling/);
  });
});

describe('runAgentTool under the caller’s model-token budget', () => {
  function meter(limit: number): ModelUsageMeter & { used: number } {
    const keys = new Set<string>();
    return {
      used: 0,
      async check() {
        return this.used >= limit ? { allowed: false, retryAfterSeconds: 42 } : { allowed: true };
      },
      async charge(_principal, tokens, key) {
        if (key !== undefined && keys.has(key)) return;
        if (key !== undefined) keys.add(key);
        this.used += tokens;
      },
    };
  }

  it('charges a recorded run under its step key, so the run replayed after a crash is not charged again', async () => {
    server.enqueue(textTurn('One.', { usage: { inputTokens: 90, outputTokens: 20 } }));
    const usage = meter(1000);
    // Both calls run on one recorded run, as a replica resuming it after a crash between the charge and the run's
    // recorded end does: the second replays the model turn from the record.
    const journal = createMemoryJournal('w1');
    const runs: RunQueue = { run: (_request, work) => work(journal) };
    for (let i = 0; i < 2; i++)
      await runAgentTool(new Agent({ name: 'a' }), 'Hi', {
        context: requestContext(undefined, usage).context,
        policy,
        modelProvider: provider(),
        runs,
      });
    expect(server.requests).toHaveLength(1);
    expect(usage.used).toBe(110);
  });

  it('charges what the server’s model used, then refuses the next run before any model request', async () => {
    server.enqueue(textTurn('One.', { usage: { inputTokens: 90, outputTokens: 20 } }));
    const usage = meter(100);
    await runAgentTool(new Agent({ name: 'a' }), 'Hi', {
      context: requestContext(undefined, usage).context,
      policy,
      modelProvider: provider(),
    });
    expect(usage.used).toBe(110);
    await expect(
      runAgentTool(new Agent({ name: 'a' }), 'Again', {
        context: requestContext(undefined, usage).context,
        policy,
        modelProvider: provider(),
      }),
    ).rejects.toMatchObject({
      constructor: ModelBudgetExceededError,
      retryAfterSeconds: 42,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('does not charge runs on the client’s own model', async () => {
    const usage = meter(1000);
    const sampling: SamplingPort = {
      supportsTools: true,
      sample: async () => ({ model: 'client', stopReason: 'endTurn', content: [{ type: 'text', text: 'Mine.' }] }),
    };
    const outcome = await runAgentTool(new Agent({ name: 'a' }), 'Hi', {
      context: requestContext(sampling, usage).context,
      policy,
      modelProvider: createOpenAIProvider({ env: {} }),
    });
    expect(outcome.usage.modelSource).toBe('client-sampling');
    expect(usage.used).toBe(0);
  });
});

describe('budgets', () => {
  it('caps what the caller asks by the policy and defaults to it', () => {
    expect(resolveBudget({}, policy)).toEqual({ maxTurns: 10, maxTokens: 100_000, deadlineSeconds: 30, capped: [] });
    expect(resolveBudget({ maxTurns: 2, deadlineSeconds: 60 }, policy)).toEqual({
      maxTurns: 2,
      maxTokens: 100_000,
      deadlineSeconds: 30,
      capped: ['deadlineSeconds'],
    });
  });

  it('reads the policy from the environment and names a bad variable', () => {
    expect(loadAgentRunPolicy({})).toEqual({
      maxTurns: 10,
      maxTokens: 200_000,
      deadlineSeconds: 300,
      heartbeatSeconds: 10,
      logLevel: 'info',
    });
    expect(
      loadAgentRunPolicy({ AGENT_MAX_TURNS: '4', AGENT_HEARTBEAT_SECONDS: '0.5', AGENT_LOG_LEVEL: 'off' }),
    ).toMatchObject({ maxTurns: 4, heartbeatSeconds: 0.5, logLevel: 'off' });
    expect(() => loadAgentRunPolicy({ AGENT_HEARTBEAT_SECONDS: '60' })).toThrow(/AGENT_HEARTBEAT_SECONDS/);
  });

  it('gives tools a schema fragment that validates the budget arguments', () => {
    const input = z.object({ question: z.string(), ...agentBudgetShape });
    expect(input.parse({ question: 'q', maxTurns: 3, deadlineSeconds: 2.5 })).toEqual({
      question: 'q',
      maxTurns: 3,
      deadlineSeconds: 2.5,
    });
    expect(input.safeParse({ question: 'q', maxTurns: 0 }).success).toBe(false);
    expect(input.safeParse({ question: 'q', maxTokens: 1.5 }).success).toBe(false);
  });
});

describe('runAgentTool with threads', () => {
  it('reports progress while the thread opens, before the first model request', async () => {
    // A store as slow as a cold embedded database: the client must see the call moving meanwhile. A new thread is
    // only created once a turn is recorded (issue 16 item 2), so the call continues one, whose read is slow.
    class SlowThreadStore extends InMemoryThreadStore {
      override async get(threadId: string, owner: string) {
        await new Promise((r) => setTimeout(r, 500));
        return super.get(threadId, owner);
      }
    }
    const threads = new SlowThreadStore();
    const { threadId } = await threads.create('t1:alice');
    const progress: ProgressUpdate[] = [];
    const context = createRequestContext({
      requestId: 1,
      principal: { id: 'alice', tenantId: 't1', scopes: [], via: 'api_key' },
      signal: new AbortController().signal,
      logger: noopLogger,
      memory: new InMemoryMemoryStore(),
      listRoots: async () => [],
      sendProgress: async (u) => void progress.push(u),
      readResource: async () => [],
      sendLog: async () => undefined,
      threads,
    });
    server.enqueue(textTurn('Ready.'));
    const outcome = await runAgentTool(new Agent({ name: 'analyst' }), 'Hello', {
      context,
      policy: { ...policy, heartbeatSeconds: 0.1 },
      modelProvider: provider(),
      threadId,
    });
    expect(outcome.status).toBe('completed');
    const messages = progress.map((p) => p.message);
    expect(messages[0]).toBe('turn 1: opening the conversation');
    const asking = messages.indexOf('turn 1: asking the model');
    expect(
      messages.slice(1, asking).filter((m) => m?.startsWith('turn 1: still opening the conversation')).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('starts a thread, and a run given its id sees the earlier turns; another principal cannot continue it', async () => {
    const threads = new InMemoryThreadStore();
    const withThreads = (principal: Principal): RequestContext =>
      createRequestContext({
        requestId: 1,
        principal,
        signal: new AbortController().signal,
        logger: noopLogger,
        memory: new InMemoryMemoryStore(),
        listRoots: async () => [],
        sendProgress: async () => undefined,
        readResource: async () => [],
        sendLog: async () => undefined,
        threads,
      });
    const alice: Principal = { id: 'alice', tenantId: 't1', scopes: [], via: 'api_key' };
    const agent = new Agent({ name: 'analyst' });
    server.enqueue(textTurn('42 orders.'), textTurn('17 orders.'));
    const first = await runAgentTool(agent, 'How many orders in March?', {
      context: withThreads(alice),
      policy,
      modelProvider: provider(),
    });
    expect(first.threadId).toEqual(expect.any(String));
    expect(agentRunMeta(first).agentRun).toMatchObject({ threadId: first.threadId });

    const second = await runAgentTool(agent, 'And in April?', {
      context: withThreads(alice),
      policy,
      modelProvider: provider(),
      threadId: first.threadId,
    });
    expect(second.threadId).toBe(first.threadId);
    const sent = JSON.stringify(server.requests.at(-1)?.body);
    expect(sent).toContain('How many orders in March?');
    expect(sent).toContain('42 orders.');
    expect((await threads.get(first.threadId as string, 't1:alice'))?.messages.map((m) => m.text)).toEqual([
      'How many orders in March?',
      '42 orders.',
      'And in April?',
      '17 orders.',
    ]);

    const mallory: Principal = { id: 'mallory', tenantId: 't1', scopes: [], via: 'api_key' };
    await expect(
      runAgentTool(agent, 'Show me', {
        context: withThreads(mallory),
        policy,
        modelProvider: provider(),
        threadId: first.threadId,
      }),
    ).rejects.toBeInstanceOf(ThreadNotFoundError);
    expect(server.requests).toHaveLength(2);
  });

  it('leaves no thread behind when a call is refused before any model turn (issue 16 item 2)', async () => {
    const threads = new InMemoryThreadStore();
    const spent: ModelUsageMeter = {
      check: async () => ({ allowed: false, retryAfterSeconds: 30 }),
      charge: async () => undefined,
    };
    const context = (modelUsage?: ModelUsageMeter): RequestContext =>
      createRequestContext({
        requestId: 1,
        principal: { id: 'alice', tenantId: 't1', scopes: [], via: 'api_key' },
        signal: new AbortController().signal,
        logger: noopLogger,
        memory: new InMemoryMemoryStore(),
        listRoots: async () => [],
        sendProgress: async () => undefined,
        readResource: async () => [],
        sendLog: async () => undefined,
        threads,
        ...(modelUsage ? { modelUsage } : {}),
      });
    // No model configured and no client model to fall back on.
    await expect(
      runAgentTool(new Agent({ name: 'nokey' }), 'Hi', {
        context: context(),
        policy,
        modelProvider: createOpenAIProvider({ env: {} }),
      }),
    ).rejects.toBeInstanceOf(MissingConfigError);
    // The caller's model-token budget already spent.
    await expect(
      runAgentTool(new Agent({ name: 'broke' }), 'Hi', { context: context(spent), policy, modelProvider: provider() }),
    ).rejects.toBeInstanceOf(ModelBudgetExceededError);
    expect((await threads.list('t1:alice', { limit: 10 })).threads).toEqual([]);

    // A call that answers has its thread, with the turn in it.
    server.enqueue(textTurn('Hello.'));
    const answered = await runAgentTool(new Agent({ name: 'a' }), 'Hi', {
      context: context(),
      policy,
      modelProvider: provider(),
    });
    expect((await threads.list('t1:alice', { limit: 10 })).threads).toEqual([
      expect.objectContaining({ threadId: answered.threadId, messageCount: 2 }),
    ]);
  });
});
