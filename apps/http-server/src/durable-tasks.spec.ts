// Tasks on durable runs as server-kit composes them over HTTP with DATABASE_URL (issue 17 step 5), in this process
// (here rather than in server-kit, whose layer may not use the SDK's client): a task-augmented call of a resumable
// tool is a DBOS run keyed by its task id, queued within the runs' limits, whose outcome lands in the task store; the
// task lease does not fail it while it waits in the queue; tasks/cancel cancels the run; a run that ended without
// storing its outcome (it failed, the store refused the outcome, it was cancelled apart from its task), or waits
// under another run format that no live replica runs (counted in no queue bound), fails its task saying why; a tool
// not marked resumable keeps its task in the process; a task call made while the engine starts waits for it instead
// of running unrecorded, and so does a call of a resumable tool that is not a task (a recorded run too); the runs it executes count in the runs' stats,
// and RUN_MAX_QUEUED refuses a task before it is stored, counted in agent_runs_refused_total by its tool as a refused
// call is. The SDK's Client over real Streamable HTTP, real PostgreSQL
// (a database of its own).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  GetTaskResultSchema,
  ListTasksResultSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { noopLogger, parseConfig } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { defineTool } from '@agent-mcp/mcp-core';
import { type HttpTestServer, serveOverHttp } from '@agent-mcp/mcp-core/testing';
import { type AgentMcpServer, createAgentMcpServer, sharedSettingsShape } from '@agent-mcp/server-kit';
import { registerRunQueueMetrics } from './observability/run-queue-metrics';

jest.setTimeout(60_000);

/** Calls of `gated` wait here until the test releases them by their `id`. */
const gates = new Map<string, { release: (text: string) => void; aborted: boolean; parked: boolean }>();
const gated = (resumable: boolean) =>
  defineTool({
    name: resumable ? 'gated' : 'gated_local',
    description: 'Waits for the test, then answers.',
    inputSchema: z.object({ id: z.string() }),
    execution: { taskSupport: 'optional', resumable },
    async execute({ id }, context) {
      const text = await new Promise<string>((resolve, reject) => {
        // `parked`: the call runs as a recorded run (its questions would go through the run).
        const gate = { release: resolve, aborted: false, parked: context.client.parked };
        gates.set(id, gate);
        context.signal.addEventListener('abort', () => {
          gate.aborted = true;
          reject(context.signal.reason);
        });
      });
      return text;
    },
  });

let db: ThrowawayDatabase;
let composed: AgentMcpServer;
let http: HttpTestServer;
let client: Client;
/** The runs' metrics, as the app registers them (`/metrics`). */
const metrics = new Registry();

const runOf = async (taskId: string) =>
  (
    await db.admin((c) =>
      c.query<{ status: string }>('SELECT status FROM agent_runs.workflow_status WHERE workflow_uuid = $1', [taskId]),
    )
  ).rows[0]?.status;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (const started = Date.now(); ; await new Promise((r) => setTimeout(r, 50))) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
  }
}

/** Waits (bounded) until the task's run has `status`; the status it has then. */
const runReaches = (taskId: string, status: string) =>
  until(
    () => runOf(taskId),
    (s) => s === status,
    `the run ${taskId} to be ${status}`,
  );

const startTask = async (name: string, id: string) =>
  (
    await client.request(
      { method: 'tools/call', params: { name, arguments: { id }, task: { ttl: 600_000 } } },
      CreateTaskResultSchema,
    )
  ).task.taskId;
const statusOf = async (taskId: string) =>
  client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);

/** Waits (bounded) until the task has `status` (tasks/get). */
const taskReaches = (taskId: string, status: string) =>
  until(
    async () => (await statusOf(taskId)).status,
    (s) => s === status,
    `the task ${taskId} to be ${status}`,
  );

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'kit_tasks' });
  // One run at a time per principal, so a second task waits in the queue; two waiting fill it.
  const env = {
    DATABASE_URL: db.url,
    LOG_LEVEL: 'warning',
    RUN_CONCURRENCY_PER_PRINCIPAL: '1',
    RUN_MAX_QUEUED: '2',
    RUN_QUEUE_POLL_MS: '50',
  };
  composed = await createAgentMcpServer({
    env,
    settings: parseConfig(z.object(sharedSettingsShape('http')), env),
    transport: { kind: 'http', location: { resource: () => 'http://127.0.0.1:1/mcp' } },
    logger: noopLogger,
    runsObserver: registerRunQueueMetrics([metrics]).observer,
    builtinTools: false,
    tools: (target) => target.tools.register(gated(true)).register(gated(false)),
    // A lease far shorter than the queue wait below: a durable task must not depend on it.
    tasks: { leaseMs: 500, watchIntervalMs: 100, pollIntervalMs: 50 },
  });
  if (composed.runs.kind !== 'durable') throw new Error('expected durable runs with DATABASE_URL over HTTP');
  // Not started here: the first test's task call finds the engine starting (an app starts it once serving).
  http = await serveOverHttp(composed.server);
  client = new Client({ name: 'durable-tasks', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(http.url));
});

