// Checks both wire adapters end to end: the real openai client, over loopback HTTP, against the scripted server,
// on the Responses API and Chat Completions, plain and streamed: a tool call, its result sent back, a final answer.
import { z } from 'zod';
import { Agent } from '../agent';
import { MissingConfigError, UserError } from '../errors';
import { type ModelProvider } from '../model';
import { run, runStreamed } from '../run';
import { type ScriptedServer, createScriptedServer } from '../testing/scripted-server';
import { jsonTurn, textTurn, toolCallTurn } from '../testing/script';
import { tool, webSearchTool } from '../tool';
import { createOpenAIProvider } from './provider';

const KEY = 'sk-scripted-secret-1234567890';

const weather = tool({
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => ({ city, sky: 'sunny' }),
});

describe.each(['responses', 'chat'] as const)('OpenAI %s adapter', (api) => {
  let server: ScriptedServer;
  let provider: ModelProvider;

  beforeEach(async () => {
    server = await createScriptedServer({ apiKey: KEY });
    provider = createOpenAIProvider({
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url, OPENAI_API: api, OPENAI_MODEL: 'gpt-test' },
    });
  });
  afterEach(() => server.close());

  const agent = new Agent({ name: 'weather', instructions: 'Answer briefly.', tools: [weather] });

  it('runs a tool call and a final answer, sending the tool result back', async () => {
    server.enqueue(
      toolCallTurn({ name: 'get_weather', arguments: { city: 'Paris' }, callId: 'call_w1' }),
      textTurn('Sunny in Paris.'),
    );
    const result = await run(agent, 'Weather in Paris?', { modelProvider: provider });
    expect(result.finalOutput).toBe('Sunny in Paris.');
    expect(result.usage.requests).toBe(2);
    expect(server.requests.map((r) => r.api)).toEqual([api, api]);
    expect(server.requests[0]?.body.model).toBe('gpt-test');
    const second = server.requests[1]?.rawBody ?? '';
    expect(second).toContain('call_w1');
    expect(second).toContain(JSON.stringify(JSON.stringify({ city: 'Paris', sky: 'sunny' })).slice(1, -1));
  });

  it('streams text deltas, tool events and the final result', async () => {
    server.enqueue(
      toolCallTurn({ name: 'get_weather', arguments: { city: 'Oslo' } }),
      textTurn('Sunny in Oslo today.'),
    );
    const stream = runStreamed(agent, 'Weather in Oslo?', { modelProvider: provider });
    const types = new Set<string>();
    let text = '';
    for await (const event of stream) {
      types.add(event.type);
      if (event.type === 'text_delta') text += event.delta;
    }
    expect(text).toBe('Sunny in Oslo today.');
    expect([...types]).toEqual(
      expect.arrayContaining(['tool_call_started', 'tool_call_finished', 'usage', 'run_completed']),
    );
    expect(server.requests.every((r) => r.stream)).toBe(true);
    expect((await stream.finalResult).turns).toBe(2);
  });

  it('asks for structured output with the JSON schema and parses the answer', async () => {
    server.enqueue(jsonTurn({ answer: 42 }));
    const typed = new Agent({ name: 't', outputType: z.object({ answer: z.number() }) });
    const result = await run(typed, 'x', { modelProvider: provider });
    expect(result.finalOutput).toEqual({ answer: 42 });
    const body = server.requests[0]?.body;
    if (api === 'responses') expect(body.text.format).toMatchObject({ type: 'json_schema', strict: true });
    else expect(body.response_format).toMatchObject({ type: 'json_schema', json_schema: { strict: true } });
  });

  it('sends the API key only in the Authorization header', async () => {
    server.enqueue(toolCallTurn({ name: 'get_weather', arguments: { city: 'Rome' } }), textTurn('ok'));
    await run(agent, 'Rome?', { modelProvider: provider });
    for (const request of server.requests) {
      expect(request.headers['authorization']).toBe(`Bearer ${KEY}`);
      const elsewhere =
        JSON.stringify({ ...request.headers, authorization: undefined }) + request.rawBody + request.path;
      expect(elsewhere).not.toContain(KEY);
    }
  });
});

describe('OpenAI provider configuration', () => {
  it('fails the run with MissingConfigError naming OPENAI_API_KEY when no key is set', async () => {
    const provider = createOpenAIProvider({ env: {} });
    const error = await run(new Agent({ name: 'a' }), 'x', { modelProvider: provider }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingConfigError);
    expect((error as Error).message).toContain('OPENAI_API_KEY');
  });

  it('rejects an invalid OPENAI_API value at creation, naming the variable', () => {
    expect(() => createOpenAIProvider({ env: { OPENAI_API: 'grpc' } })).toThrow(/OPENAI_API.*responses.*chat/);
  });

  it('refuses the hosted web search tool on a server that is not OpenAI', async () => {
    const server = await createScriptedServer();
    try {
      const provider = createOpenAIProvider({ env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: server.url } });
      const agent = new Agent({ name: 'a', tools: [webSearchTool()] });
      await expect(run(agent, 'x', { modelProvider: provider })).rejects.toBeInstanceOf(UserError);
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it('sends the hosted web search tool when hosted tools are enabled', async () => {
    const server = await createScriptedServer({ turns: [textTurn('found it')] });
    try {
      const provider = createOpenAIProvider({ apiKey: 'k', baseURL: server.url, hostedTools: true, env: {} });
      await run(new Agent({ name: 'a', tools: [webSearchTool({ searchContextSize: 'low' })] }), 'x', {
        modelProvider: provider,
      });
      expect(server.requests[0]?.body.tools).toEqual([{ type: 'web_search', search_context_size: 'low' }]);
    } finally {
      await server.close();
    }
  });
});
