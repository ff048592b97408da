// The neutral sampling port of a call (RequestContext.sampling) over MCP sampling/createMessage, answered by the
// SDK's real Client over stdio pipes and over Streamable HTTP: absent without the capability, tools only with
// sampling.tools, tool_use / tool_result blocks both ways, and the request abandoned when the call is cancelled.
import { z } from 'zod';
import {
  CreateMessageRequestSchema,
  type CreateMessageRequest,
  type CreateMessageResult,
} from '@modelcontextprotocol/sdk/types.js';
import { type SampleRequest } from '@agent-mcp/context';
import { defineTool } from './tool';
import { connectHttpClient, connectPipeClient, sleep, startHttp, testServer } from './spec-helpers/clients';

const REQUEST: SampleRequest = {
  systemPrompt: 'Be brief.',
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'What is hello?' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'lookup', input: { word: 'hello' } }] },
    { role: 'user', content: [{ type: 'tool_result', toolUseId: 'tu_1', text: 'a greeting' }] },
  ],
  tools: [
    {
      name: 'lookup',
      description: 'Looks a word up',
      inputSchema: { type: 'object', properties: { word: { type: 'string' } } },
    },
  ],
  toolChoice: 'auto',
  maxTokens: 200,
  modelHint: 'small',
};

function samplingServer() {
  const server = testServer();
  server.tools.register(
    defineTool({
      name: 'ask_client_model',
      description: 'Asks the client model through the neutral sampling port.',
      inputSchema: z.object({}),
      async execute(_args, ctx) {
        if (!ctx.sampling) return 'no sampling';
        return JSON.stringify({
          supportsTools: ctx.sampling.supportsTools,
          result: await ctx.sampling.sample(REQUEST),
        });
      },
    }),
  );
  return server;
}

const ANSWER: CreateMessageResult = {
  model: 'client-model',
  role: 'assistant',
  stopReason: 'toolUse',
  content: [
    { type: 'text', text: 'Checking.' },
    { type: 'tool_use', id: 'tu_2', name: 'lookup', input: { word: 'bye' } },
  ],
} as unknown as CreateMessageResult;

describe('RequestContext.sampling over MCP', () => {
  it('is absent when the client cannot sample', async () => {
    const { client, close } = await connectPipeClient(samplingServer());
    const result = await client.callTool({ name: 'ask_client_model', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'no sampling' }]);
    await close();
  });

  it.each(['stdio', 'http'] as const)(
    'sends tools, tool_use and tool_result blocks and reads tool calls back (%s)',
    async (transport) => {
      const seen: CreateMessageRequest['params'][] = [];
      const server = samplingServer();
      const http = transport === 'http' ? await startHttp(server) : undefined;
      const capabilities = { sampling: { tools: {} } };
      const connected = http
        ? await connectHttpClient(http.url, capabilities)
        : await connectPipeClient(server, capabilities);
      connected.client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        seen.push(request.params);
        return ANSWER;
      });
      const result = await connected.client.callTool({ name: 'ask_client_model', arguments: {} });
      const text = (result.content as { text: string }[])[0].text;
      expect(JSON.parse(text)).toEqual({
        supportsTools: true,
        result: {
          model: 'client-model',
          stopReason: 'toolUse',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'tu_2', name: 'lookup', input: { word: 'bye' } },
          ],
        },
      });
      expect(seen[0]).toMatchObject({
        systemPrompt: 'Be brief.',
        maxTokens: 200,
        includeContext: 'none',
        modelPreferences: { hints: [{ name: 'small' }] },
        toolChoice: { mode: 'auto' },
        tools: [{ name: 'lookup', inputSchema: { type: 'object' } }],
        messages: [
          { role: 'user', content: { type: 'text', text: 'What is hello?' } },
          { role: 'assistant', content: { type: 'tool_use', id: 'tu_1', name: 'lookup', input: { word: 'hello' } } },
          {
            role: 'user',
            content: { type: 'tool_result', toolUseId: 'tu_1', content: [{ type: 'text', text: 'a greeting' }] },
          },
        ],
      });
      await connected.client.close();
      await http?.close();
    },
  );

  it('leaves tools out when the client did not declare sampling.tools', async () => {
    const seen: CreateMessageRequest['params'][] = [];
    const { client, close } = await connectPipeClient(samplingServer(), { sampling: {} });
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      seen.push(request.params);
      return { model: 'plain', role: 'assistant', content: { type: 'text', text: 'hi' } };
    });
    const result = await client.callTool({ name: 'ask_client_model', arguments: {} });
    expect(JSON.parse((result.content as { text: string }[])[0].text)).toMatchObject({
      supportsTools: false,
      result: { model: 'plain', content: [{ type: 'text', text: 'hi' }] },
    });
    expect(seen[0].tools).toBeUndefined();
    expect(seen[0].toolChoice).toBeUndefined();
    await close();
  });

  it('tells the client to drop the sampling request when the tool call is cancelled', async () => {
    const { client, close } = await connectPipeClient(samplingServer(), { sampling: { tools: {} } });
    let samplingSignal: AbortSignal | undefined;
    client.setRequestHandler(CreateMessageRequestSchema, (_request, extra) => {
      samplingSignal = extra.signal;
      return new Promise<CreateMessageResult>(() => undefined);
    });
    const controller = new AbortController();
    const call = client.callTool({ name: 'ask_client_model', arguments: {} }, undefined, { signal: controller.signal });
    while (!samplingSignal) await sleep(5);
    controller.abort();
    await expect(call).rejects.toThrow();
    for (let i = 0; i < 100 && !samplingSignal.aborted; i++) await sleep(5);
    expect(samplingSignal.aborted).toBe(true);
    await close();
  });
});