afterAll(async () => {
  await client?.close().catch(() => undefined);
  await http?.close();
  await composed?.close();
  await db?.drop();
});

it('waits for the engine starting with the server: a call and a task made meanwhile are recorded runs', async () => {
  // The engine's launch waits while another replica launches (the launch lock, held here for 2.5 s), so these calls
  // find it starting for longer than the second after which a call of a resumable tool used to run unrecorded.
  let locked!: () => void;
  const holding = db.admin(async (c) => {
    await c.query("SELECT pg_advisory_lock(hashtext('agent_runs.launch'))");
    locked();
    await new Promise((r) => setTimeout(r, 2500));
    await c.query("SELECT pg_advisory_unlock(hashtext('agent_runs.launch'))");
  });
  await new Promise<void>((resolve) => (locked = resolve));
  const call = client.callTool({ name: 'gated', arguments: { id: 'plain' } });
  const taskId = await startTask('gated', 'first');
  await until(async () => gates.has('plain'), Boolean, 'the call to start');
  expect(gates.get('plain')?.parked).toBe(true);
  gates.get('plain')?.release('plain');
  expect(await call).toMatchObject({ content: [{ type: 'text', text: 'plain' }] });
  await holding;
  expect(await runOf(taskId)).toBeDefined();
  await until(async () => gates.has('first'), Boolean, 'the run to start');
  gates.get('first')?.release('first');
  expect(await runReaches(taskId, 'SUCCESS')).toBe('SUCCESS');
});

it('runs a resumable tool’s task as a durable run keyed by the task, queued past the lease, its outcome stored', async () => {
  const first = await startTask('gated', 'a');
  const second = await startTask('gated', 'b');
  await until(async () => gates.has('a'), Boolean, 'the first run to start');
  expect(await runOf(first)).toBe('PENDING');
  // The second waits for the principal's one slot, well past the 500 ms lease, and stays working.
  await new Promise((r) => setTimeout(r, 1500));
  expect(await runOf(second)).toBe('ENQUEUED');
  expect(gates.has('b')).toBe(false);
  expect((await statusOf(second)).status).toBe('working');

  gates.get('a')?.release('first done');
  await until(async () => gates.has('b'), Boolean, 'the second run to start');
  gates.get('b')?.release('second done');
  for (const [taskId, text] of [
    [first, 'first done'],
    [second, 'second done'],
  ] as const) {
    const result = await client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
    expect(result.content).toEqual([{ type: 'text', text }]);
    expect((await statusOf(taskId)).status).toBe('completed');
    expect(await runReaches(taskId, 'SUCCESS')).toBe('SUCCESS');
  }
});

it('cancels the run with the task: the call is aborted and the run never resumes', async () => {
  const taskId = await startTask('gated', 'c');
  await until(async () => gates.has('c'), Boolean, 'the run to start');
  await client.request({ method: 'tasks/cancel', params: { taskId } }, GetTaskResultSchema);
  await until(async () => gates.get('c')?.aborted, Boolean, 'the call to be aborted');
  expect(await runReaches(taskId, 'CANCELLED')).toBe('CANCELLED');
  expect((await statusOf(taskId)).status).toBe('cancelled');
});

// A run given up after too many moves is a real one in tasks-resume.spec (replica processes SIGKILLed); here, runs
// that ended without storing their task's outcome, by a fault of the task store met inside the run.
it.each([
  {
    ends: 'failed before it could store the outcome',
    id: 'd',
    // The task store is gone when the call ends: its outcome is not stored, and the run fails reading the task back.
    fault: () => ['ALTER TABLE agent_mcp_state.tasks RENAME TO tasks_away'],
    undo: 'ALTER TABLE agent_mcp_state.tasks_away RENAME TO tasks',
    run: 'ERROR',
    reason: 'The task’s run failed before it could record its outcome; run the request again.',
  },
  {
    ends: 'finished but could not store the outcome',
    id: 'e',
    // The store refuses this task's outcome (and nothing else): the run reads the task back and finishes.
    fault: (taskId: string) => [
      "CREATE FUNCTION refuse_outcome() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
      `CREATE TRIGGER refuse_outcome BEFORE UPDATE ON agent_mcp_state.tasks FOR EACH ROW
         WHEN (NEW.task_id = '${taskId}' AND NEW.outcome IS NOT NULL) EXECUTE FUNCTION refuse_outcome()`,
    ],
    undo: 'DROP FUNCTION refuse_outcome() CASCADE',
    run: 'SUCCESS',
    reason: 'The task’s run finished, but its outcome could not be recorded; run the request again.',
  },
])('fails a task whose run $ends, saying why, on the next tasks/get', async (c) => {
  const taskId = await startTask('gated', c.id);
  await until(async () => gates.has(c.id), Boolean, 'the run to start');
  await db.admin(async (client) => {
    for (const statement of c.fault(taskId)) await client.query(statement);
  });
  try {
    gates.get(c.id)?.release('never stored');
    expect(await runReaches(taskId, c.run)).toBe(c.run);
  } finally {
    await db.admin((client) => client.query(c.undo));
  }
  expect(await statusOf(taskId)).toMatchObject({ status: 'failed', statusMessage: c.reason });
  const result = await client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
  expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: c.reason }] });
});

