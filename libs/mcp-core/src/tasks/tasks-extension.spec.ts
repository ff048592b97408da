// The tasks extension `io.modelcontextprotocol/tasks` of MCP 2026-07-28 over real HTTP: offered in
// server/discover; a client that declares it gets a task (stored before the answer) for a tool that supports one
// and polls tasks/get, which inlines the result or the error; tasks/cancel is an idempotent acknowledgement; a
// task is its caller's alone; a client without the extension gets a plain call, or -32021 for what needs it.
// With two servers sharing a store (two replicas), a task's questions show and are answered on either.
import { z } from 'zod';
import { type Principal } from '@agent-mcp/context';
import { JsonRpcErrorCode, ToolError } from '../errors';
import { type HttpFixture, sleep, startHttp, testServer } from '../spec-helpers/clients';
import { modernEnvelope, postModern } from '../testing/modern-requests';
import { defineTool } from '../tool';
import { TASKS_EXTENSION } from './tasks-extension';
import { InMemoryTaskStore } from './task-store';

jest.setTimeout(30_000);

const WITH_TASKS = { extensions: { [TASKS_EXTENSION]: {} } };
/** The form the spec's tools ask: a name. */
const NAME_FORM = { type: 'object' as const, properties: { name: { type: 'string' as const } } };

interface Reply {
  readonly status: number;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: Record<string, unknown> };
}

/** One modern request as raw JSON-RPC, from `user` with `capabilities`. */
async function send(
  f: HttpFixture,
  method: string,
  params: Record<string, unknown>,
  capabilities: Record<string, unknown> = WITH_TASKS,
  user = 'alice',
): Promise<Reply> {
  const name = (params.name ?? params.taskId) as string | undefined;
  const { status, body } = await postModern<Omit<Reply, 'status'>>(f.url, {
    method,
    params,
    meta: modernEnvelope(capabilities),
    name,
    headers: { 'x-user': user },
  });
  return { status, ...body };
}

async function settled(f: HttpFixture, taskId: string): Promise<Record<string, unknown>> {
  for (const started = Date.now(); Date.now() - started < 10_000; await sleep(50)) {
    const reply = await send(f, 'tasks/get', { taskId });
    const status = reply.result?.status;
    if (status === 'completed' || status === 'failed' || status === 'cancelled') return reply.result ?? {};
  }
  throw new Error(`task ${taskId} did not settle`);
}

