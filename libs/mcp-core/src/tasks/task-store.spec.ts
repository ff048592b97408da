// The task store contract, on both stores: in memory, and PostgreSQL (the real test server, in a database of
// this file's own) through context's SqlClient. Then two servers sharing one PostgreSQL store, as two replicas
// (or a restarted process) would.
import { randomBytes } from 'node:crypto';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  ABANDONED_MESSAGE,
  InvalidTaskCursorError,
  type NewTask,
  type SqlClient,
  type TaskStore,
} from '@agent-mcp/context';
import { createPgSqlClient, SqlTaskStore } from '@agent-mcp/store';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { connectPipeClient, testServer } from '../spec-helpers/clients';
import { defineTool } from '../tool';
import { InMemoryTaskStore } from './task-store';

jest.setTimeout(30_000);

let db: ThrowawayDatabase;
let sql: SqlClient;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'ttask' });
  sql = createPgSqlClient({ connectionString: db.url });
});
afterAll(async () => {
  await sql?.close();
  await db?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const newTask = (over: Partial<NewTask> = {}): NewTask => ({
  owner: 'alice',
  method: 'tools/call',
  ttlMs: 60_000,
  pollIntervalMs: 1000,
  runner: 'runner-1',
  leaseMs: 30_000,
  ...over,
});

describe.each([
  ['in memory', () => new InMemoryTaskStore()],
  ['PostgreSQL', () => new SqlTaskStore({ sql, schema: `s_${randomBytes(4).toString('hex')}` })],
])('task store (%s)', (_name, make: () => TaskStore) => {
  let store: TaskStore;
  beforeEach(() => {
    store = make();
  });

  it('keeps the questions of a waiting task, and hands answers sent for it to its runner once', async () => {
    const task = await store.create(newTask());
    const asked = { approve: { method: 'elicitation/create', params: { message: 'Go?' } } };
    expect(await store.setStatus(task.taskId, undefined, 'input_required', 'Waiting', asked)).toMatchObject({
      status: 'input_required',
      inputRequests: asked,
    });
    expect((await store.get(task.taskId, 'alice'))?.inputRequests).toEqual(asked);
    const answer = { approve: { action: 'accept', content: { ok: true } } };
    expect(await store.sendInputs?.(task.taskId, 'mallory', answer)).toBe(false);
    expect(await store.sendInputs?.(task.taskId, 'alice', answer)).toBe(true);
    expect(await store.takeInputs?.('runner-2', [task.taskId])).toEqual(new Map());
    expect(await store.takeInputs?.('runner-1', [task.taskId])).toEqual(new Map([[task.taskId, answer]]));
    expect(await store.takeInputs?.('runner-1', [task.taskId])).toEqual(new Map());
    // Answered: working again, with no questions, and nothing more to send.
    expect((await store.setStatus(task.taskId, undefined, 'working'))?.inputRequests).toBeUndefined();
    expect(await store.sendInputs?.(task.taskId, 'alice', answer)).toBe(false);
  });

  it('creates a working task that only its owner can see', async () => {
    const task = await store.create(newTask());
    expect(task).toMatchObject({ owner: 'alice', status: 'working', ttlMs: 60_000, pollIntervalMs: 1000 });
    expect(await store.get(task.taskId, 'alice')).toMatchObject({ taskId: task.taskId, status: 'working' });
    expect(await store.get(task.taskId, 'mallory')).toBeUndefined();
    expect(await store.setStatus(task.taskId, 'mallory', 'cancelled')).toBeUndefined();
    expect((await store.list('mallory', { limit: 10 })).tasks).toEqual([]);
  });

  it('keeps the first terminal state: a finished task cannot be cancelled or finished again', async () => {
    const task = await store.create(newTask());
    expect(await store.finish(task.taskId, 'completed', { result: { content: [] } })).toBe(true);
    expect(await store.finish(task.taskId, 'failed', { result: { content: [], isError: true } })).toBe(false);
    expect(await store.setStatus(task.taskId, 'alice', 'cancelled')).toBeUndefined();
    expect(await store.get(task.taskId, 'alice')).toMatchObject({ status: 'completed' });
    expect(await store.outcome(task.taskId, 'alice')).toEqual({ result: { content: [] } });
    expect(await store.outcome(task.taskId, 'mallory')).toBeUndefined();
  });

  it('lists newest first, a page at a time', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await store.create(newTask())).taskId);
    const first = await store.list('alice', { limit: 2 });
    expect(first.tasks.map((t) => t.taskId)).toEqual([ids[4], ids[3]]);
    const second = await store.list('alice', { limit: 2, cursor: first.nextCursor });
    const third = await store.list('alice', { limit: 2, cursor: second.nextCursor });
    expect([...second.tasks, ...third.tasks].map((t) => t.taskId)).toEqual([ids[2], ids[1], ids[0]]);
    expect(third.nextCursor).toBeUndefined();
    await expect(store.list('alice', { limit: 2, cursor: 'bm90IGEgY3Vyc29y' })).rejects.toBeInstanceOf(
      InvalidTaskCursorError,
    );
  });

  it('fails a task whose runner stopped renewing its lease, and renews only live tasks of its own runner', async () => {
    const lapsing = await store.create(newTask({ leaseMs: 100 }));
    const renewed = await store.create(newTask({ leaseMs: 100 }));
    const done = await store.create(newTask());
    await store.finish(done.taskId, 'completed', { result: { content: [] } });
    expect(await store.renew('runner-2', [renewed.taskId], 30_000)).toEqual(new Set());
    expect(await store.renew('runner-1', [renewed.taskId, done.taskId], 30_000)).toEqual(new Set([renewed.taskId]));
    await sleep(250);
    expect(await store.get(lapsing.taskId, 'alice')).toMatchObject({
      status: 'failed',
      statusMessage: ABANDONED_MESSAGE,
    });
    expect(await store.get(renewed.taskId, 'alice')).toMatchObject({ status: 'working' });
  });

  it('forgets tasks after their TTL', async () => {
    const task = await store.create(newTask({ ttlMs: 100 }));
    await sleep(250);
    expect(await store.get(task.taskId, 'alice')).toBeUndefined();
    expect(await store.deleteExpired()).toBeGreaterThanOrEqual(0);
    expect((await store.list('alice', { limit: 10 })).tasks.map((t) => t.taskId)).not.toContain(task.taskId);
  });
});

