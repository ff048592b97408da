// Checks the approval hook of function tools, with the real openai client against the scripted OpenAI-compatible
// server: a tool marked needsApproval runs only on `approved`; `declined` and `pending` end the run there (run()
// throws ApprovalInterruptedError, runAgentTool answers an `interrupted` outcome); a run with no approver never
// runs such a call; approvals of one turn are asked one at a time and none after the first refusal.
import { z } from 'zod';
import { Conversation, createRequestContext, InMemoryMemoryStore, noopLogger } from '@agent-mcp/context';
import { Agent } from './agent';
import { type ApprovalDecision, ApprovalInterruptedError, type ApprovalRequest } from './approval';
import { agentRunMeta, runAgentTool } from './agent-tool/run-agent-tool';
import { type AgentRunPolicy } from './agent-tool/budgets';
import { createOpenAIProvider } from './openai/provider';
import { run } from './run';
import { createScriptedServer, type ScriptedServer } from './testing/scripted-server';
import { textTurn, toolCallTurn } from './testing/script';
import { tool } from './tool';

jest.setTimeout(15_000);

let server: ScriptedServer;
beforeAll(async () => (server = await createScriptedServer({ apiKey: 'test-key' })));
afterAll(() => server.close());
beforeEach(() => server.reset());

const provider = () => createOpenAIProvider({ apiKey: 'test-key', baseURL: server.url, model: 'scripted', env: {} });
const policy: AgentRunPolicy = {
  maxTurns: 10,
  maxTokens: 100_000,
  deadlineSeconds: 30,
  heartbeatSeconds: 10,
  logLevel: 'info',
};

/** A tool that records each write it makes; `needsApproval` as given. */
function writer(needsApproval: boolean | ((args: { text: string }) => boolean) = true) {
  const written: string[] = [];
  const save = tool({
    name: 'save_note',
    description: 'Saves a note',
    parameters: z.object({ text: z.string() }),
    needsApproval,
    execute: ({ text }) => {
      written.push(text);
      return `saved ${text}`;
    },
  });
  return { save, written };
}

/** An approver answering from a list, recording what it was asked. */
function approver(...answers: ApprovalDecision[]) {
  const asked: Omit<ApprovalRequest, 'signal'>[] = [];
  const approve = async ({ signal: _signal, ...request }: ApprovalRequest): Promise<ApprovalDecision> => {
    asked.push(request);
    return answers.shift() ?? { decision: 'declined' };
  };
  return { approve, asked };
}

function context() {
  return createRequestContext({
    requestId: 1,
    principal: { id: 'alice', tenantId: 't1', scopes: [], via: 'api_key' },
    signal: new AbortController().signal,
    logger: noopLogger,
    memory: new InMemoryMemoryStore(),
    conversation: () => new Conversation(),
    listRoots: async () => [],
    sendProgress: async () => undefined,
    readResource: async () => [],
    sendLog: async () => undefined,
  });
}

