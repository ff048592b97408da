// MCP server behaviour over a real SDK Client (in-memory stdio pipes): lifecycle, tools, errors, progress,
// cancellation, logging, elicitation, roots, resources, prompts and completion.
import { z } from 'zod';
import {
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { defineTool, toolResponse } from './tool';
import { definePrompt } from './prompt-registry';
import { ToolError } from './errors';
import { connectPipeClient, sleep, testServer } from './spec-helpers/clients';

const echo = defineTool({
  name: 'echo',
  description: 'Echoes a message back.',
  inputSchema: z.object({ message: z.string().describe('What to echo') }),
  outputSchema: z.object({ echoed: z.string() }),
  annotations: { readOnlyHint: true },
  execute: ({ message }) => ({ echoed: message }),
});

describe('McpServer lifecycle', () => {
  it('negotiates the latest protocol version and advertises its capabilities', async () => {
    const { client, close } = await connectPipeClient(testServer());
    expect(client.getServerVersion()).toEqual({ name: 'test-server', version: '1.0.0' });
    expect(client.getServerCapabilities()).toMatchObject({
      tools: {},
      resources: { subscribe: true },
      prompts: {},
      logging: {},
      completions: {},
    });
    await close();
  });

  it('answers ping with an empty result', async () => {
    const { client, close } = await connectPipeClient(testServer());
    await expect(client.ping()).resolves.toEqual({});
    await close();
  });
});

describe('tools', () => {
  it('lists tools with JSON Schema input and output schemas', async () => {
    const server = testServer();
    server.tools.register(echo);
    const { client, close } = await connectPipeClient(server);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(1);
    expect(tools[0]).toMatchObject({
      name: 'echo',
      description: 'Echoes a message back.',
      inputSchema: {
        type: 'object',
        properties: { message: { type: 'string', description: 'What to echo' } },
        required: ['message'],
      },
      outputSchema: { type: 'object', properties: { echoed: { type: 'string' } } },
      annotations: { readOnlyHint: true },
    });
    await close();
  });

  it('returns structuredContent with a text rendering', async () => {
    const server = testServer();
    server.tools.register(echo);
    const { client, close } = await connectPipeClient(server);
    const result = await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    expect(result.structuredContent).toEqual({ echoed: 'hi' });
    expect(result.content).toEqual([{ type: 'text', text: JSON.stringify({ echoed: 'hi' }, null, 2) }]);
    expect(result.isError).toBeUndefined();
    await close();
  });

  it('reports invalid arguments as a tool error the model can read', async () => {
    const server = testServer();
    server.tools.register(echo);
    const { client, close } = await connectPipeClient(server);
    const result = await client.callTool({ name: 'echo', arguments: { message: 42 } });
    expect(result.isError).toBe(true);
    expect((result.content as Array<{ text: string }>)[0].text).toMatch(
      /Invalid arguments for tool echo: message: .*string/,
    );
    await close();
  });

  it('answers an unknown tool with a -32602 protocol error', async () => {
    const { client, close } = await connectPipeClient(testServer());
    await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('Tool not found: nope'),
    });
    await close();
  });

  it('shows a ToolError message but hides an unexpected error behind a reference', async () => {
    const server = testServer();
    server.tools.register(
      defineTool({
        name: 'typed',
        description: 'd',
        inputSchema: z.object({}),
        execute: () => {
          throw new ToolError('The ticket is closed');
        },
      }),
    );
    server.tools.register(
      defineTool({
        name: 'crashes',
        description: 'd',
        inputSchema: z.object({}),
        execute: () => {
          throw new Error('ECONNREFUSED /var/secret/path password=hunter2');
        },
      }),
    );
    const { client, close } = await connectPipeClient(server);
    const typed = await client.callTool({ name: 'typed', arguments: {} });
    expect(typed).toMatchObject({ isError: true, content: [{ type: 'text', text: 'The ticket is closed' }] });
    const crashed = await client.callTool({ name: 'crashes', arguments: {} });
    const text = JSON.stringify(crashed);
    expect(crashed.isError).toBe(true);
    expect(text).toMatch(/internal error \(ref [a-z0-9]+\)/);
    expect(text).not.toMatch(/secret|hunter2|ECONNREFUSED/);
    await close();
  });

  it('refuses a result that does not match the output schema', async () => {
    const server = testServer();
    server.tools.register(
      defineTool({
        name: 'liar',
        description: 'd',
        inputSchema: z.object({}),
        outputSchema: z.object({ n: z.number() }),
        execute: () => ({ n: 'x' }) as never,
      }),
    );
    const { client, close } = await connectPipeClient(server);
    const result = await client.callTool({ name: 'liar', arguments: {} });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    await close();
  });

  it('passes rich content through a ToolResponse', async () => {
    const server = testServer();
    server.tools.register(
      defineTool({
        name: 'image',
        description: 'd',
        inputSchema: z.object({}),
        execute: () => toolResponse({ content: [{ type: 'image', data: 'aGk=', mimeType: 'image/png' }] }),
      }),
    );
    const { client, close } = await connectPipeClient(server);
    expect((await client.callTool({ name: 'image', arguments: {} })).content).toEqual([
      { type: 'image', data: 'aGk=', mimeType: 'image/png' },
    ]);
    await close();
  });
});

