// A durable task's lease: stored with a process's short lease until its run is queued, then given its TTL (no
// process holds a queued run). So a server that stops between storing the task and queueing its run leaves a task
// that fails as abandoned within the lease, not one that shows `working`, with no run, until its TTL; and a queued
// task outlives that lease. The durable port is a test double whose queueing hangs (the server "stopped" there) or
// succeeds.
import { type TaskRecord } from '@agent-mcp/context';
import { z } from 'zod';
import { defineTool } from '../tool';
import { connectLinkedClient, createTestServer } from '../testing';
import { durableTaskPort } from '../spec-helpers/durable-task-port';
import { type DurableTaskRuns } from './durable-tasks';
import { InMemoryTaskStore } from './task-store';

const LEASE_MS = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a task of a resumable tool on a server whose durable port is `port`; the stored task once it exists. */
async function startTask(port: DurableTaskRuns): Promise<{ store: InMemoryTaskStore; task: TaskRecord }> {
  const created: TaskRecord[] = [];
  const store = new (class extends InMemoryTaskStore {
    override async create(...args: Parameters<InMemoryTaskStore['create']>): Promise<TaskRecord> {
      const task = await super.create(...args);
      created.push(task);
      return task;
    }
  })();
  const server = createTestServer({ tasks: { store, durable: port, leaseMs: LEASE_MS } });
  server.tools.register(
    defineTool({
      name: 'agent_like',
      description: 'Stands for an agent tool.',
      inputSchema: z.object({}),
      execution: { taskSupport: 'optional', resumable: true },
      execute: () => 'done',
    }),
  );
  const { client } = await connectLinkedClient(server);
  void client
    .request({ method: 'tools/call', params: { name: 'agent_like', arguments: {}, task: { ttl: 60_000 } } }, z.any())
    .catch(() => undefined);
  for (let i = 0; i < 100; i++) {
    const [task] = created;
    if (task) return { store, task };
    await sleep(5);
  }
  throw new Error('no task was stored');
}

describe('a durable task’s lease', () => {
  it('fails a task whose run was never queued (its server stopped in between) once the short lease runs out', async () => {
    const { store, task } = await startTask(durableTaskPort({ submit: () => new Promise<void>(() => undefined) }));
    expect(task.status).toBe('working');
    await sleep(LEASE_MS * 3);
    expect(await store.get(task.taskId, task.owner)).toMatchObject({ status: 'failed' });
  });

  it('keeps a queued task past that lease: its lease is its TTL once the run is queued', async () => {
    const { store, task } = await startTask(durableTaskPort());
    await sleep(LEASE_MS * 3);
    expect(await store.get(task.taskId, task.owner)).toMatchObject({ status: 'working' });
  });
});