describe('the tasks extension (2026-07-28)', () => {
  let f: HttpFixture;

  beforeAll(async () => {
    const server = testServer({
      // Each request's principal comes from its x-user header, as an authenticating stage would set it.
      pipeline: async (request) => {
        const user = request.transport.headers?.['x-user'];
        request.principal = { id: String(user ?? 'anonymous'), scopes: [], via: 'api_key' } satisfies Principal;
      },
    });
    const wait = (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
      });
    server.tools.register(
      defineTool({
        name: 'compute',
        description: 'waits, then answers',
        inputSchema: z.object({ ms: z.number().max(60_000) }),
        execution: { taskSupport: 'optional' },
        execute: async ({ ms }, ctx) => (await wait(ms, ctx.signal), `done after ${ms} ms`),
      }),
    );
    server.tools.register(
      defineTool({
        name: 'must_task',
        description: 'only as a task; reports a tool error',
        inputSchema: z.object({}),
        execution: { taskSupport: 'required' },
        execute: () => {
          throw new ToolError('the tool says no');
        },
      }),
    );
    server.tools.register(
      defineTool({
        name: 'crash',
        description: 'crashes',
        inputSchema: z.object({}),
        execution: { taskSupport: 'optional' },
        execute: () => {
          throw new Error('internal detail that must not leak');
        },
      }),
    );
    server.tools.register(
      defineTool({
        name: 'two_questions',
        description: 'asks two things at once, then answers',
        inputSchema: z.object({}),
        execution: { taskSupport: 'optional' },
        execute: async (_args, ctx) => {
          const [a, b] = await Promise.all([
            ctx.client.elicit({ message: 'First?', requestedSchema: NAME_FORM }, { key: 'first' }),
            ctx.client.elicit({ message: 'Second?', requestedSchema: NAME_FORM }, { key: 'second' }),
          ]);
          return `${String(a.content?.name)} & ${String(b.content?.name)}`;
        },
      }),
    );
    server.tools.register(
      defineTool({
        name: 'ask_and_beat',
        description: 'reports a burst of progress, then asks and reports progress while waiting for the answer',
        inputSchema: z.object({}),
        execution: { taskSupport: 'optional' },
        execute: async (_args, ctx) => {
          for (const step of ['reading', 'thinking', 'asking']) await ctx.reportProgress(step);
          await wait(1300, ctx.signal);
          const asked = ctx.client.elicit({ message: 'Name?', requestedSchema: NAME_FORM }, { key: 'name' });
          // A heartbeat while the question is open.
          await wait(1200, ctx.signal);
          await ctx.reportProgress('still waiting');
          const name = await asked;
          return `hello ${String(name.content?.name)}`;
        },
      }),
    );
    server.tools.register(
      defineTool({
        name: 'ask_then_task',
        description: 'asks a name in the request, then goes on as a task',
        inputSchema: z.object({}),
        execution: { taskSupport: 'optional', taskStart: 'handler' },
        execute: async (_args, ctx) => {
          const name = await ctx.client.elicit({ message: 'Name?', requestedSchema: NAME_FORM }, { key: 'name' });
          await ctx.continueAsTask();
          await wait(100, ctx.signal);
          return `hello ${String(name.content?.name)}`;
        },
      }),
    );
    f = await startHttp(server);
  });
  afterAll(() => f.close());

  it('is offered in server/discover under capabilities.extensions, not as a tasks capability', async () => {
    const reply = await send(f, 'server/discover', {});
    expect(reply.result?.capabilities).toMatchObject({ extensions: { [TASKS_EXTENSION]: {} } });
    expect(reply.result?.capabilities).not.toHaveProperty('tasks');
  });

  it('answers a declaring client with a flat task, readable at once, whose result tasks/get inlines', async () => {
    const created = await send(f, 'tools/call', { name: 'compute', arguments: { ms: 200 } });
    expect(created.result).toMatchObject({ resultType: 'task', status: 'working', pollIntervalMs: 1000 });
    expect(created.result).not.toHaveProperty('task');
    expect(created.result?.ttlMs).toEqual(expect.any(Number));
    expect(Date.parse(String(created.result?.createdAt))).not.toBeNaN();
    const taskId = String(created.result?.taskId);
    // Stored before the answer: the very next tasks/get finds it.
    expect((await send(f, 'tasks/get', { taskId })).result).toMatchObject({ taskId, resultType: 'complete' });
    expect(await settled(f, taskId)).toMatchObject({
      status: 'completed',
      result: { content: [{ type: 'text', text: 'done after 200 ms' }] },
    });
  });

  it('completes a tool error with result.isError, and fails a crash with an error that names no internals', async () => {
    const toolError = await send(f, 'tools/call', { name: 'must_task', arguments: {} });
    expect(await settled(f, String(toolError.result?.taskId))).toMatchObject({
      status: 'completed',
      result: { isError: true, content: [{ text: 'the tool says no' }] },
    });
    const crash = await send(f, 'tools/call', { name: 'crash', arguments: {} });
    const failed = await settled(f, String(crash.result?.taskId));
    expect(failed).toMatchObject({ status: 'failed', error: { code: JsonRpcErrorCode.InternalError } });
    expect(failed).not.toHaveProperty('result');
    expect(JSON.stringify(failed)).not.toContain('internal detail');
  });

  it('cancels with an empty acknowledgement, the run stopping; cancelling again is the same acknowledgement', async () => {
    const created = await send(f, 'tools/call', { name: 'compute', arguments: { ms: 30_000 } });
    const taskId = String(created.result?.taskId);
    const ack = await send(f, 'tasks/cancel', { taskId });
    expect(ack.result).toEqual({ resultType: 'complete', _meta: expect.any(Object) });
    expect(await settled(f, taskId)).toMatchObject({ status: 'cancelled' });
    expect((await send(f, 'tasks/cancel', { taskId })).result).toMatchObject({ resultType: 'complete' });
  });

  it("keeps a task its caller's: another principal, like an unknown id, gets -32602", async () => {
    const created = await send(f, 'tools/call', { name: 'compute', arguments: { ms: 10 } });
    const taskId = String(created.result?.taskId);
    for (const reply of [
      await send(f, 'tasks/get', { taskId }, WITH_TASKS, 'mallory'),
      await send(f, 'tasks/cancel', { taskId }, WITH_TASKS, 'mallory'),
      await send(f, 'tasks/get', { taskId: 'no-such-task' }),
    ])
      expect(reply.error?.code).toBe(JsonRpcErrorCode.InvalidParams);
    expect((await send(f, 'tasks/get', { taskId })).result?.taskId).toBe(taskId);
  });

  it('gives a client without the extension a plain call, and -32021 for a required task or the task methods', async () => {
    const plain = await send(f, 'tools/call', { name: 'compute', arguments: { ms: 1 } }, {});
    expect(plain.result).toMatchObject({ resultType: 'complete', content: [{ text: 'done after 1 ms' }] });
    expect(plain.result).not.toHaveProperty('taskId');
    const required = await send(f, 'tools/call', { name: 'must_task', arguments: {} }, {});
    expect(required.status).toBe(400);
    expect(required.error).toMatchObject({
      code: JsonRpcErrorCode.MissingRequiredClientCapability,
      data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
    });
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel'])
      expect((await send(f, method, { taskId: 'x' }, {})).error?.code).toBe(
        JsonRpcErrorCode.MissingRequiredClientCapability,
      );
  });

  it('a task waits for its questions, shows the open ones, and goes on once tasks/update answered them all', async () => {
    const created = await send(
      f,
      'tools/call',
      { name: 'two_questions', arguments: {} },
      { ...WITH_TASKS, elicitation: {} },
    );
    const taskId = String(created.result?.taskId);
    let task: Record<string, unknown> | undefined;
    for (const started = Date.now(); Date.now() - started < 5000 && task?.status !== 'input_required'; await sleep(20))
      task = (await send(f, 'tasks/get', { taskId })).result;
    expect(Object.keys(task?.inputRequests as object).sort()).toEqual(['first', 'second']);
    expect(task?.inputRequests).toMatchObject({
      first: { method: 'elicitation/create', params: { message: 'First?' } },
    });

    const bad = await send(f, 'tasks/update', { taskId, inputResponses: { first: { action: 'perhaps' } } });
    expect(bad.error).toMatchObject({ code: JsonRpcErrorCode.InvalidParams });
    expect(bad.error?.message).toMatch(/inputResponses\.first/);

    const ack = await send(f, 'tasks/update', {
      taskId,
      inputResponses: { first: { action: 'accept', content: { name: 'Ada' } }, unrelated: { action: 'accept' } },
    });
    expect(ack.result).toMatchObject({ resultType: 'complete' });
    expect(ack.result).not.toHaveProperty('status');
    const partial = (await send(f, 'tasks/get', { taskId })).result;
    expect(partial).toMatchObject({ status: 'input_required' });
    expect(Object.keys(partial?.inputRequests as object)).toEqual(['second']);

    await send(f, 'tasks/update', {
      taskId,
      inputResponses: { second: { action: 'accept', content: { name: 'Bo' } } },
    });
    expect(await settled(f, taskId)).toMatchObject({
      status: 'completed',
      result: { content: [{ text: 'Ada & Bo' }] },
    });
  });

  it('shows the latest progress of a burst, and keeps a waiting task input_required through progress', async () => {
    const created = await send(
      f,
      'tools/call',
      { name: 'ask_and_beat', arguments: {} },
      { ...WITH_TASKS, elicitation: {} },
    );
    const taskId = String(created.result?.taskId);
    // The burst's first message is written at once and its last one at the end of the interval.
    await sleep(1150);
    expect((await send(f, 'tasks/get', { taskId })).result).toMatchObject({
      status: 'working',
      statusMessage: 'asking',
    });
    let task: Record<string, unknown> | undefined;
    for (const started = Date.now(); Date.now() - started < 5000 && task?.status !== 'input_required'; await sleep(20))
      task = (await send(f, 'tasks/get', { taskId })).result;
    // The progress reported while the question is open leaves it open.
    await sleep(1500);
    task = (await send(f, 'tasks/get', { taskId })).result;
    expect(task).toMatchObject({ status: 'input_required', inputRequests: { name: { method: 'elicitation/create' } } });
    await send(f, 'tasks/update', { taskId, inputResponses: { name: { action: 'accept', content: { name: 'Ada' } } } });
    expect(await settled(f, taskId)).toMatchObject({
      status: 'completed',
      result: { content: [{ text: 'hello Ada' }] },
    });
  });

  it('a tool that gathers input first answers input_required, then a task once the answer is in', async () => {
    const caps = { ...WITH_TASKS, elicitation: {} };
    const first = await send(f, 'tools/call', { name: 'ask_then_task', arguments: {} }, caps);
    expect(first.result).toMatchObject({ resultType: 'input_required', inputRequests: { name: {} } });
    expect(first.result).not.toHaveProperty('taskId');
    const second = await send(
      f,
      'tools/call',
      {
        name: 'ask_then_task',
        arguments: {},
        inputResponses: { name: { action: 'accept', content: { name: 'Ada' } } },
        requestState: first.result?.requestState,
      },
      caps,
    );
    expect(second.result).toMatchObject({ resultType: 'task', status: 'working' });
    expect(second.result).not.toHaveProperty('requestState');
    expect(await settled(f, String(second.result?.taskId))).toMatchObject({
      status: 'completed',
      result: { content: [{ text: 'hello Ada' }] },
    });
    // Without the extension the same tool is a plain call: continueAsTask changes nothing.
    const plain = await send(
      f,
      'tools/call',
      { name: 'ask_then_task', arguments: {}, inputResponses: { name: { action: 'accept', content: { name: 'Bo' } } } },
      { elicitation: {} },
    );
    expect(plain.result).toMatchObject({ resultType: 'complete', content: [{ text: 'hello Bo' }] });
  });

  it('answers the removed tasks/list and tasks/result with 404 and -32601', async () => {
    for (const method of ['tasks/list', 'tasks/result']) {
      const reply = await send(f, method, method === 'tasks/result' ? { taskId: 'x' } : {});
      expect(reply.status).toBe(404);
      expect(reply.error?.code).toBe(JsonRpcErrorCode.MethodNotFound);
    }
  });
});

