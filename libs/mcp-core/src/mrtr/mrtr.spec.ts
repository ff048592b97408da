// Multi-round-trip requests (MCP 2026-07-28) through the one client API of tool authors: a tool that calls
// `ctx.client.elicit` (or `createMessage`, or asks for roots) answers a modern client with `input_required` and
// completes on its retry, while a 2025-11-25 session gets the request on its stream, with the real SDK v2 client
// in both modes over HTTP. Raw requests show what the client cannot do: alter, replay or move the requestState to
// another call, and a retry reaching another replica that shares the key and the ledger continues there.
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { JsonRpcErrorCode } from '../errors';
import { type HttpFixture, startHttp, testServer } from '../spec-helpers/clients';
import { modernEnvelope, postModern } from '../testing/modern-requests';
import { type McpServer } from '../server';
import { defineTool } from '../tool';
import { InMemoryRequestStateLedger } from './ledger';

jest.setTimeout(30_000);

const VERSION = '2026-07-28';
type Negotiation = ConstructorParameters<typeof Client>[1];
const MODERN: Negotiation = { versionNegotiation: { mode: { pin: VERSION } } };

/** Registers `book` (one confirmation) and `survey` (three questions at once); counts what really happened. */
function withTools(server: McpServer, seen: { booked: number; runs: number }): McpServer {
  server.tools.register(
    defineTool({
      name: 'book',
      description: 'books a table once the user confirms',
      inputSchema: z.object({ table: z.number() }),
      execute: async ({ table }, ctx) => {
        seen.runs += 1;
        const answer = await ctx.client.elicit(
          {
            message: `Book table ${table}?`,
            requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          },
          { key: 'confirm' },
        );
        if (answer.action !== 'accept') return 'not booked';
        // The side effect comes after the question: a round that ends in input_required has done nothing.
        seen.booked += 1;
        return `table ${table} booked for ${String(answer.content?.name)}`;
      },
    }),
  );
  server.tools.register(
    defineTool({
      name: 'survey',
      description: 'asks a name, the model and the roots at once',
      inputSchema: z.object({}),
      execute: async (_args, ctx) => {
        seen.runs += 1;
        const [name, model, roots] = await Promise.all([
          ctx.client.elicit({
            message: 'Name?',
            requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
          }),
          ctx.client.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }],
            maxTokens: 10,
          }),
          ctx.roots(),
        ]);
        const said = Array.isArray(model.content) ? '' : model.content.type === 'text' ? model.content.text : '';
        return `${String(name.content?.name)}/${said}/${roots.map((r) => r.uri).join(',')}`;
      },
    }),
  );
  server.tools.register(
    defineTool({
      name: 'propose',
      description: 'drafts a proposal once, then asks for approval; the retry picks the draft up without redoing it',
      inputSchema: z.object({}),
      execute: async (_args, ctx) => {
        seen.runs += 1;
        let draft = ctx.client.kept<string>('draft');
        if (!draft) {
          seen.booked += 1; // drafting is the expensive part that must not run again
          draft = `draft-${seen.booked}`;
          ctx.client.keep('draft', draft);
        }
        const answer = await ctx.client.elicit(
          { message: `Approve ${draft}?`, requestedSchema: { type: 'object', properties: {} } },
          { key: `approve-${draft}` },
        );
        return `${draft} ${answer.action}`;
      },
    }),
  );
  return server;
}

async function connect(f: HttpFixture, options: Negotiation, capabilities: Record<string, unknown>): Promise<Client> {
  const client = new Client({ name: 'mrtr-spec', version: '1.0.0' }, { ...options, capabilities });
  if (capabilities.elicitation)
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Ada' } }));
  if (capabilities.sampling)
    client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'hi' },
      model: 'client-model',
    }));
  if (capabilities.roots)
    client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }));
  await client.connect(new StreamableHTTPClientTransport(f.url));
  return client;
}

const ALL = { elicitation: {}, sampling: {}, roots: {} };