describe('two servers on one PostgreSQL task store (replicas, or a process and its successor)', () => {
  function gated() {
    const gate = { release: (_v: string) => undefined as void, aborted: false, started: false };
    const tool = defineTool({
      name: 'slow',
      description: 'waits for the test',
      inputSchema: z.object({}),
      outputSchema: z.object({ answer: z.string() }),
      execution: { taskSupport: 'optional' },
      async execute(_args, context) {
        gate.started = true;
        const answer = await new Promise<string>((resolve, reject) => {
          gate.release = resolve;
          context.signal.addEventListener('abort', () => {
            gate.aborted = true;
            reject(context.signal.reason);
          });
        });
        return { answer };
      },
    });
    return { tool, gate };
  }

  async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await sleep(20);
    }
  }

  const schema = `s_${randomBytes(4).toString('hex')}`;
  const replica = (leaseMs = 30_000, watchIntervalMs = 50) => {
    const { tool, gate } = gated();
    const server = testServer({
      tasks: { store: new SqlTaskStore({ sql, schema }), pollIntervalMs: 50, watchIntervalMs, leaseMs },
    });
    server.tools.register(tool);
    return { server, gate };
  };

  it('serves a task started on one server from the other, and a cancel sent to the other stops the run', async () => {
    const a = replica();
    const b = replica();
    const clientA = await connectPipeClient(a.server);
    const clientB = await connectPipeClient(b.server);
    try {
      const first = await clientA.client.request(
        { method: 'tools/call', params: { name: 'slow', arguments: {}, task: {} } },
        CreateTaskResultSchema,
      );
      await until(() => a.gate.started);
      const result = clientB.client.experimental.tasks.getTaskResult(first.task.taskId, CallToolResultSchema);
      a.gate.release('from replica A');
      expect((await result).structuredContent).toEqual({ answer: 'from replica A' });

      a.gate.started = false;
      const second = await clientA.client.request(
        { method: 'tools/call', params: { name: 'slow', arguments: {}, task: {} } },
        CreateTaskResultSchema,
      );
      await until(() => a.gate.started);
      expect(await clientB.client.experimental.tasks.cancelTask(second.task.taskId)).toMatchObject({
        status: 'cancelled',
      });
      await until(() => a.gate.aborted, 2000);
    } finally {
      await clientA.close();
      await clientB.close();
      await a.server.tasks?.close();
      await b.server.tasks?.close();
    }
  });

  it('reports a task failed, not working for ever, when the process running it died', async () => {
    // The first server stops renewing (as if killed): its watch never runs within the test.
    const dead = replica(200, 60_000);
    const successor = replica();
    const clientDead = await connectPipeClient(dead.server);
    const clientNext = await connectPipeClient(successor.server);
    try {
      const { task } = await clientDead.client.request(
        { method: 'tools/call', params: { name: 'slow', arguments: {}, task: {} } },
        CreateTaskResultSchema,
      );
      await until(() => dead.gate.started);
      await sleep(300);
      expect(await clientNext.client.experimental.tasks.getTask(task.taskId)).toMatchObject({
        status: 'failed',
        statusMessage: ABANDONED_MESSAGE,
      });
      const result = await clientNext.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
      expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: ABANDONED_MESSAGE }] });
    } finally {
      dead.gate.release('too late');
      await clientDead.close();
      await clientNext.close();
      await dead.server.tasks?.close();
      await successor.server.tasks?.close();
    }
  });
});
