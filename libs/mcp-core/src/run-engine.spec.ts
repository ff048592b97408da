// A call that must be a recorded run waits for the run engine, which starts with the server, and is refused with
// UNAVAILABLE (503, Retry-After) when it is not up in time, rather than run unrecorded (it could not be resumed): a
// task of a resumable tool on durable tasks, and, through the same helper, a call of one that is not a task on
// recorded parked calls, in both protocol eras. The ports are test doubles of an engine that is slow to come up.
import { CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type ParkedCallRuns } from './mrtr/parked-call';
import { type DurableTaskRuns } from './tasks/durable-tasks';
import { defineTool } from './tool';
import { connectLinkedClient, createTestServer, serveOverHttp } from './testing';
import { modernEnvelope, postModern } from './testing/modern-requests';

/** An engine that comes up `upAfterMs` after it is first asked (never, by default); the waits it was asked for. */
function slowEngine(upAfterMs = Number.POSITIVE_INFINITY) {
  const waits: number[] = [];
  let asked: number | undefined;
  return {
    waits,
    async ready(waitMs: number): Promise<boolean> {
      waits.push(waitMs);
      asked ??= Date.now();
      const left = asked + upAfterMs - Date.now();
      if (left > waitMs) {
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, left)));
      return true;
    },
  };
}

const notCalled = () => Promise.reject(new Error('not called in this spec'));

function parkedPort(engine: ReturnType<typeof slowEngine>, started: string[]): ParkedCallRuns {
  return {
    recorded: true,
    ready: (ms) => engine.ready(ms),
    async start(call) {
      started.push(call.tool);
      // Up: the call would run as a run now; the spec only needs to see it start.
      throw new Error('started');
    },
    question: notCalled,
    deliver: notCalled,
    outcome: notCalled,
    cancel: notCalled,
    watch: () => {
      throw new Error('not called in this spec');
    },
  };
}

function taskPort(engine: ReturnType<typeof slowEngine>): DurableTaskRuns {
  return {
    ready: (ms) => engine.ready(ms),
    admit: notCalled,
    submit: notCalled,
    cancel: notCalled,
    lostReason: notCalled,
    question: notCalled,
    openQuestions: notCalled,
    deliver: notCalled,
    watch: () => {
      throw new Error('not called in this spec');
    },
  };
}

const agentLike = defineTool({
  name: 'agent_like',
  description: 'Stands for an agent tool.',
  inputSchema: z.object({}),
  execution: { taskSupport: 'optional', resumable: true },
  execute: () => 'ran unrecorded',
});

const REFUSED =
  /^The server's run engine is not up yet, so this (call|task) could not be recorded; try again in 5 s\.$/;

describe('a call that must be a recorded run, while the run engine is not up', () => {
  const engine = slowEngine();
  const started: string[] = [];
  const server = createTestServer({
    parkedCalls: parkedPort(engine, started),
    tasks: { durable: taskPort(engine) },
    runEngineWaitMs: 40,
  });
  server.tools.register(agentLike);

  it('refuses a 2026-07-28 call over HTTP with 503 and Retry-After after the wait, running nothing', async () => {
    const http = await serveOverHttp(server);
    try {
      const reply = await postModern(http.url, {
        method: 'tools/call',
        name: 'agent_like',
        params: { name: 'agent_like', arguments: {} },
        meta: modernEnvelope(),
      });
      expect(reply.status).toBe(503);
      expect(reply.headers.get('retry-after')).toBe('5');
      expect(reply.body.error).toMatchObject({
        code: -32004,
        message: expect.stringMatching(REFUSED),
        data: { code: 'UNAVAILABLE', retryAfterSeconds: 5 },
      });
      expect(reply.body.error?.message).toContain('this call');
    } finally {
      await http.close();
    }
    expect(started).toEqual([]);
  });

  it('refuses a 2025-11-25 call and a 2025-11-25 task the same way, each after the same wait', async () => {
    engine.waits.length = 0;
    const { client, close } = await connectLinkedClient(server);
    try {
      const call = client.callTool({ name: 'agent_like', arguments: {} });
      await expect(call).rejects.toMatchObject({ code: -32004, message: expect.stringContaining('this call') });
      const task = client.request(
        { method: 'tools/call', params: { name: 'agent_like', arguments: {}, task: {} } },
        CreateTaskResultSchema,
      );
      await expect(task).rejects.toMatchObject({ code: -32004, message: expect.stringContaining('this task') });
    } finally {
      await close();
    }
    expect(engine.waits).toEqual([40, 40]);
    expect(started).toEqual([]);
  });
});

it('starts the call as a run once the engine comes up within the wait', async () => {
  const started: string[] = [];
  const server = createTestServer({ parkedCalls: parkedPort(slowEngine(30), started), runEngineWaitMs: 5_000 });
  server.tools.register(agentLike);
  const { client, close } = await connectLinkedClient(server);
  try {
    // The double's start throws once it is reached: the call went to the run, not to an unrecorded execution.
    const result = await client.callTool({ name: 'agent_like', arguments: {} }).catch((error: unknown) => error);
    expect(result).not.toMatchObject({ content: [{ text: 'ran unrecorded' }] });
  } finally {
    await close();
  }
  expect(started).toEqual(['agent_like']);
});
