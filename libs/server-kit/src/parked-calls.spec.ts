// Calls parked on their runs over the in-process runs (`createLocalRuns`, the embedded default's): a 2026-07-28 call
// of a resumable tool that asks twice runs its handler once, waiting in its run for each answer the client's retries
// deliver, where a server without runs would run it again on each retry. A real McpServer over HTTP, raw 2026-07-28
// requests; a replayed requestState is refused, and a retry that leaves the question unanswered is asked it again.
import { noopLogger } from '@agent-mcp/context';
import { createLocalRuns } from '@agent-mcp/durable-runs';
import { defineTool, McpServer } from '@agent-mcp/mcp-core';
import { type HttpTestServer, modernEnvelope, postModern, serveOverHttp } from '@agent-mcp/mcp-core/testing';
import { z } from 'zod';
import { parkedCallRuns } from './parked-calls';

const FORM = { type: 'object' as const, properties: {} };

interface Reply {
  result?: Record<string, unknown> & { requestState?: string; inputRequests?: Record<string, { method: string }> };
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

const seen = { runs: 0 };
let served: HttpTestServer;

beforeAll(async () => {
  const parked = parkedCallRuns(createLocalRuns());
  const server = new McpServer({
    name: 'parked-spec',
    version: '1.0.0',
    logger: noopLogger,
    parkedCalls: parked.port,
    // A run left waiting by a test ends within two seconds.
    requestState: { ttlMs: 2000 },
  });
  server.tools.register(
    defineTool({
      name: 'ask_twice',
      description: 'asks two questions, one after the other',
      inputSchema: z.object({}),
      execution: { taskSupport: 'forbidden', resumable: true },
      execute: async (_args, ctx) => {
        seen.runs += 1;
        const first = await ctx.client.elicit({ message: 'First?', requestedSchema: FORM });
        const second = await ctx.client.elicit({ message: 'Second?', requestedSchema: FORM });
        return `${first.action} then ${second.action}; parked: ${ctx.client.parked}`;
      },
    }),
  );
  server.tools.register(
    defineTool({
      name: 'confirm_twice',
      description: 'asks the same confirmation twice',
      inputSchema: z.object({}),
      execution: { taskSupport: 'forbidden', resumable: true },
      execute: async (_args, ctx) => {
        const first = await ctx.client.elicit({ message: 'Sure?', requestedSchema: FORM });
        const second = await ctx.client.elicit({ message: 'Sure?', requestedSchema: FORM });
        return `${first.action} then ${second.action}`;
      },
    }),
  );
  parked.define(server);
  served = await serveOverHttp(server);
});

afterAll(async () => {
  await served?.close();
});

/** One raw 2026-07-28 call of `tool`, from a client that declares form elicitation; `params` after the name. */
const call = async (params: Record<string, unknown>, tool = 'ask_twice'): Promise<Reply> =>
  (
    await postModern<Reply>(served.url, {
      method: 'tools/call',
      name: tool,
      params: { name: tool, arguments: {}, ...params },
      meta: modernEnvelope({ elicitation: { form: {} } }),
    })
  ).body;

it('runs the handler once across its rounds: each retry delivers an answer to the waiting run', async () => {
  seen.runs = 0;
  const first = await call({});
  expect(first.result).toMatchObject({
    resultType: 'input_required',
    inputRequests: { 'elicitation-1': { method: 'elicitation/create' } },
  });
  const second = await call({
    requestState: first.result?.requestState,
    inputResponses: { 'elicitation-1': { action: 'accept', content: {} } },
  });
  expect(second.result).toMatchObject({
    resultType: 'input_required',
    inputRequests: { 'elicitation-2': { method: 'elicitation/create' } },
  });
  const retry = {
    requestState: second.result?.requestState,
    inputResponses: { 'elicitation-2': { action: 'decline' } },
  };
  const done = await call(retry);
  expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'accept then decline; parked: true' }] });
  expect(seen.runs).toBe(1);

  const again = await call(retry);
  expect(again.error).toMatchObject({ code: -32602, data: { reason: 'REQUEST_STATE_REPLAYED' } });
  expect(seen.runs).toBe(1);
});

