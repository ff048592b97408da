// Resumable Streamable HTTP over real loopback HTTP: event ids, a dropped POST stream that keeps its request
// running and is resumed with GET + Last-Event-ID (by hand and by the SDK's own client), the standalone
// stream's replay, and the Redis event store on the real Redis server.
import { Redis } from 'ioredis';
import { z } from 'zod';
import { type JSONRPCMessage } from '../../protocol/messages';
import { connectHttpClient, type HttpFixture, sleep, startHttp, testServer } from '../../spec-helpers/clients';
import { defineTool } from '../../tool';
import { type McpServer } from '../../server';
import { type EventStore, InMemoryEventStore, RedisEventStore } from './event-store';

jest.setTimeout(20_000);

const ACCEPT = 'application/json, text/event-stream';

interface SseEvent {
  readonly id?: string;
  readonly data: string;
}

/** Reads SSE events from a fetch body until `stop` says so or the stream ends. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  stop: (events: SseEvent[]) => boolean,
): Promise<SseEvent[]> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let buffer = '';
  for (;;) {
    if (stop(events)) break;
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith(':')) continue;
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: ?(.*)$/m.exec(block)?.[1] ?? '';
      events.push({ ...(id !== undefined ? { id } : {}), data });
    }
  }
  await reader.cancel().catch(() => undefined);
  return events;
}

const messages = (events: SseEvent[]) =>
  events.filter((e) => e.data).map((e) => JSON.parse(e.data) as JSONRPCMessage & Record<string, unknown>);

/** A tool that reports `steps` progress messages, one per `gapMs`, and tells whether it was aborted. */
function steppingTool(steps: number, gapMs: number) {
  const seen = { aborted: false, finished: false };
  const tool = defineTool({
    name: 'steps',
    description: 'reports progress for a while',
    inputSchema: z.object({}),
    async execute(_args, context) {
      for (let i = 1; i <= steps; i++) {
        await sleep(gapMs);
        if (context.signal.aborted) {
          seen.aborted = true;
          throw context.signal.reason;
        }
        await context.reportProgress({ progress: i, total: steps, message: `step ${i}` });
      }
      seen.finished = true;
      return `done after ${steps} steps`;
    },
  });
  return { tool, seen };
}

async function initialize(url: URL): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });
  const sessionId = res.headers.get('mcp-session-id') as string;
  await res.text();
  await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sessionId },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return sessionId;
}

