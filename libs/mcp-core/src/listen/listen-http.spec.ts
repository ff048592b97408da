// subscriptions/listen over raw HTTP (MCP 2026-07-28): the response is an SSE stream whose first message is the
// acknowledgement and every message carries the subscription id; the error cases (a malformed filter, task ids
// without the tasks extension, a principal over its streams, a full server, a legacy session) are answered before
// any stream opens; a client closing the stream ends it on the server; task status notifications follow the
// caller's own tasks; and two servers sharing a Redis change feed (two replicas) deliver a change made through
// one to a stream open on the other.
import { Redis } from 'ioredis';
import { z } from 'zod';
import { type Principal } from '@agent-mcp/context';
import { JsonRpcErrorCode } from '../errors';
import { type McpServer } from '../server';
import { type HttpFixture, sleep, startHttp, testServer } from '../spec-helpers/clients';
import { fetchModern, modernEnvelope, postModern } from '../testing/modern-requests';
import { TASKS_EXTENSION } from '../tasks/tasks-extension';
import { defineTool } from '../tool';
import { RedisChangeFeed } from './change-feed';

jest.setTimeout(20_000);

const SUBSCRIPTION = 'io.modelcontextprotocol/subscriptionId';
const WITH_TASKS = { extensions: { [TASKS_EXTENSION]: {} } };
type Frame = { id?: unknown; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown> };

/** A server whose principal comes from each request's x-user header, as an authenticating stage would set it. */
function server(options: Parameters<typeof testServer>[0] = {}): McpServer {
  const s = testServer({
    pipeline: async (request) => {
      const user = request.transport.headers?.['x-user'];
      request.principal = { id: String(user ?? 'anonymous'), scopes: [], via: 'api_key' } satisfies Principal;
    },
    ...options,
  });
  s.tools.register(
    defineTool({
      name: 'quick_task',
      description: 'answers at once, as a task',
      inputSchema: z.object({}),
      execution: { taskSupport: 'required' },
      execute: async () => {
        await sleep(100);
        return 'task done';
      },
    }),
  );
  return s;
}

/** An open listen stream read frame by frame. */
class Stream {
  readonly frames: Frame[] = [];
  private done = false;

  constructor(
    readonly res: Response,
    private readonly controller: AbortController,
  ) {
    void this.read();
  }

  async next(count: number, timeoutMs = 3000): Promise<Frame[]> {
    for (const started = Date.now(); this.frames.length < count; await sleep(10))
      if (this.done || Date.now() - started > timeoutMs)
        throw new Error(`stream has ${this.frames.length} of ${count} frames`);
    return this.frames.slice(0, count);
  }

  close(): void {
    this.controller.abort();
  }

  private async read(): Promise<void> {
    const reader = (this.res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .find((line) => line.startsWith('data: '));
          buffer = buffer.slice(end + 2);
          if (data) this.frames.push(JSON.parse(data.slice(6)) as Frame);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      this.done = true;
    }
  }
}

let nextId = 900;
async function listen(
  f: HttpFixture,
  notifications: Record<string, unknown> | undefined,
  options: { user?: string; capabilities?: Record<string, unknown> } = {},
): Promise<{ id: number; stream: Stream }> {
  const id = nextId++;
  const controller = new AbortController();
  const res = await fetchModern(f.url, id, {
    method: 'subscriptions/listen',
    params: notifications ? { notifications } : {},
    meta: modernEnvelope(options.capabilities ?? {}),
    headers: { 'x-user': options.user ?? 'alice' },
    signal: controller.signal,
  });
  return { id, stream: new Stream(res, controller) };
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  for (const started = Date.now(); !check(); await sleep(10))
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
}

