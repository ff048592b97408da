// Issue 17, "Done when" (50 tasks): 50 concurrent research tasks on two http-server processes (the built main.js)
// sharing one PostgreSQL database (a database of its own), with durable runs and a short recovery delay; one replica
// is SIGKILLed while runs are in flight and started again at once. All 50 tasks complete, and the scripted model
// server, which counts the requests of each task's conversation per turn, saw no completed turn twice: a turn was
// asked again only where it was in flight at the kill (at most one per task). Each run recorded once as finished.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateTaskResultSchema, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  createScriptedServer,
  jsonTurn,
  type RecordedRequest,
  type ScriptedServer,
  toolCallTurn,
} from '@agent-mcp/agent-core/testing';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import pg from 'pg';
import { type ServerProcess, startServerProcess, until, untilRunEngineUp } from './spec-helpers/server-process';

jest.setTimeout(240_000);

const TASKS = 50;

let db: ThrowawayDatabase;
let model: ScriptedServer;
let check: pg.Pool;
let env: Record<string, string>;
const replicas: ServerProcess[] = [];
const clients: Client[] = [];

async function startReplica(): Promise<ServerProcess> {
  const replica = await startServerProcess(env);
  replicas.push(replica);
  await untilRunEngineUp(replica, 90_000);
  return replica;
}

async function connect(base: string): Promise<Client> {
  const client = new Client({ name: 'tasks-fifty', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
  clients.push(client);
  return client;
}

/** The task a model request belongs to (its question carries a mark), and which turn of its run it is. */
function conversationOf(request: RecordedRequest): { task: number; turn: number } {
  const task = Number(/task-mark-(\d+)/.exec(request.rawBody)?.[1] ?? -1);
  const outputs = (request.body.input as Array<{ type?: string }>).filter((i) => i.type === 'function_call_output');
  return { task, turn: outputs.length + 1 };
}

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'tasks_fifty' });
  model = await createScriptedServer({ apiKey: 'test-key' });
  check = new pg.Pool({ connectionString: db.url, max: 2 });
  check.on('error', () => undefined);
  env = {
    DATABASE_URL: db.url,
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'test-key',
    OPENAI_MODEL: 'scripted-model',
    RESEARCH_TOOLS: 'true',
    RESEARCH_CORPUS_INDEX: 'false',
    RESEARCH_WEB_SEARCH: 'off',
    DATABASE_TOOLS: 'false',
    SUPPORT_TOOLS: 'false',
    RUN_HEARTBEAT_MS: '300',
    RUN_RECOVERY_AFTER_MS: '1500',
    // Every task is the same (anonymous) caller's: let the replicas' own limits bound them.
    RUN_CONCURRENCY_PER_PRINCIPAL: '16',
    LOG_LEVEL: 'info',
  };
});

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await Promise.all(replicas.map((r) => r.kill()));
  await check?.end();
  await model?.close();
  await db?.drop();
});

it('completes 50 concurrent tasks with one of two replicas killed and restarted mid-way, no completed turn asked twice', async () => {
  const [a, b] = await Promise.all([startReplica(), startReplica()]);
  // Turns go to requests in arrival order, whatever their task: a run calls a tool until it meets an answer. There
  // are enough answers left over for the runs the kill interrupts.
  for (let i = 0; i < TASKS; i++) {
    model.enqueue(
      toolCallTurn({ name: 'fetch_url', arguments: { url: `http://127.0.0.1:9/${i}` } }, { delayMs: 150 }),
      jsonTurn({ answer: 'Nothing could be read.', citations: [] }, { delayMs: 150 }),
    );
  }
  for (let i = 0; i < 40; i++) model.enqueue(jsonTurn({ answer: 'Nothing could be read.', citations: [] }));

  const client = await connect(a.base);
  const taskIds = await Promise.all(
    Array.from({ length: TASKS }, async (_, i) => {
      const created = await client.request(
        {
          method: 'tools/call',
          params: {
            name: 'research',
            arguments: { question: `What is at task-mark-${i}?`, sources: ['urls'] },
            task: {},
          },
        },
        CreateTaskResultSchema,
      );
      return created.task.taskId;
    }),
  );

  // Mid-way: a third of the tasks' turns asked. Both replicas are running runs by then.
  await until(() => model.requests.length >= 40, 90_000, '40 model requests');
  a.child.kill('SIGKILL');
  await a.exited;
  await startReplica();

  const other = await connect(b.base);
  const statuses = new Map<string, string>();
  for (const started = Date.now(); Date.now() - started < 150_000;) {
    for (const taskId of taskIds) {
      if (statuses.get(taskId) === 'completed') continue;
      statuses.set(
        taskId,
        (await other.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).status,
      );
    }
    if ([...statuses.values()].every((s) => s !== 'working')) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect([...statuses.values()].filter((s) => s === 'completed')).toHaveLength(TASKS);

  // Per task and turn: asked once, or twice where the turn was in flight at the kill (one turn per task at most).
  const asked = new Map<string, number>();
  for (const request of model.requests) {
    const { task, turn } = conversationOf(request);
    expect(task).toBeGreaterThanOrEqual(0);
    asked.set(`${task}:${turn}`, (asked.get(`${task}:${turn}`) ?? 0) + 1);
  }
  expect(Math.max(...asked.values())).toBeLessThanOrEqual(2);
  const repeatedPerTask = new Map<string, number>();
  for (const [key, n] of asked) {
    if (n === 2)
      repeatedPerTask.set(key.split(':')[0] as string, (repeatedPerTask.get(key.split(':')[0] as string) ?? 0) + 1);
  }
  expect([...repeatedPerTask.values()].every((n) => n === 1)).toBe(true);
  // The killed replica was running some: their in-flight turns are the only repeats.
  expect(repeatedPerTask.size).toBeLessThanOrEqual(8);
  // The killed replica's unfinished runs were moved by a live one (the restarted replica or the other).
  const moved = replicas
    .flatMap((r) => r.logLines())
    .filter((l) => l['msg'] === 'agent runs: resumed the runs of replicas that stopped answering')
    .reduce((n, l) => n + Number(l['runs']), 0);
  expect(moved).toBeGreaterThanOrEqual(1);
  expect(moved).toBeGreaterThanOrEqual(repeatedPerTask.size);
  const { rows } = await check.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM agent_runs.workflow_status WHERE workflow_uuid = ANY($1) GROUP BY status',
    [taskIds],
  );
  expect(rows).toEqual([{ status: 'SUCCESS', n: TASKS }]);
});