it('asks a retry that does not answer the question the same question again, the state still good', async () => {
  seen.runs = 0;
  const first = await call({});
  const state = first.result?.requestState;
  // No inputResponses, then answers to another key: the same question back, nothing delivered or used up.
  for (const inputResponses of [undefined, { other: { action: 'accept', content: {} } }]) {
    const unanswered = await call({ requestState: state, ...(inputResponses ? { inputResponses } : {}) });
    expect(unanswered.error).toBeUndefined();
    expect(unanswered.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: { 'elicitation-1': { method: 'elicitation/create', params: { message: 'First?' } } },
      requestState: expect.any(String),
    });
    expect(unanswered.result?.requestState).not.toBe(state);
  }
  // A malformed answer is refused, and delivers nothing either.
  const malformed = await call({ requestState: state, inputResponses: { 'elicitation-1': { action: 'maybe' } } });
  expect(malformed.error).toMatchObject({ code: -32602, message: expect.stringContaining('elicitation-1') });
  // The state given back answers the question; the first one, still good until then, answers it too.
  const again = await call({ requestState: state });
  const second = await call({
    requestState: again.result?.requestState,
    inputResponses: { 'elicitation-1': { action: 'accept', content: {} } },
  });
  expect(second.result).toMatchObject({ inputRequests: { 'elicitation-2': { method: 'elicitation/create' } } });
  // Its question answered, the first state is refused: the answer is never delivered twice.
  const replayed = await call({ requestState: state, inputResponses: { 'elicitation-1': { action: 'cancel' } } });
  expect(replayed.error).toMatchObject({ code: -32602, data: { reason: 'REQUEST_STATE_REPLAYED' } });
  const done = await call({
    requestState: second.result?.requestState,
    inputResponses: { 'elicitation-2': { action: 'decline' } },
  });
  expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'accept then decline; parked: true' }] });
  expect(seen.runs).toBe(1);
});

it('takes the answers a first request brings ahead into its run, and asks only what they leave open', async () => {
  seen.runs = 0;
  const first = await call({ inputResponses: { 'elicitation-1': { action: 'accept', content: {} } } });
  expect(first.result).toMatchObject({
    resultType: 'input_required',
    inputRequests: { 'elicitation-2': { method: 'elicitation/create', params: { message: 'Second?' } } },
  });
  const done = await call({
    requestState: first.result?.requestState,
    inputResponses: { 'elicitation-2': { action: 'decline' } },
  });
  // Parked, and run once: served by reruns, the handler would have run twice and not be parked.
  expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'accept then decline; parked: true' }] });
  expect(seen.runs).toBe(1);
});

it('asks the same confirmation twice as two questions, each answered on its own', async () => {
  const first = await call({}, 'confirm_twice');
  expect(first.result).toMatchObject({
    inputRequests: { 'elicitation-1': { method: 'elicitation/create', params: { message: 'Sure?' } } },
  });
  const second = await call(
    {
      requestState: first.result?.requestState,
      inputResponses: { 'elicitation-1': { action: 'accept', content: {} } },
    },
    'confirm_twice',
  );
  // Not answered by the first answer: asked again, under a key of its own.
  expect(second.result).toMatchObject({
    resultType: 'input_required',
    inputRequests: { 'elicitation-2': { method: 'elicitation/create', params: { message: 'Sure?' } } },
  });
  const done = await call(
    { requestState: second.result?.requestState, inputResponses: { 'elicitation-2': { action: 'decline' } } },
    'confirm_twice',
  );
  expect(done.result).toMatchObject({ content: [{ type: 'text', text: 'accept then decline' }] });
});