describe('one client API, both eras, with the SDK v2 client', () => {
  const seen = { booked: 0, runs: 0 };
  let f: HttpFixture;
  beforeAll(async () => {
    f = await startHttp(withTools(testServer(), seen));
  });
  afterAll(() => f.close());
  beforeEach(() => Object.assign(seen, { booked: 0, runs: 0 }));

  it('a modern client answers input_required and its retry completes the call, with no session', async () => {
    const client = await connect(f, MODERN, ALL);
    try {
      const result = await client.callTool({ name: 'book', arguments: { table: 4 } });
      expect(result.content).toEqual([{ type: 'text', text: 'table 4 booked for Ada' }]);
      expect(seen).toEqual({ booked: 1, runs: 2 });
      expect(f.handler.sessionCount).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('a 2025-11-25 session gets the elicitation request on its stream, the tool running once', async () => {
    const client = await connect(f, {}, ALL);
    try {
      expect(client.getProtocolEra()).toBe('legacy');
      const result = await client.callTool({ name: 'book', arguments: { table: 5 } });
      expect(result.content).toEqual([{ type: 'text', text: 'table 5 booked for Ada' }]);
      expect(seen).toEqual({ booked: 1, runs: 1 });
    } finally {
      await client.close();
    }
  });

  it('questions asked together go out in one round (elicitation, sampling and roots)', async () => {
    const client = await connect(f, MODERN, ALL);
    try {
      const result = await client.callTool({ name: 'survey', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'Ada/hi/file:///work' }]);
      expect(seen.runs).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('a value kept in the first round reaches the retry sealed, so work before the question is not redone', async () => {
    const client = await connect(f, MODERN, ALL);
    try {
      const result = await client.callTool({ name: 'propose', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'draft-1 accept' }]);
      expect(seen).toEqual({ booked: 1, runs: 2 });
    } finally {
      await client.close();
    }
  });

  it('a modern client that did not declare elicitation gets -32021 naming it', async () => {
    const client = await connect(f, MODERN, { sampling: {} });
    try {
      await expect(client.callTool({ name: 'book', arguments: { table: 6 } })).rejects.toMatchObject({
        code: JsonRpcErrorCode.MissingRequiredClientCapability,
      });
      expect(seen.booked).toBe(0);
    } finally {
      await client.close();
    }
  });
});

interface Reply {
  readonly result?: Record<string, unknown> & { requestState?: string; inputRequests?: Record<string, unknown> };
  readonly error?: { code: number; message: string; data?: { code?: string } };
}

/** One modern tools/call, as raw JSON-RPC. */
async function call(f: HttpFixture, params: Record<string, unknown>): Promise<Reply> {
  const reply = await postModern<Reply>(f.url, {
    method: 'tools/call',
    params,
    meta: modernEnvelope({ elicitation: {} }),
    name: String(params.name),
  });
  return reply.body;
}

const ACCEPT = { confirm: { action: 'accept', content: { name: 'Ada' } } };

describe('requestState across replicas, and what a client cannot do with it', () => {
  const key = randomBytes(32);
  const ledger = new InMemoryRequestStateLedger();
  const seen = { booked: 0, runs: 0 };
  let a: HttpFixture;
  let b: HttpFixture;
  let stranger: HttpFixture;

  beforeAll(async () => {
    // Two replicas sharing the key and the ledger (as with REQUEST_STATE_KEY and Redis or one database), and a
    // server with a key of its own.
    a = await startHttp(withTools(testServer({ requestState: { keys: [key], ledger } }), seen));
    b = await startHttp(withTools(testServer({ requestState: { keys: [key], ledger } }), seen));
    stranger = await startHttp(withTools(testServer(), seen));
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), stranger.close()]);
  });

  async function firstRound(): Promise<string> {
    const reply = await call(a, { name: 'book', arguments: { table: 1 } });
    expect(reply.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: { confirm: { method: 'elicitation/create', params: { message: 'Book table 1?' } } },
    });
    return reply.result?.requestState as string;
  }

  it('a retry on the other replica continues the call; sent again, it is refused as replayed', async () => {
    const state = await firstRound();
    const done = await call(b, { name: 'book', arguments: { table: 1 }, inputResponses: ACCEPT, requestState: state });
    expect(done.result).toMatchObject({ resultType: 'complete', content: [{ text: 'table 1 booked for Ada' }] });
    const again = await call(a, { name: 'book', arguments: { table: 1 }, inputResponses: ACCEPT, requestState: state });
    expect(again.error).toMatchObject({
      code: JsonRpcErrorCode.InvalidParams,
      data: { code: 'REQUEST_STATE_REPLAYED' },
    });
  });

  it('an altered state, or one reaching a server without the key, is refused and nothing runs past the question', async () => {
    const state = await firstRound();
    const booked = seen.booked;
    // The second-to-last character replaced by another (the last may carry only padding bits of base64url).
    const altered = `${state.slice(0, -2)}${state.at(-2) === 'A' ? 'B' : 'A'}${state.slice(-1)}`;
    expect(altered).not.toBe(state);
    for (const [target, requestState] of [
      [a, altered],
      [stranger, state],
    ] as const) {
      const reply = await call(target, { name: 'book', arguments: { table: 1 }, inputResponses: ACCEPT, requestState });
      expect(reply.error).toMatchObject({
        code: JsonRpcErrorCode.InvalidParams,
        data: { code: 'INVALID_REQUEST_STATE' },
      });
      expect(reply.error?.message).toMatch(/integrity check/);
    }
    expect(seen.booked).toBe(booked);
  });

  it('a state presented with other arguments is refused', async () => {
    const state = await firstRound();
    const reply = await call(b, {
      name: 'book',
      arguments: { table: 99 },
      inputResponses: ACCEPT,
      requestState: state,
    });
    expect(reply.error).toMatchObject({ data: { code: 'REQUEST_STATE_MISMATCH' } });
  });

  it('answers to questions the state did not ask are ignored: the question is asked again', async () => {
    const state = await firstRound();
    const reply = await call(b, {
      name: 'book',
      arguments: { table: 1 },
      inputResponses: { other: { action: 'accept', content: { name: 'Eve' } } },
      requestState: state,
    });
    expect(reply.result).toMatchObject({ resultType: 'input_required', inputRequests: { confirm: {} } });
    expect(reply.result?.requestState).not.toBe(state);
  });

  it('an answer of the wrong shape is a -32602 naming the key', async () => {
    const state = await firstRound();
    const reply = await call(b, {
      name: 'book',
      arguments: { table: 1 },
      inputResponses: { confirm: { action: 'maybe' } },
      requestState: state,
    });
    expect(reply.error).toMatchObject({ code: JsonRpcErrorCode.InvalidParams });
    expect(reply.error?.message).toMatch(/inputResponses\.confirm/);
  });
});