describe('progress, logging and cancellation', () => {
  it('sends progress notifications when the client gave a progress token', async () => {
    const server = testServer();
    server.tools.register(
      defineTool({
        name: 'slow',
        description: 'd',
        inputSchema: z.object({}),
        execute: async (_p, ctx) => {
          await ctx.reportProgress({ progress: 1, total: 2, message: 'half' });
          await ctx.reportProgress('done');
          return 'ok';
        },
      }),
    );
    const { client, close } = await connectPipeClient(server);
    const seen: unknown[] = [];
    await client.callTool({ name: 'slow', arguments: {} }, undefined, { onprogress: (p) => seen.push(p) });
    expect(seen).toEqual([
      { progress: 1, total: 2, message: 'half' },
      { progress: 2, message: 'done' },
    ]);
    await close();
  });

  it('aborts the running handler on notifications/cancelled and sends no result', async () => {
    const server = testServer();
    let aborted: unknown;
    server.tools.register(
      defineTool({
        name: 'forever',
        description: 'd',
        inputSchema: z.object({}),
        execute: (_p, ctx) =>
          new Promise<string>((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => {
              aborted = ctx.signal.reason;
              reject(ctx.signal.reason);
            });
          }),
      }),
    );
    const { client, connection, stdout, close } = await connectPipeClient(server);
    const lines: string[] = [];
    stdout.on('data', (c: Buffer) => lines.push(c.toString()));
    const controller = new AbortController();
    const call = client.callTool({ name: 'forever', arguments: {} }, undefined, { signal: controller.signal });
    await sleep(20);
    controller.abort('user pressed stop');
    await expect(call).rejects.toThrow();
    await sleep(20);
    expect(aborted).toMatchObject({ code: 'CANCELLED' });
    expect(connection.session.activeRequests).toBe(0);
    expect(lines.join('')).not.toContain('"result"');
    await close();
  });

  it('filters log messages by the level the client set', async () => {
    const server = testServer();
    server.tools.register(
      defineTool({
        name: 'chatty',
        description: 'd',
        inputSchema: z.object({}),
        execute: async (_p, ctx) => {
          await ctx.log('debug', 'hidden');
          await ctx.log('error', 'shown');
          return 'ok';
        },
      }),
    );
    const { client, close } = await connectPipeClient(server);
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params));
    await client.setLoggingLevel('info');
    await client.callTool({ name: 'chatty', arguments: {} });
    expect(logs).toEqual([{ level: 'error', data: 'shown' }]);
    await close();
  });
});

describe('requests to the client', () => {
  it('elicits input from the user through the client', async () => {
    const server = testServer();
    server.tools.register(
      defineTool({
        name: 'ask',
        description: 'd',
        inputSchema: z.object({}),
        execute: async (_p, ctx) => {
          const answer = await ctx.client.elicit({
            message: 'Name?',
            requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
          });
          return `${answer.action}:${(answer.content as { name?: string } | undefined)?.name}`;
        },
      }),
    );
    const { client, close } = await connectPipeClient(server, { elicitation: {} });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }));
    expect((await client.callTool({ name: 'ask', arguments: {} })).content).toEqual([
      { type: 'text', text: 'accept:Ada' },
    ]);
    await close();
  });

  it('fails elicitation clearly when the client does not support it', async () => {
    const server = testServer();
    server.tools.register(
      defineTool({
        name: 'ask',
        description: 'd',
        inputSchema: z.object({}),
        execute: async (_p, ctx) =>
          (await ctx.client.elicit({ message: 'x', requestedSchema: { type: 'object', properties: {} } })).action,
      }),
    );
    const { client, close } = await connectPipeClient(server);
    const result = await client.callTool({ name: 'ask', arguments: {} });
    expect(result).toMatchObject({ isError: true, content: [{ text: 'The client does not support elicitation' }] });
    await close();
  });

  it('asks the client for its roots once and caches them', async () => {
    const server = testServer();
    server.tools.register(
      defineTool({
        name: 'roots',
        description: 'd',
        inputSchema: z.object({}),
        execute: async (_p, ctx) => (await ctx.roots()).map((r) => r.uri).join(','),
      }),
    );
    const { client, close } = await connectPipeClient(server, { roots: { listChanged: true } });
    let asked = 0;
    client.setRequestHandler(
      ListRootsRequestSchema,
      async () => (asked++, { roots: [{ uri: 'file:///work', name: 'work' }] }),
    );
    expect((await client.callTool({ name: 'roots', arguments: {} })).content).toEqual([
      { type: 'text', text: 'file:///work' },
    ]);
    await client.callTool({ name: 'roots', arguments: {} });
    expect(asked).toBe(1);
    await client.sendRootsListChanged();
    await sleep(10);
    await client.callTool({ name: 'roots', arguments: {} });
    expect(asked).toBe(2);
    await close();
  });
});

