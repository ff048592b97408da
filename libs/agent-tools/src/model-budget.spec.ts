// The model-token budget seam as a tool sees it: `ctx.modelBudget` is bound to the caller, and a used-up budget
// fails the call as a rate limit (JSON-RPC error with the retry hint; HTTP 429 with Retry-After), not as a tool result:
// mapAgentError makes it a RateLimitError, which mcp-core answers like the pipeline's own.
import { z } from 'zod';
import { type ModelUsageMeter, type Principal, withModelBudget } from '@agent-mcp/context';
import { AuthenticationError, createPipeline, defineTool } from '@agent-mcp/mcp-core';
import { mapAgentError } from './map-agent-error';
import { createTestServer, type HttpTestServer, serveOverHttp } from '@agent-mcp/mcp-core/testing';

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('model-token budget', () => {
  let f: HttpTestServer;
  const used = new Map<string, number>();
  beforeAll(async () => {
    const meter: ModelUsageMeter = {
      check: async (p) =>
        (used.get(p.id) ?? 0) >= 100 ? { allowed: false, retryAfterSeconds: 17 } : { allowed: true },
      charge: async (p, tokens) => {
        used.set(p.id, (used.get(p.id) ?? 0) + tokens);
      },
    };
    const server = createTestServer({
      modelUsageMeter: meter,
      pipeline: createPipeline({
        authenticate: {
          authenticator: (request): Principal => {
            const who = request.transport.headers?.authorization;
            if (typeof who !== 'string') throw new AuthenticationError();
            return { id: who, scopes: [], via: 'api_key' };
          },
        },
      }),
    });
    server.tools.register(
      defineTool({
        name: 'spend',
        description: 'Pretends to run a model that uses the given number of tokens.',
        inputSchema: z.object({ tokens: z.number().int() }),
        execute: async ({ tokens }, ctx) =>
          withModelBudget(ctx, async (observer) => {
            observer.onRunStarted({ runId: 'r', parentRunId: undefined });
            observer.onRunFinished({
              runId: 'r',
              usage: { inputTokens: tokens, outputTokens: 0, totalTokens: tokens },
            });
            return `spent ${tokens}`;
          }).catch((error: unknown) => {
            throw mapAgentError(error, 'spend');
          }),
      }),
    );
    f = await serveOverHttp(server);
  });
  afterAll(() => f.close());

  const call = async (who: string, tokens: number) => {
    const init = await fetch(f.url, {
      method: 'POST',
      headers: { ...HEADERS, authorization: who },
      body: JSON.stringify(INIT),
    });
    await init.json();
    const session = init.headers.get('mcp-session-id') as string;
    return fetch(f.url, {
      method: 'POST',
      headers: { ...HEADERS, authorization: who, 'mcp-session-id': session },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'spend', arguments: { tokens } },
      }),
    });
  };

  it('charges the caller and, once its budget is used up, answers 429 with Retry-After and the limit named', async () => {
    expect((await call('alice', 120)).status).toBe(200);
    expect(used.get('alice')).toBe(120);
    const refused = await call('alice', 1);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('17');
    expect(await refused.json()).toMatchObject({
      error: { code: -32003, data: { retryAfterSeconds: 17, limit: 'model_tokens' } },
    });
    expect(used.get('alice')).toBe(120);
    // Another principal's budget is untouched.
    expect((await call('bob', 1)).status).toBe(200);
  });
});
