// Checks runAgentTool with an approver, with the real openai client against the scripted OpenAI-compatible server:
// a declined or pending call of a tool marked needsApproval ends the call with a readable `interrupted` outcome
// (usage in `_meta`); approvals of one turn are asked one at a time and none after the first refusal.
import { z } from 'zod';
import { Agent, type ApprovalDecision, type ApprovalRequest, createOpenAIProvider, tool } from '@agent-mcp/agent-core';
import { createScriptedServer, type ScriptedServer, toolCallTurn } from '@agent-mcp/agent-core/testing';
import { createRequestContext, InMemoryMemoryStore, noopLogger } from '@agent-mcp/context';
import { type AgentRunPolicy } from './budgets';
import { agentRunMeta, runAgentTool } from './run-agent-tool';

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

/** A tool that records each write it makes; it always needs approval. */
function writer() {
  const written: string[] = [];
  const save = tool({
    name: 'save_note',
    description: 'Saves a note',
    parameters: z.object({ text: z.string() }),
    needsApproval: true,
    execute: ({ text }) => {
      written.push(text);
      return `saved ${text}`;
    },
  });
  return { save, written };
}

/** An approver answering from a list. */
function approver(...answers: ApprovalDecision[]) {
  const approve = async (_request: ApprovalRequest): Promise<ApprovalDecision> =>
    answers.shift() ?? { decision: 'declined' };
  return { approve };
}

function context() {
  return createRequestContext({
    requestId: 1,
    principal: { id: 'alice', tenantId: 't1', scopes: [], via: 'api_key' },
    signal: new AbortController().signal,
    logger: noopLogger,
    memory: new InMemoryMemoryStore(),
    listRoots: async () => [],
    sendProgress: async () => undefined,
    readResource: async () => [],
    sendLog: async () => undefined,
  });
}

describe('tools that need approval', () => {
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