describe('resources, prompts and completion', () => {
  function richServer() {
    const server = testServer();
    server.resources.register({
      uri: 'test://static',
      name: 'static',
      metadata: { mimeType: 'text/plain' },
      read: () => 'hello',
    });
    server.resources.registerTemplate({
      uriTemplate: 'test://items/{id}',
      name: 'item',
      metadata: { mimeType: 'application/json' },
      complete: { id: (value) => ['alpha', 'beta', 'alpine'].filter((v) => v.startsWith(value)) },
      read: (uri, { id }) => [{ uri, mimeType: 'application/json', text: JSON.stringify({ id }) }],
    });
    server.prompts.register(
      definePrompt({
        name: 'greet',
        description: 'Greets someone',
        arguments: z.object({ name: z.string().describe('Who'), mood: z.string().optional() }),
        complete: { name: (v) => ['Ada', 'Alan'].filter((n) => n.startsWith(v)) },
        get: ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hello ${name}` } }] }),
      }),
    );
    return server;
  }

  it('lists and reads static and templated resources', async () => {
    const { client, close } = await connectPipeClient(richServer());
    expect((await client.listResources()).resources).toEqual([
      { uri: 'test://static', name: 'static', mimeType: 'text/plain' },
    ]);
    expect((await client.listResourceTemplates()).resourceTemplates).toEqual([
      { uriTemplate: 'test://items/{id}', name: 'item', mimeType: 'application/json' },
    ]);
    expect((await client.readResource({ uri: 'test://static' })).contents).toEqual([
      { uri: 'test://static', mimeType: 'text/plain', text: 'hello' },
    ]);
    expect((await client.readResource({ uri: 'test://items/42' })).contents[0]).toMatchObject({ text: '{"id":"42"}' });
    await expect(client.readResource({ uri: 'test://missing' })).rejects.toMatchObject({ code: -32002 });
    await close();
  });

  it('gets prompts with validated arguments', async () => {
    const { client, close } = await connectPipeClient(richServer());
    expect((await client.listPrompts()).prompts).toEqual([
      {
        name: 'greet',
        description: 'Greets someone',
        arguments: [
          { name: 'name', description: 'Who', required: true },
          { name: 'mood', required: false },
        ],
      },
    ]);
    expect((await client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } })).messages[0].content).toEqual({
      type: 'text',
      text: 'Hello Ada',
    });
    await expect(client.getPrompt({ name: 'greet', arguments: {} })).rejects.toMatchObject({ code: -32602 });
    await close();
  });

  it('completes prompt arguments and template variables', async () => {
    const { client, close } = await connectPipeClient(richServer());
    const prompt = await client.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'name', value: 'A' },
    });
    expect(prompt.completion).toEqual({ values: ['Ada', 'Alan'], total: 2, hasMore: false });
    const template = await client.complete({
      ref: { type: 'ref/resource', uri: 'test://items/{id}' },
      argument: { name: 'id', value: 'al' },
    });
    expect(template.completion.values).toEqual(['alpha', 'alpine']);
    await close();
  });

  it('notifies subscribers when a resource changes', async () => {
    const server = richServer();
    const { client, close } = await connectPipeClient(server);
    const updates: string[] = [];
    const { ResourceUpdatedNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    await client.subscribeResource({ uri: 'test://static' });
    server.notifyResourceUpdated('test://static');
    server.notifyResourceUpdated('test://other');
    await sleep(10);
    await client.unsubscribeResource({ uri: 'test://static' });
    server.notifyResourceUpdated('test://static');
    await sleep(10);
    expect(updates).toEqual(['test://static']);
    await close();
  });
});
