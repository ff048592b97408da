// Issue 17, "Done when" (support): a support task whose server is SIGKILLed right after its approved ticket_create
// step completes finishes once the server is started again, with exactly one ticket. The http-server (the built
// main.js) runs on a PostgreSQL database of its own loaded with the sample data, with durable runs (DATABASE_URL) and
// a short recovery delay; a 2026-07-28 client calls `support` as a task (tasks extension), approves the write with
// tasks/update, and the process is killed while the model turn after the write is in flight. The process started
// again resumes the run: the write and its approval come from the record, only the turn in flight is asked again.
import { randomUUID } from 'node:crypto';
import {
  createScriptedServer,
  hangTurn,
  type ScriptedServer,
  textTurn,
  toolCallTurn,
} from '@agent-mcp/agent-core/testing';
import pg from 'pg';
import { createSampleDatabase, type SampleDatabase } from './spec-helpers/sample-database';
import { type ServerProcess, startServerProcess, untilRunEngineUp } from './spec-helpers/server-process';

jest.setTimeout(150_000);

const MODERN = '2026-07-28';
const CAPS = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: { form: {} } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let database: SampleDatabase;
let model: ScriptedServer;
let check: pg.Pool;
let env: Record<string, string>;
const servers: ServerProcess[] = [];

async function startServer(): Promise<ServerProcess> {
  const server = await startServerProcess(env);
  servers.push(server);
  await untilRunEngineUp(server, 60_000);
  return server;
}

let rawId = 1;
/** One 2026-07-28 request, raw (no session), to `base`; the JSON-RPC answer. */
async function modern(
  base: string,
  method: string,
  params: Record<string, unknown>,
): Promise<{ result?: Record<string, unknown>; error?: { code: number; message: string } }> {
  const name = (params['name'] ?? params['taskId']) as string | undefined;
  const res = await fetch(`${base}/mcp`, {
    method: 'POST',
    signal: AbortSignal.timeout(30_000),
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(name ? { 'mcp-name': name } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: rawId++,
      method,
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientCapabilities': CAPS,
        },
        ...params,
      },
    }),
  });
  const text = await res.text();
  if (!res.headers.get('content-type')?.includes('text/event-stream')) return JSON.parse(text);
  const last = text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .at(-1);
  return JSON.parse(last?.slice(6) ?? '{}');
}

/** Polls tasks/get on `base` until `done` holds for the task, for at most `timeoutMs`. */
async function taskUntil(
  base: string,
  taskId: string,
  done: (task: Record<string, unknown> | undefined) => boolean,
  timeoutMs: number,
): Promise<Record<string, unknown> | undefined> {
  let task: Record<string, unknown> | undefined;
  for (const started = Date.now(); Date.now() - started < timeoutMs; await sleep(100)) {
    task = (await modern(base, 'tasks/get', { taskId })).result;
    if (done(task)) break;
  }
  return task;
}

const ticketsOf = async (customerId: number) =>
  (
    await check.query<{ n: number }>('SELECT count(*)::int AS n FROM support_tickets WHERE customer_id = $1', [
      customerId,
    ])
  ).rows[0]?.n ?? 0;

beforeAll(async () => {
  database = await createSampleDatabase();
  model = await createScriptedServer({ apiKey: 'test-key' });
  check = new pg.Pool({ connectionString: database.url, max: 2 });
  check.on('error', () => undefined);
  env = {
    DATABASE_URL: database.url,
    DATABASE_TOOLS: 'true',
    SUPPORT_TOOLS: 'true',
    RESEARCH_TOOLS: 'false',
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'test-key',
    OPENAI_MODEL: 'scripted-model',
    RUN_HEARTBEAT_MS: '300',
    RUN_RECOVERY_AFTER_MS: '1500',
    LOG_LEVEL: 'info',
  };
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  await check?.end();
  await model?.close();
  await database?.drop();
});

it('writes exactly one ticket when the server dies right after the approved ticket_create step', async () => {
  const first = await startServer();
  model.enqueue(
    toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Killed after', body: 'Please call me.' } }),
    hangTurn(), // the turn after the write, in flight when the process dies
    textTurn('A colleague will call you back.'),
  );
  const before = await ticketsOf(8);
  const created = await modern(first.base, 'tools/call', {
    name: 'support',
    arguments: { message: `Call me back (${randomUUID()}).`, customerId: 8 },
  });
  expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
  const taskId = String(created.result?.['taskId']);

  const asking = await taskUntil(first.base, taskId, (t) => t?.['status'] === 'input_required', 30_000);
  const key = Object.keys((asking?.['inputRequests'] as object | undefined) ?? {})[0] as string;
  expect(key).toMatch(/^approve-/);
  const ack = await modern(first.base, 'tasks/update', {
    taskId,
    inputResponses: { [key]: { action: 'accept', content: { confirm: true } } },
  });
  expect(ack.error).toBeUndefined();

  // The next model request comes once the ticket_create step is recorded: the process dies there.
  await model.waitForRequest(1, 30_000);
  expect(await ticketsOf(8)).toBe(before + 1);
  first.child.kill('SIGKILL');
  await first.exited;

  const second = await startServer();
  const done = await taskUntil(
    second.base,
    taskId,
    (t) => t?.['status'] !== 'working' && t?.['status'] !== 'input_required',
    60_000,
  );
  expect(done).toMatchObject({
    status: 'completed',
    result: { structuredContent: { status: 'answered', ticketCreated: { created: true } } },
  });
  expect(await ticketsOf(8)).toBe(before + 1);
  // Turn 1 (the write) asked once, turn 2 twice (in flight at the kill, then on the resumed run); no new question.
  expect(model.requests).toHaveLength(3);
});
