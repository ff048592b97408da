// Checks the fault handling of the issue over real HTTP against the scripted server: retries (429, 5xx,
// retry-after, x-should-retry), no retry on other 4xx, deadlines cutting hangs, cut streams, and aborts.
import { Agent } from '../agent';
import { DeadlineExceededError, RunCancelledError, StreamInterruptedError, UpstreamError } from '../errors';
import { type ModelRequestInfo } from '../observer';
import { run, runStreamed } from '../run';
import { type ScriptedServer, createScriptedServer } from '../testing/scripted-server';
import { cutStreamTurn, errorTurn, hangTurn, textTurn } from '../testing/script';
import { createOpenAIProvider } from './provider';

const KEY = 'sk-fault-secret-abcdefghijklmnop';
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50 };

describe.each(['responses', 'chat'] as const)('faults over HTTP (%s)', (api) => {
  let server: ScriptedServer;
  let agent: Agent;
  const options = () => ({
    modelProvider: createOpenAIProvider({ apiKey: KEY, baseURL: server.url, api, env: {} }),
    retry: FAST_RETRY,
  });

  beforeEach(async () => {
    server = await createScriptedServer({ apiKey: KEY });
    agent = new Agent({ name: 'a' });
  });
  afterEach(() => server.close());

  it('retries a 429 and succeeds, waiting what retry-after-ms asks', async () => {
    server.enqueue(errorTurn(429, { message: 'Rate limited', headers: { 'retry-after-ms': '150' } }), textTurn('ok'));
    const attempts: ModelRequestInfo[] = [];
    const result = await run(agent, 'x', { ...options(), observer: { onModelRequest: (i) => attempts.push(i) } });
    expect(result.finalOutput).toBe('ok');
    expect(server.requests).toHaveLength(2);
    const gap = (server.requests[1]?.receivedAt ?? 0) - (server.requests[0]?.receivedAt ?? 0);
    expect(gap).toBeGreaterThanOrEqual(140);
    expect(attempts.map((a) => [a.attempt, a.error?.status])).toEqual([
      [1, 429],
      [2, undefined],
    ]);
  });

  it('fails a 400 at once with a typed error that carries no key, header or body', async () => {
    server.enqueue(
      errorTurn(400, { message: `Bad request from key ${KEY}`, headers: { 'x-secret-header': 'hdr-value' } }),
    );
    const error = await run(agent, 'x', options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'upstream_error', status: 400, retryable: false, attempts: 1 });
    expect(server.requests).toHaveLength(1);
    const everything = [
      JSON.stringify(error),
      String(error),
      (error as Error).stack ?? '',
      JSON.stringify(Object.entries(error as object)),
    ].join();
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain('hdr-value');
    expect(everything).not.toContain(server.requests[0]?.rawBody ?? '<none>');
    expect((error as Error).cause).toBeUndefined();
  });

  it('gives up on repeated 5xx after the configured number of attempts', async () => {
    server.enqueue(errorTurn(503), errorTurn(500), errorTurn(502), textTurn('too late'));
    const error = await run(agent, 'x', { ...options(), retry: { ...FAST_RETRY, maxAttempts: 3 } }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ status: 502, attempts: 3 });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry when the server sends x-should-retry: false', async () => {
    server.enqueue(errorTurn(503, { headers: { 'x-should-retry': 'false' } }), textTurn('never'));
    await expect(run(agent, 'x', options())).rejects.toMatchObject({ status: 503, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('does not wait for a retry-after beyond the run deadline', async () => {
    server.enqueue(errorTurn(429, { headers: { 'retry-after': '30' } }), textTurn('never'));
    const started = performance.now();
    const error = await run(agent, 'x', { ...options(), limits: { timeoutMs: 2000 } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 30_000 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it('cuts a hanging upstream at the run deadline', async () => {
    server.enqueue(hangTurn());
    const started = performance.now();
    const error = await run(agent, 'x', { ...options(), limits: { timeoutMs: 300 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(performance.now() - started).toBeLessThan(1300);
    await server.waitForClientClose(0, 1000);
  });

  it('ends a stream cut in the middle with a typed error and the partial text marked partial', async () => {
    server.enqueue(cutStreamTurn('The answer is'));
    const stream = runStreamed(agent, 'x', options());
    let text = '';
    for await (const event of stream) if (event.type === 'text_delta') text += event.delta;
    const error = await stream.finalResult.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error).toMatchObject({ code: 'stream_interrupted', partial: true, partialText: 'The answer is' });
    expect(text).toBe('The answer is');
    expect(server.requests).toHaveLength(1);
  });

  it('treats a stream that closes without its terminal event as interrupted', async () => {
    server.enqueue(cutStreamTurn('Half', { mode: 'end' }));
    const stream = runStreamed(agent, 'x', options());
    await expect(stream.finalResult).rejects.toMatchObject({ code: 'stream_interrupted', partialText: 'Half' });
  });

  it('aborts the in-flight HTTP request within a second of the caller aborting', async () => {
    server.enqueue(hangTurn());
    const controller = new AbortController();
    const pending = run(agent, 'x', { ...options(), signal: controller.signal });
    await server.waitForRequest(0, 2000);
    const abortedAt = performance.now();
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(RunCancelledError);
    const closed = await server.waitForClientClose(0, 1000);
    expect((closed.clientClosedAt ?? Infinity) - abortedAt).toBeLessThan(1000);
  });
});
