// Checks that the scripted server speaks the real wire formats: the official openai client parses its
// Responses and Chat Completions answers (JSON and SSE) and sees its faults as the SDK's own error classes.
import OpenAI, { type APIError, RateLimitError } from 'openai';
import { type ScriptedServer, createScriptedServer } from './scripted-server';
import { cutStreamTurn, errorTurn, textTurn, toolCallTurn } from './script';

describe('scripted server', () => {
  let server: ScriptedServer;
  let client: OpenAI;

  beforeEach(async () => {
    server = await createScriptedServer({ apiKey: 'sk-test-key' });
    client = new OpenAI({ apiKey: 'sk-test-key', baseURL: server.url, maxRetries: 0, timeout: 5000 });
  });
  afterEach(() => server.close());

  it('answers a Responses request with a response object the SDK parses', async () => {
    server.enqueue(textTurn('Hello there.', { usage: { inputTokens: 7, outputTokens: 3 } }));
    const response = await client.responses.create({ model: 'm1', input: 'hi' });
    expect(response.output_text).toBe('Hello there.');
    expect(response.usage).toMatchObject({ input_tokens: 7, output_tokens: 3, total_tokens: 10 });
    expect(server.requests[0]).toMatchObject({ api: 'responses', path: '/v1/responses', stream: false });
    expect(server.requests[0]?.body).toMatchObject({ model: 'm1', input: 'hi' });
  });

  it('streams Responses events in the order OpenAI sends them', async () => {
    server.enqueue(
      toolCallTurn({ name: 'lookup', arguments: { q: 'x' }, callId: 'call_1' }, { text: 'Let me check. ' }),
    );
    const stream = await client.responses.create({ model: 'm1', input: 'hi', stream: true });
    const types: string[] = [];
    let args = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.function_call_arguments.delta') args += event.delta;
    }
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.delta');
    expect(types.indexOf('response.output_item.added')).toBeLessThan(types.indexOf('response.output_text.delta'));
    expect(types.at(-1)).toBe('response.completed');
    expect(JSON.parse(args)).toEqual({ q: 'x' });
  });

  it('answers and streams Chat Completions with tool call fragments and [DONE]', async () => {
    server.enqueue(toolCallTurn({ name: 'lookup', arguments: { q: 'a long enough query' } }), textTurn('Done.'));
    const first = await client.chat.completions.create({
      model: 'm1',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let args = '';
    let finish: string | null = null;
    let usage = 0;
    for await (const chunk of first) {
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage += chunk.usage?.total_tokens ?? 0;
    }
    expect(JSON.parse(args)).toEqual({ q: 'a long enough query' });
    expect(finish).toBe('tool_calls');
    expect(usage).toBeGreaterThan(0);
    const second = await client.chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] });
    expect(second.choices[0]?.message.content).toBe('Done.');
  });

  it('injects HTTP errors with OpenAI error bodies and headers', async () => {
    server.enqueue(errorTurn(429, { message: 'Slow down', headers: { 'retry-after-ms': '5' } }));
    const error = await client.responses.create({ model: 'm1', input: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as APIError).headers?.get('retry-after-ms')).toBe('5');
    expect((error as APIError).message).toContain('Slow down');
  });

  it('rejects a wrong API key with 401 as OpenAI does', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: server.url, maxRetries: 0 });
    await expect(wrong.responses.create({ model: 'm1', input: 'hi' })).rejects.toMatchObject({ status: 401 });
  });

  it('cuts a stream after the partial text', async () => {
    server.enqueue(cutStreamTurn('Partial answer'));
    const stream = await client.responses.create({ model: 'm1', input: 'hi', stream: true });
    let text = '';
    const consume = async () => {
      for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    };
    await expect(consume()).rejects.toThrow();
    expect(text).toBe('Partial answer');
  });

  it('answers 500 without retry hint when the script is exhausted', async () => {
    const error = (await client.responses.create({ model: 'm1', input: 'hi' }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(500);
    expect(error.headers?.get('x-should-retry')).toBe('false');
  });

  it('answers each request from what it carries with respond, before the queue', async () => {
    const own = await createScriptedServer({
      respond: (request) =>
        String(request.body.input).startsWith('to-') ? textTurn(`for ${request.body.input}`) : undefined,
    });
    const ownClient = new OpenAI({ apiKey: 'k', baseURL: own.url, maxRetries: 0, timeout: 5000 });
    try {
      own.enqueue(textTurn('from the queue'));
      const [b, other, a] = await Promise.all([
        ownClient.responses.create({ model: 'm1', input: 'to-b' }),
        ownClient.responses.create({ model: 'm1', input: 'other' }),
        ownClient.responses.create({ model: 'm1', input: 'to-a' }),
      ]);
      expect([b.output_text, other.output_text, a.output_text]).toEqual(['for to-b', 'from the queue', 'for to-a']);
      expect(own.pending).toBe(0);
    } finally {
      await own.close();
    }
  });

  it('holds a request while the turn respond returned is a pending promise', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const own = await createScriptedServer({ respond: () => gate.then(() => textTurn('released')) });
    const ownClient = new OpenAI({ apiKey: 'k', baseURL: own.url, maxRetries: 0, timeout: 5000 });
    try {
      let answered = false;
      const asked = ownClient.responses.create({ model: 'm1', input: 'hi' }).then((r) => ((answered = true), r));
      await own.waitForRequest(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(answered).toBe(false);
      release();
      expect((await asked).output_text).toBe('released');
    } finally {
      await own.close();
    }
  });
});
