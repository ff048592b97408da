// A durable task and its run: a 2025-11-25 `tasks/result` still returns the task's outcome when the run cannot be
// read (its engine down: the questions are not asked, the wait goes on as for any task), and a cancel of the run
// (its journal's signal, aborted from any replica) stops the call executing here at once. The durable port is a test
// double that records the submitted call; the engine is the spec, calling `executeTask` with a journal of its own.
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type ParkedRunJournal } from '../mrtr/parked-call';
import { durableTaskPort } from '../spec-helpers/durable-task-port';
import { type McpServer } from '../server';
import { connectLinkedClient, createTestServer, type LinkedClient } from '../testing';
import { defineTool } from '../tool';
import { type DurableTaskCall, type DurableTaskRuns } from './durable-tasks';
import { RELATED_TASK_META_KEY } from './related-task';
import { InMemoryTaskStore } from './task-store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A journal in memory with the run's cancel signal: steps run as they come, nobody answers. */
function journalOf(signal: AbortSignal): ParkedRunJournal {
  return {
    step: (_name, fn) => fn(),
    publish: () => Promise.resolve(),
    waitFor: () => new Promise(() => undefined),
    enclosingStep: () => '',
    signal,
  };
}

describe('a durable task and its run', () => {
  let server: McpServer;
  let linked: LinkedClient;
  let store: InMemoryTaskStore;
  const submitted: DurableTaskCall[] = [];
  let aborted: unknown;

  async function start(question: DurableTaskRuns['question']): Promise<string> {
    submitted.length = 0;
    aborted = undefined;
    store = new InMemoryTaskStore();
    server = createTestServer({
      tasks: {
        store,
        durable: durableTaskPort({ submit: async (call) => void submitted.push(call), question }),
        pollIntervalMs: 50,
      },
    });
    server.tools.register(
      defineTool({
        name: 'agent_like',
        description: 'Stands for an agent tool: runs until aborted.',
        inputSchema: z.object({}),
        execution: { taskSupport: 'optional', resumable: true },
        execute: (_args, context) =>
          new Promise<string>((_resolve, reject) =>
            context.signal.addEventListener('abort', () => {
              aborted = context.signal.reason;
              reject(context.signal.reason);
            }),
          ),
      }),
    );
    linked = await connectLinkedClient(server);
    const { task } = await linked.client.request(
      { method: 'tools/call', params: { name: 'agent_like', arguments: {}, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    );
    return task.taskId;
  }

  afterEach(async () => {
    await linked.close();
    await server.tasks?.close();
  });

  it('returns a 2025-11-25 tasks/result once the task ends though its run cannot be read', async () => {
    let looks = 0;
    const taskId = await start(() => {
      looks += 1;
      return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    });
    const result = linked.client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    await sleep(120);
    expect(looks).toBeGreaterThan(0);
    await store.finish(taskId, 'completed', { result: { content: [{ type: 'text', text: 'done' }] } });
    await expect(result).resolves.toMatchObject({
      content: [{ type: 'text', text: 'done' }],
      _meta: { [RELATED_TASK_META_KEY]: { taskId } },
    });
  });

  it('stops the call executing here once its run is cancelled', async () => {
    await start(() => Promise.resolve(undefined));
    const [call] = submitted;
    if (!call) throw new Error('no run was submitted');
    const cancel = new AbortController();
    const executed = server.executeTask(call, journalOf(cancel.signal));
    await sleep(50);
    expect(aborted).toBeUndefined();
    const reason = new Error('The run was cancelled.');
    cancel.abort(reason);
    await sleep(20);
    expect(aborted).toBe(reason);
    // Nothing stored by the execution: whoever cancelled the run says what became of the task.
    await expect(executed).resolves.toBe('working');
  });
});
