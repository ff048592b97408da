// Checks the approval hook of function tools, with the real openai client against the scripted OpenAI-compatible
// server: a tool marked needsApproval runs only on `approved`; `declined` and `pending` end the run there (run()
// throws ApprovalInterruptedError; runAgentTool's `interrupted` outcome is checked in @agent-mcp/agent-tools); a run
// with no approver never runs such a call.
import { z } from 'zod';
import { Agent } from './agent';
import { type ApprovalDecision, ApprovalInterruptedError, type ApprovalRequest } from './approval';
import { createMemoryJournal } from './journal';
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

describe('tools that need approval', () => {
  it('give the approver the approval step’s key in a recorded run, the same when the run asks again', async () => {
    const journal = createMemoryJournal('run-7');
    const keys: (string | undefined)[] = [];
    const { save } = writer();
    const approve = async (request: ApprovalRequest): Promise<ApprovalDecision> => {
      keys.push(request.idempotencyKey);
      return { decision: 'pending' };
    };
    for (let i = 0; i < 2; i++) {
      // The model's call and its id are recorded with the turn: asked again, the run names the same step.
      if (i === 0) server.enqueue(toolCallTurn({ name: 'save_note', arguments: { text: 'hello' } }));
      await expect(
        run(new Agent({ name: 'notes', tools: [save] }), 'Save hello', { modelProvider: provider(), approve, journal }),
      ).rejects.toBeInstanceOf(ApprovalInterruptedError);
    }
    expect(keys).toEqual([expect.stringMatching(/^run:run-7:step:turn\.1\.approval\./), keys[0]]);
    expect(server.requests).toHaveLength(1);
  });

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
});