describe('a task on one replica, its questions shown and answered through another', () => {
  let a: HttpFixture;
  let b: HttpFixture;

  beforeAll(async () => {
    // Two servers sharing one store, as two replicas share the application database.
    const store = new InMemoryTaskStore();
    const replica = () => {
      const server = testServer({
        tasks: { store, pollIntervalMs: 50, watchIntervalMs: 50 },
        pipeline: async (request) => {
          const user = request.transport.headers?.['x-user'];
          request.principal = { id: String(user ?? 'anonymous'), scopes: [], via: 'api_key' } satisfies Principal;
        },
      });
      server.tools.register(
        defineTool({
          name: 'confirm',
          description: 'asks for a yes, then answers',
          inputSchema: z.object({}),
          execution: { taskSupport: 'optional' },
          execute: async (_args, ctx) => {
            const answer = await ctx.client.elicit(
              { message: 'Go ahead?', requestedSchema: { type: 'object', properties: {} } },
              { key: 'go' },
            );
            return `answered ${answer.action}`;
          },
        }),
      );
      return startHttp(server);
    };
    [a, b] = await Promise.all([replica(), replica()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('tasks/get on the other replica shows the open question, and tasks/update there lets the run go on', async () => {
    const caps = { ...WITH_TASKS, elicitation: {} };
    const created = await send(a, 'tools/call', { name: 'confirm', arguments: {} }, caps);
    const taskId = String(created.result?.taskId);
    let task: Record<string, unknown> | undefined;
    for (const started = Date.now(); Date.now() - started < 5000 && task?.status !== 'input_required'; await sleep(20))
      task = (await send(b, 'tasks/get', { taskId })).result;
    expect(task).toMatchObject({
      status: 'input_required',
      inputRequests: { go: { method: 'elicitation/create', params: { message: 'Go ahead?' } } },
    });
    const bad = await send(b, 'tasks/update', { taskId, inputResponses: { go: { action: 'perhaps' } } });
    expect(bad.error).toMatchObject({ code: JsonRpcErrorCode.InvalidParams });
    expect(
      (await send(b, 'tasks/update', { taskId, inputResponses: { go: { action: 'accept' } } })).result,
    ).toMatchObject({
      resultType: 'complete',
    });
    expect(await settled(b, taskId)).toMatchObject({
      status: 'completed',
      result: { content: [{ text: 'answered accept' }] },
    });
    // Someone else's update reaches nothing, on either replica.
    const other = await send(
      a,
      'tasks/update',
      { taskId, inputResponses: { go: { action: 'accept' } } },
      WITH_TASKS,
      'mallory',
    );
    expect(other.error?.code).toBe(JsonRpcErrorCode.InvalidParams);
  });
});