describe('subscriptions/listen over raw HTTP', () => {
  let s: McpServer;
  let f: HttpFixture;

  beforeEach(async () => {
    s = server({ listen: { maxStreamsPerPrincipal: 2, maxStreams: 3 } });
    f = await startHttp(s);
  });
  afterEach(() => f.close());

  it('answers with an SSE stream: the acknowledgement first, every message tagged with the subscription id', async () => {
    const { id, stream } = await listen(f, { promptsListChanged: true, toolsListChanged: false });
    try {
      expect(stream.res.status).toBe(200);
      expect(stream.res.headers.get('content-type')).toContain('text/event-stream');
      expect(stream.res.headers.get('x-accel-buffering')).toBe('no');
      const [ack] = await stream.next(1);
      expect(ack).toEqual({
        jsonrpc: '2.0',
        method: 'notifications/subscriptions/acknowledged',
        params: { _meta: { [SUBSCRIPTION]: id }, notifications: { promptsListChanged: true } },
      });
      s.notifyListChanged('tools'); // filtered out: not asked for
      s.notifyListChanged('prompts');
      const [, change] = await stream.next(2);
      expect(change).toEqual({
        jsonrpc: '2.0',
        method: 'notifications/prompts/list_changed',
        params: { _meta: { [SUBSCRIPTION]: id } },
      });
      await sleep(50);
      expect(stream.frames).toHaveLength(2);
    } finally {
      stream.close();
    }
  });

  it('ends the stream on the server when the client closes it', async () => {
    const { stream } = await listen(f, { toolsListChanged: true });
    await stream.next(1);
    expect(s.listenCount).toBe(1);
    stream.close();
    await until(() => s.listenCount === 0, 'the stream to end');
    expect(s.activeRequests).toBe(0);
  });

  it('refuses a listen without its notifications filter (-32602), and task ids without the tasks extension (-32021)', async () => {
    const missing = await postModern(f.url, { method: 'subscriptions/listen' });
    expect(missing.body.error).toMatchObject({ code: JsonRpcErrorCode.InvalidParams });
    const tasks = await postModern(f.url, {
      method: 'subscriptions/listen',
      params: { notifications: { taskIds: ['t1'] } },
    });
    expect(tasks.status).toBe(400);
    expect(tasks.body.error).toMatchObject({
      code: JsonRpcErrorCode.MissingRequiredClientCapability,
      data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    });
    expect(s.listenCount).toBe(0);
  });

  it('bounds the open streams per principal (429) and in all (503), with Retry-After', async () => {
    const open = [await listen(f, { toolsListChanged: true }), await listen(f, { toolsListChanged: true })];
    try {
      await Promise.all(open.map((o) => o.stream.next(1)));
      const third = await postModern(f.url, {
        method: 'subscriptions/listen',
        params: { notifications: { toolsListChanged: true } },
        headers: { 'x-user': 'alice' },
      });
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('10');
      expect(third.body.error).toMatchObject({
        code: JsonRpcErrorCode.Unavailable,
        data: { code: 'TOO_MANY_LISTENS' },
      });
      const bob = await listen(f, { toolsListChanged: true }, { user: 'bob' });
      open.push(bob);
      await bob.stream.next(1);
      const full = await postModern(f.url, {
        method: 'subscriptions/listen',
        params: { notifications: { toolsListChanged: true } },
        headers: { 'x-user': 'carol' },
      });
      expect(full.status).toBe(503);
      expect(full.body.error).toMatchObject({ data: { code: 'TOO_MANY_LISTENS' } });
    } finally {
      for (const o of open) o.stream.close();
    }
  });

  it('is not a method of a 2025-11-25 session', async () => {
    const init = await fetch(f.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old', version: '1' } },
      }),
    });
    const session = init.headers.get('mcp-session-id') as string;
    await init.text();
    const res = await fetch(f.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': session,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'subscriptions/listen', params: { notifications: {} } }),
    });
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(JsonRpcErrorCode.MethodNotFound);
  });

  it("reports the status of the caller's own tasks, and acknowledges no one else's", async () => {
    const created = await postModern(f.url, {
      method: 'tools/call',
      params: { name: 'quick_task', arguments: {} },
      meta: modernEnvelope(WITH_TASKS),
      name: 'quick_task',
      headers: { 'x-user': 'alice' },
    });
    const taskId = String(created.body.result?.['taskId']);
    expect(created.body.result).toMatchObject({ resultType: 'task', status: 'working' });
    const mallory = await listen(f, { taskIds: [taskId] }, { user: 'mallory', capabilities: WITH_TASKS });
    const { id, stream } = await listen(f, { taskIds: [taskId, 'no-such-task'] }, { capabilities: WITH_TASKS });
    try {
      const [ack] = await stream.next(1);
      expect(ack?.params?.['notifications']).toEqual({ taskIds: [taskId] });
      expect((await mallory.stream.next(1))[0]?.params?.['notifications']).toEqual({ taskIds: [] });
      await until(
        () => stream.frames.some((m) => m.method === 'notifications/tasks' && m.params?.['status'] === 'completed'),
        'the completed task',
      );
      const completed = stream.frames.find((m) => m.params?.['status'] === 'completed');
      expect(completed?.params).toMatchObject({
        taskId,
        status: 'completed',
        result: { content: [{ type: 'text', text: 'task done' }] },
        _meta: { [SUBSCRIPTION]: id },
      });
      expect(mallory.stream.frames).toHaveLength(1);
    } finally {
      stream.close();
      mallory.stream.close();
    }
  });
});

describe('subscriptions/listen across replicas sharing a Redis change feed', () => {
  const prefix = `test:listen:${process.pid}:${Date.now()}:`;
  const connections: Redis[] = [];
  const redis = () => {
    const r = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    connections.push(r);
    return r;
  };
  const fixtures: HttpFixture[] = [];
  const feeds: RedisChangeFeed[] = [];

  afterAll(async () => {
    for (const f of fixtures) await f.close();
    for (const feed of feeds) await feed.close();
    for (const r of connections) r.disconnect();
  });

  it('delivers a resource update made through one replica to a stream open on the other', async () => {
    const replicas = [server(), server()];
    for (const replica of replicas) {
      const feed = new RedisChangeFeed({ redis: redis(), subscriber: redis(), prefix });
      feeds.push(feed);
      replica.useChangeFeed(feed);
      fixtures.push(await startHttp(replica));
    }
    // Both subscribers have joined the channel before anything is published.
    await sleep(200);
    const { id, stream } = await listen(fixtures[1] as HttpFixture, { resourceSubscriptions: ['test://shared'] });
    try {
      await stream.next(1);
      replicas[0]?.notifyResourceUpdated('test://elsewhere');
      replicas[0]?.notifyResourceUpdated('test://shared');
      const [, update] = await stream.next(2);
      expect(update).toEqual({
        jsonrpc: '2.0',
        method: 'notifications/resources/updated',
        params: { uri: 'test://shared', _meta: { [SUBSCRIPTION]: id } },
      });
      await sleep(100);
      // Heard once: the replica that published it does not hear its own change again.
      expect(stream.frames).toHaveLength(2);
    } finally {
      stream.close();
    }
  });
});