it('fails a task whose queued run was cancelled outside tasks/cancel, saying so, on the next tasks/get', async () => {
  const running = await startTask('gated', 'f');
  await until(async () => gates.has('f'), Boolean, 'the run to start');
  const queued = await startTask('gated', 'g');
  expect(await runOf(queued)).toBe('ENQUEUED');
  // Cancelled through the runs (an operator), not the task: the run never starts, the task alone says nothing.
  if (composed.runs.kind === 'durable') await composed.runs.cancel(queued);
  expect(await runReaches(queued, 'CANCELLED')).toBe('CANCELLED');
  expect(await statusOf(queued)).toMatchObject({ status: 'failed', statusMessage: 'The task’s run was cancelled.' });
  gates.get('f')?.release('done');
  await taskReaches(running, 'completed');
  expect(gates.has('g')).toBe(false);
});

it('fails a task whose run waits under another run format, saying so; such runs do not count in RUN_MAX_QUEUED', async () => {
  const running = await startTask('gated', 'k');
  await until(async () => gates.has('k'), Boolean, 'the run to start');
  // A deploy changed the run format while these waited: no replica of their format is alive to run them.
  const old = [await startTask('gated', 'l'), await startTask('gated', 'm')];
  await db.admin((c) =>
    c.query(
      "UPDATE agent_runs.workflow_status SET application_version = 'agent-runs-0' WHERE workflow_uuid = ANY($1)",
      [old],
    ),
  );
  // Two waiting runs fill RUN_MAX_QUEUED (2), but not of this format: a new task is admitted.
  const admitted = await startTask('gated', 'n');
  expect(await runOf(admitted)).toBe('ENQUEUED');
  const reason =
    'The task was started by a server of another version (run format agent-runs-0), which this one cannot resume; run the request again.';
  expect(await statusOf(old[0] as string)).toMatchObject({ status: 'failed', statusMessage: reason });
  const result = await client.request({ method: 'tasks/result', params: { taskId: old[1] } }, CallToolResultSchema);
  expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: reason }] });
  // Cancelled too: a server of that format started later does not run a task already failed.
  for (const taskId of old) expect(await runReaches(taskId, 'CANCELLED')).toBe('CANCELLED');
  gates.get('k')?.release('k');
  await until(async () => gates.has('n'), Boolean, 'the admitted run to start');
  gates.get('n')?.release('n');
  for (const taskId of [running, admitted]) await taskReaches(taskId, 'completed');
  expect(gates.has('l') || gates.has('m')).toBe(false);
});

it('keeps the task of a tool not marked resumable in this process: no run is recorded', async () => {
  const taskId = await startTask('gated_local', 'f');
  await until(async () => gates.has('f'), Boolean, 'the call to start');
  expect(await runOf(taskId)).toBeUndefined();
  gates.get('f')?.release('local');
  const result = await client.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
  expect(result.content).toEqual([{ type: 'text', text: 'local' }]);
});

it('counts the task runs it executes in its stats, and refuses a task past RUN_MAX_QUEUED before storing it', async () => {
  const running = await startTask('gated', 'g');
  await until(async () => gates.has('g'), Boolean, 'the run to start');
  expect(composed.runs.stats()).toMatchObject({ running: 1, queued: 0 });
  const waiting = [await startTask('gated', 'h'), await startTask('gated', 'i')];
  for (const taskId of waiting) expect(await runOf(taskId)).toBe('ENQUEUED');
  const listed = async () => (await client.request({ method: 'tasks/list', params: {} }, ListTasksResultSchema)).tasks;
  const before = (await listed()).length;

  // Over HTTP a rate limit ends the exchange with 429 (and Retry-After); the JSON-RPC error names the limit.
  const refused = (await startTask('gated', 'j').catch((error: unknown) => error)) as Error & { code?: number };
  expect(refused.code).toBe(429);
  expect(JSON.parse(refused.message.slice(refused.message.indexOf('{')))).toMatchObject({
    error: { code: -32003, data: { code: 'RATE_LIMITED', limit: 'agent_runs', retryAfterSeconds: 5 } },
  });
  expect(await listed()).toHaveLength(before);
  expect(await metrics.getSingleMetricAsString('agent_runs_refused_total')).toContain(
    'agent_runs_refused_total{tool="gated"} 1',
  );

  gates.get('g')?.release('g');
  for (const id of ['h', 'i']) {
    await until(async () => gates.has(id), Boolean, 'the waiting runs to start');
    gates.get(id)?.release(id);
  }
  expect(gates.has('j')).toBe(false);
  for (const taskId of [running, ...waiting]) await taskReaches(taskId, 'completed');
  // The runs end a moment after their tasks: the outcome is stored from inside them.
  await until(
    async () => composed.runs.stats().running,
    (n) => n === 0,
    'the runs to end',
  );
});
