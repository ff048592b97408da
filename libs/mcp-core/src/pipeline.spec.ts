// The request pipeline: the seed's order, typed refusals, visibility that hides tools from lists and calls.
import { z } from 'zod';
import { type Principal } from '@agent-mcp/context';
import { composeStages, createPipeline, type PipelineRequest, type Stage } from './pipeline';
import { defineTool } from './tool';
import { connectPipeClient, testServer } from './spec-helpers/clients';

function request(overrides: Partial<PipelineRequest> = {}): PipelineRequest {
  return {
    method: 'tools/call',
    params: {},
    sessionId: undefined,
    transport: { kind: 'memory' },
    target: undefined,
    principal: undefined,
    visibility: {},
    ...overrides,
  };
}

const alice: Principal = { id: 'alice', scopes: ['read'], via: 'api_key' };

describe('composeStages', () => {
  it('runs stages in order and stops at the first refusal', async () => {
    const seen: string[] = [];
    const stage =
      (name: string, refuse = false): Stage =>
      async (_r, next) => {
        seen.push(name);
        if (refuse) throw new Error(`refused by ${name}`);
        await next();
      };
    await expect(composeStages([stage('a'), stage('b', true), stage('c')])(request())).rejects.toThrow('refused by b');
    expect(seen).toEqual(['a', 'b']);
  });

  it('fails loudly when a stage calls next() twice', async () => {
    const twice: Stage = async (_r, next) => {
      await next();
      await next();
    };
    await expect(composeStages([twice])(request())).rejects.toThrow('next() called more than once');
  });
});

describe('createPipeline', () => {
  it('lets everything through as the anonymous principal by default', async () => {
    const r = request();
    await createPipeline()(r);
    expect(r.principal?.id).toBe('anonymous');
  });

  it('applies the seed order: authenticate, rate limit, permission, tool access, resource access', async () => {
    const order: string[] = [];
    const r = request({ target: { kind: 'tool', name: 'x' } });
    await createPipeline({
      authenticate: { authenticator: () => (order.push('authenticate'), alice) },
      rateLimit: { limiter: () => (order.push('rate limit'), { allowed: true }) },
      permission: { allow: () => (order.push('permission'), true) },
      toolAccess: { canUse: () => (order.push('tool access'), true) },
      resourceAccess: { canRead: () => (order.push('resource access'), true) },
    })(r);
    expect(order).toEqual(['authenticate', 'rate limit', 'permission', 'tool access']);
    expect(r.visibility.resource?.('any://x')).toBe(true);
  });

  it('refuses with typed errors carrying HTTP statuses', async () => {
    await expect(createPipeline({ authenticate: { authenticator: () => undefined } })(request())).rejects.toMatchObject(
      { code: 'AUTHENTICATION_REQUIRED', httpStatus: 401 },
    );
    await expect(
      createPipeline({ rateLimit: { limiter: () => ({ allowed: false, retryAfterSeconds: 2.2 }) } })(request()),
    ).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      httpStatus: 429,
      httpHeaders: { 'retry-after': '3' },
    });
    await expect(createPipeline({ permission: { allow: () => 'read-only key' } })(request())).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'read-only key',
      httpStatus: 403,
    });
  });
});

describe('tool access through the server', () => {
  it('hides a forbidden tool from tools/list and answers calls to it as unknown', async () => {
    let ran = false;
    const server = testServer({
      pipeline: createPipeline({ toolAccess: { canUse: (_p, tool) => tool !== 'secret' } }),
    });
    server.tools.register(
      defineTool({ name: 'public', description: 'd', inputSchema: z.object({}), execute: () => 'ok' }),
    );
    server.tools.register(
      defineTool({
        name: 'secret',
        description: 'd',
        inputSchema: z.object({}),
        execute: () => ((ran = true), 'leaked'),
      }),
    );
    const { client, close } = await connectPipeClient(server);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['public']);
    await expect(client.callTool({ name: 'secret', arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('Tool not found: secret'),
    });
    expect(ran).toBe(false);
    await close();
  });
});
