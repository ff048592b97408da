// MCP tasks end to end: the SDK's real Client over stdio pipes against an McpServer with tasks on.
import { CallToolResultSchema, CreateTaskResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { connectPipeClient, type PipeClient, testServer } from '../spec-helpers/clients';
import { type McpServer } from '../server';
import { defineTool } from '../tool';
import { RELATED_TASK_META_KEY } from './task-manager';

jest.setTimeout(20_000);

/** A tool that reports a step, then waits until released (or aborted), then answers or fails. */
function gatedTool(name: string, taskSupport: 'forbidden' | 'optional' | 'required') {
  const gate = { release: (_value: string) => undefined as void, aborted: false, started: 0 };
  const tool = defineTool({
    name,
    description: 'waits for the test',
    inputSchema: z.object({ fail: z.boolean().optional() }),
    outputSchema: z.object({ answer: z.string() }),
    execution: { taskSupport },
    async execute({ fail }, context) {
      gate.started++;
      await context.reportProgress({ progress: 1, message: 'step 1: thinking' });
      const answer = await new Promise<string>((resolve, reject) => {
        gate.release = resolve;
        context.signal.addEventListener('abort', () => {
          gate.aborted = true;
          reject(context.signal.reason);
        });
      });
      if (fail) throw new Error('boom');
      return { answer };
    },
  });
  return { tool, gate };
}

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('MCP tasks over stdio', () => {
  let server: McpServer;
  let pipe: PipeClient;
  const slow = gatedTool('slow', 'optional');
  const onlyTask = gatedTool('only_task', 'required');
  const plain = gatedTool('plain', 'forbidden');

  beforeEach(async () => {
    server = testServer({ tasks: { pollIntervalMs: 50, watchIntervalMs: 50 } });
    server.tools.register(slow.tool).register(onlyTask.tool).register(plain.tool);
    pipe = await connectPipeClient(server);
  });
  afterEach(async () => {
    await pipe.close();
    await server.tasks?.close();
  });

  const startTask = (name: string, args: Record<string, unknown> = {}) =>
    pipe.client.request(
      { method: 'tools/call', params: { name, arguments: args, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );

  it('declares the tasks capability and each tool’s task support', async () => {
    expect(pipe.client.getServerCapabilities()?.tasks).toEqual({
      list: {},
      cancel: {},
      requests: { tools: { call: {} } },
    });
    const { tools } = await pipe.client.listTools();
    expect(Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport]))).toEqual({
      slow: 'optional',
      only_task: 'required',
      plain: 'forbidden',
    });
  });

  it('answers a task-augmented call with a working task at once, then serves its result when it ends', async () => {
    const { task } = await startTask('slow');
    expect(task).toMatchObject({ status: 'working', ttl: 60_000, pollInterval: 50 });
    expect(new Date(task.createdAt).toString()).not.toBe('Invalid Date');
    await until(
      async () => (await pipe.client.experimental.tasks.getTask(task.taskId)).statusMessage === 'step 1: thinking',
    );

    const result = pipe.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    slow.gate.release('forty-two');
    expect(await result).toMatchObject({
      structuredContent: { answer: 'forty-two' },
      _meta: { [RELATED_TASK_META_KEY]: { taskId: task.taskId } },
    });
    expect(await pipe.client.experimental.tasks.getTask(task.taskId)).toMatchObject({
      taskId: task.taskId,
      status: 'completed',
    });
  });

  it('marks a task whose tool failed as failed, with the error result', async () => {
    const { task } = await startTask('slow', { fail: true });
    await until(() => slow.gate.started > 0);
    slow.gate.release('unused');
    const result = await pipe.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result.isError).toBe(true);
    expect((await pipe.client.experimental.tasks.getTask(task.taskId)).status).toBe('failed');
  });

  it('cancels a running task: its handler is aborted and the task stays cancelled', async () => {
    const { task } = await startTask('slow');
    await until(() => slow.gate.started > 0);
    const cancelled = await pipe.client.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled).toMatchObject({ taskId: task.taskId, status: 'cancelled' });
    await until(() => slow.gate.aborted);
    expect((await pipe.client.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');
    const result = await pipe.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'The task was cancelled.' }] });
    await expect(pipe.client.experimental.tasks.cancelTask(task.taskId)).rejects.toMatchObject({ code: -32602 });
  });

  it('lists the caller’s tasks newest first', async () => {
    const first = (await startTask('slow')).task;
    const second = (await startTask('slow')).task;
    const { tasks } = await pipe.client.experimental.tasks.listTasks();
    expect(tasks.map((t) => t.taskId)).toEqual([second.taskId, first.taskId]);
  });

  it('refuses a task for a tool that forbids it, and a plain call of a tool that requires one', async () => {
    await expect(startTask('plain')).rejects.toMatchObject({ code: -32601 });
    await expect(pipe.client.callTool({ name: 'only_task', arguments: {} })).rejects.toMatchObject({ code: -32601 });
    expect(plain.gate.started + onlyTask.gate.started).toBe(0);
  });

  it('answers -32602 for an unknown task id', async () => {
    const error = await pipe.client.experimental.tasks.getTask('no-such-task').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect(error).toMatchObject({ code: -32602 });
  });

  it('keeps a task running when its client disconnects; another connection of the same principal reads the result', async () => {
    const { task } = await startTask('slow');
    await until(() => slow.gate.started > 0);
    await pipe.close();
    slow.gate.release('after the disconnect');
    pipe = await connectPipeClient(server);
    const result = await pipe.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result.structuredContent).toEqual({ answer: 'after the disconnect' });
  });

  it('fails the tasks still running when the server closes its tasks, so none stays working', async () => {
    const { task } = await startTask('slow');
    await until(() => slow.gate.started > 0);
    await server.tasks?.close(0);
    const after = await pipe.client.experimental.tasks.getTask(task.taskId);
    expect(after.status).toBe('failed');
    expect(after.statusMessage).toMatch(/shut down/);
  });

  it('runs a task-augmented call as an ordinary call when tasks are off', async () => {
    const off = testServer({ tasks: false });
    const quick = defineTool({
      name: 'quick',
      description: 'answers',
      inputSchema: z.object({}),
      execution: { taskSupport: 'optional' },
      execute: () => 'done',
    });
    off.tools.register(quick);
    const other = await connectPipeClient(off);
    try {
      expect(other.client.getServerCapabilities()?.tasks).toBeUndefined();
      const answer = await other.client.request(
        { method: 'tools/call', params: { name: 'quick', arguments: {}, task: {} } },
        CallToolResultSchema,
      );
      expect(answer.content).toEqual([{ type: 'text', text: 'done' }]);
    } finally {
      await other.close();
    }
  });
});