describe('tools that need approval', () => {
  it('run once the approver says approved, and the approver saw the validated call', async () => {
    server.enqueue(toolCallTurn({ name: 'save_note', arguments: { text: 'hello' } }), textTurn('Saved.'));
    const { save, written } = writer();
    const { approve, asked } = approver({ decision: 'approved' });
    const result = await run(new Agent({ name: 'notes', tools: [save] }), 'Save hello', {
      modelProvider: provider(),
      approve,
    });
    expect(result.text).toBe('Saved.');
    expect(written).toEqual(['hello']);
    expect(asked).toEqual([
      { tool: 'save_note', arguments: { text: 'hello' }, callId: expect.any(String), agentName: 'notes' },
    ]);
  });

  it('do not run when declined, and the run ends there: run() throws, no further model request', async () => {
    server.enqueue(toolCallTurn({ name: 'save_note', arguments: { text: 'secret' } }), textTurn('never reached'));
    const { save, written } = writer();
    const { approve } = approver({ decision: 'declined', message: 'The user said no.' });
    const error = await run(new Agent({ name: 'notes', tools: [save] }), 'Save it', {
      modelProvider: provider(),
      approve,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApprovalInterruptedError);
    expect(error).toMatchObject({
      code: 'approval_interrupted',
      decision: 'declined',
      tool: 'save_note',
      arguments: { text: 'secret' },
      reason: 'The user said no.',
    });
    expect(written).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('end runAgentTool with a readable interrupted outcome when left pending, with usage in _meta', async () => {
    server.enqueue(
      toolCallTurn(
        { name: 'save_note', arguments: { text: 'later' } },
        { usage: { inputTokens: 10, outputTokens: 5 } },
      ),
    );
    const { save, written } = writer();
    const { approve } = approver({ decision: 'pending', message: 'Confirm with id c1.' });
    const outcome = await runAgentTool(new Agent({ name: 'notes', tools: [save] }), 'Save later', {
      context: context(),
      policy,
      modelProvider: provider(),
      approve,
    });
    expect(written).toEqual([]);
    expect(outcome.status).toBe('interrupted');
    if (outcome.status !== 'interrupted') return;
    expect(outcome.interruption).toEqual({
      decision: 'pending',
      tool: 'save_note',
      arguments: { text: 'later' },
      callId: expect.any(String),
      message: 'Confirm with id c1.',
    });
    expect(outcome.summary).toMatch(
      /^Paused: the call of save_note waits for approval and has not run\.\nConfirm with id c1\.\nDone so far: 1 model turn, 15 tokens/,
    );
    expect(agentRunMeta(outcome).agentRun).toMatchObject({
      status: 'interrupted',
      interruption: { decision: 'pending', tool: 'save_note' },
      turns: 1,
      usage: { totalTokens: 15 },
    });
  });

  it('never run in a run without an approver: the model is told, and the run goes on', async () => {
    server.enqueue(toolCallTurn({ name: 'save_note', arguments: { text: 'x' } }), textTurn('I could not save it.'));
    const { save, written } = writer();
    const result = await run(new Agent({ name: 'notes', tools: [save] }), 'Save x', { modelProvider: provider() });
    expect(result.text).toBe('I could not save it.');
    expect(written).toEqual([]);
    expect(server.requests[1]?.rawBody).toContain("needs a person's approval and this run cannot ask for it");
  });

  it('run unasked when the predicate says this call changes nothing', async () => {
    server.enqueue(toolCallTurn({ name: 'save_note', arguments: { text: '' } }), textTurn('Nothing to save.'));
    const { save, written } = writer(({ text }) => text.length > 0);
    const { approve, asked } = approver();
    await run(new Agent({ name: 'notes', tools: [save] }), 'Save nothing', { modelProvider: provider(), approve });
    expect(asked).toEqual([]);
    expect(written).toEqual(['']);
  });

  it('are asked one at a time within a turn, and not at all after a refusal', async () => {
    server.enqueue(
      toolCallTurn([
        { name: 'save_note', arguments: { text: 'one' } },
        { name: 'save_note', arguments: { text: 'two' } },
      ]),
    );
    const { save, written } = writer();
    let open = 0;
    let most = 0;
    const asked: string[] = [];
    const approve = async (request: ApprovalRequest): Promise<ApprovalDecision> => {
      open += 1;
      most = Math.max(most, open);
      asked.push((request.arguments as { text: string }).text);
      await new Promise((resolve) => setTimeout(resolve, 20));
      open -= 1;
      return { decision: 'declined' };
    };
    const outcome = await runAgentTool(new Agent({ name: 'notes', tools: [save] }), 'Save both', {
      context: context(),
      policy,
      modelProvider: provider(),
      approve,
    });
    expect(outcome).toMatchObject({
      status: 'interrupted',
      interruption: { decision: 'declined', arguments: { text: 'one' } },
    });
    expect(asked).toEqual(['one']);
    expect(most).toBe(1);
    expect(written).toEqual([]);
  });
});