describe('resumable streams (in-memory event store)', () => {
  let server: McpServer;
  let http: HttpFixture;
  const stepping = steppingTool(6, 60);

  beforeEach(async () => {
    server = testServer();
    server.tools.register(stepping.tool);
    server.tools.register(
      defineTool({
        name: 'quick',
        description: 'answers at once',
        inputSchema: z.object({}),
        execute: () => 'quick answer',
      }),
    );
    http = await startHttp(server, { eventStore: new InMemoryEventStore(), resumeAfterMs: 50, retryMs: 10 });
    stepping.seen.aborted = false;
    stepping.seen.finished = false;
  });
  afterEach(async () => {
    await http.close();
  });

  it('answers a quick request with plain JSON', async () => {
    const sessionId = await initialize(http.url);
    const res = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'quick', arguments: {} } }),
    });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ id: 1, result: { content: [{ type: 'text', text: 'quick answer' }] } });
  });

  it('keeps a request running when its stream drops, and replays what was missed, response included, on resume', async () => {
    const sessionId = await initialize(http.url);
    const post = new AbortController();
    const res = await fetch(http.url, {
      method: 'POST',
      signal: post.signal,
      headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sessionId },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'steps', arguments: {}, _meta: { progressToken: 'p' } },
      }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const before = await readEvents(res.body as ReadableStream<Uint8Array>, (events) => messages(events).length >= 2);
    const lastId = before.filter((e) => e.id).at(-1)?.id as string;
    expect(before[0]).toMatchObject({ data: '' }); // the priming event: an id, no data
    expect(messages(before).map((m) => (m.params as { message: string }).message)).toEqual(['step 1', 'step 2']);
    post.abort();

    await sleep(500); // the tool goes on and finishes while nobody listens
    expect(stepping.seen).toEqual({ aborted: false, finished: true });

    const resumed = await fetch(http.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'last-event-id': lastId },
    });
    const after = messages(await readEvents(resumed.body as ReadableStream<Uint8Array>, () => false));
    expect(after.slice(0, -1).map((m) => (m.params as { message: string }).message)).toEqual([
      'step 3',
      'step 4',
      'step 5',
      'step 6',
    ]);
    expect(after.at(-1)).toMatchObject({ id: 7, result: { content: [{ type: 'text', text: 'done after 6 steps' }] } });
  });

  it('joins a request that still runs: first the missed events, then the live ones', async () => {
    const sessionId = await initialize(http.url);
    const post = new AbortController();
    const res = await fetch(http.url, {
      method: 'POST',
      signal: post.signal,
      headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sessionId },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 8,
        method: 'tools/call',
        params: { name: 'steps', arguments: {}, _meta: { progressToken: 'p' } },
      }),
    });
    const before = await readEvents(res.body as ReadableStream<Uint8Array>, (events) => messages(events).length >= 1);
    post.abort();
    await sleep(100);
    const resumed = await fetch(http.url, {
      headers: {
        accept: 'text/event-stream',
        'mcp-session-id': sessionId,
        'last-event-id': before.filter((e) => e.id).at(-1)?.id as string,
      },
    });
    const after = messages(await readEvents(resumed.body as ReadableStream<Uint8Array>, () => false));
    expect(after.filter((m) => m.method).map((m) => (m.params as { message: string }).message)).toEqual([
      'step 2',
      'step 3',
      'step 4',
      'step 5',
      'step 6',
    ]);
    expect(after.at(-1)).toMatchObject({ id: 8, result: { content: [{ type: 'text', text: 'done after 6 steps' }] } });
  });

  it('lets the SDK client resume by itself when the server cuts its stream', async () => {
    const { client } = await connectHttpClient(http.url);
    const progress: string[] = [];
    try {
      const call = client.callTool({ name: 'steps', arguments: {} }, undefined, {
        onprogress: (p) => {
          progress.push(p.message as string);
          // Cut every connection after the second step, as a proxy or a network would.
          if (progress.length === 2) http.httpServer.closeAllConnections();
        },
        timeout: 10_000,
      });
      expect(await call).toMatchObject({ content: [{ type: 'text', text: 'done after 6 steps' }] });
      expect(progress).toEqual(['step 1', 'step 2', 'step 3', 'step 4', 'step 5', 'step 6']);
      expect(stepping.seen.aborted).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('replays the standalone stream’s events after the Last-Event-ID it is reopened with', async () => {
    const sessionId = await initialize(http.url);
    const first = new AbortController();
    const get = await fetch(http.url, {
      signal: first.signal,
      headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId },
    });
    const primed = await readEvents(get.body as ReadableStream<Uint8Array>, (events) => events.length >= 1);
    const primingId = primed[0]?.id as string;
    expect(primingId).toMatch(/~standalone:0$/);
    // Two notifications on the standalone stream; the reader is gone before it reads them.
    first.abort();
    server.notifyListChanged('tools');
    server.notifyListChanged('prompts');
    await sleep(50);
    const reopened = await fetch(http.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'last-event-id': primingId },
    });
    const replayed = messages(
      await readEvents(reopened.body as ReadableStream<Uint8Array>, (events) => messages(events).length >= 2),
    );
    expect(replayed.map((m) => m.method)).toEqual([
      'notifications/tools/list_changed',
      'notifications/prompts/list_changed',
    ]);
  });

  it('refuses a Last-Event-ID of another session', async () => {
    const mine = await initialize(http.url);
    const res = await fetch(http.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': mine, 'last-event-id': 'someone-else~abc.1:3' },
    });
    expect(res.status).toBe(400);
    await res.text();
  });
});

describe('a dropped stream nobody resumes', () => {
  it('cancels its request after the grace', async () => {
    const server = testServer();
    const slow = steppingTool(40, 50);
    server.tools.register(slow.tool);
    const http = await startHttp(server, {
      eventStore: new InMemoryEventStore(),
      resumeAfterMs: 20,
      retryMs: 10,
      resumeGraceMs: 200,
    });
    try {
      const sessionId = await initialize(http.url);
      const post = new AbortController();
      const res = await fetch(http.url, {
        method: 'POST',
        signal: post.signal,
        headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': sessionId },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 9,
          method: 'tools/call',
          params: { name: 'steps', arguments: {}, _meta: { progressToken: 'p' } },
        }),
      });
      await readEvents(res.body as ReadableStream<Uint8Array>, (events) => messages(events).length >= 1);
      post.abort();
      await sleep(100);
      expect(slow.seen.aborted).toBe(false); // within the grace it goes on, for a resume
      await sleep(500);
      expect(slow.seen).toEqual({ aborted: true, finished: false });
    } finally {
      await http.close();
    }
  });
});

describe('RedisEventStore (real Redis)', () => {
  let redis: Redis;
  const prefix = `test:events:${globalThis.crypto.randomUUID()}:`;
  beforeAll(() => {
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: false, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('keeps the newest events of a stream, in order, and forgets them after the TTL', async () => {
    const store: EventStore = new RedisEventStore({ redis, prefix, maxEventsPerStream: 3, ttlMs: 300 });
    for (let seq = 1; seq <= 5; seq++)
      await store.append('s~1', seq, { jsonrpc: '2.0', method: 'notifications/message', params: { seq } });
    expect((await store.after('s~1', 0)).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(
      (await store.after('s~1', 4)).map((e) => (e.message as unknown as { params: { seq: number } }).params.seq),
    ).toEqual([5]);
    expect(await store.after('unknown', 0)).toEqual([]);
    await sleep(400);
    expect(await store.after('s~1', 0)).toEqual([]);
  });
});
