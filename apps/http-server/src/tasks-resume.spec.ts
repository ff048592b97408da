// Issue 17, "Done when" (research): a task survives the replica running it. Two http-server processes (the built
// main.js) share one PostgreSQL database (a database of its own), with durable runs (DATABASE_URL) and a short
// recovery delay. The SDK's Client calls `research` as a 2025-11-25 task; the replica that took the task's run is
// SIGKILLed while the run's third model turn is in flight; the other replica notices, resumes the run from its last
// completed step and stores the result. The scripted model server counts the requests per turn: each completed turn
// was asked once, only the turn in flight twice. `tasks/get` and `tasks/result` show the result on the surviving
// replica and on the killed one restarted. What the run's tools did before the kill (a page read, a refused URL)
// comes back from their recorded steps: the answer's citation of that page is checked, not dropped. While the resumed
// run works (a page it reads is held), `tasks/get` on either replica shows that run's progress, not the last message
// of the killed one. A run whose replicas die more often than RUN_MAX_RESUMES allows fails its task, saying why.
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema, GetTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  createScriptedServer,
  hangTurn,
  jsonTurn,
  type RecordedRequest,
  type ScriptedServer,
  toolCallTurn,
} from '@agent-mcp/agent-core/testing';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import pg from 'pg';
import { eventually, type ServerProcess, startServerProcess, untilRunEngineUp } from './spec-helpers/server-process';

jest.setTimeout(150_000);

let db: ThrowawayDatabase;
let model: ScriptedServer;
/** Serves the one page the run reads, at 127.0.0.2 (allowed to the fetch guard; 127.0.0.1 stays refused). */
let pages: Server;
let pageUrl: string;
/** A page whose answer waits for the test: the resumed run's fourth turn reads it. */
let heldUrl: string;
let releaseHeld: () => void;
const PAGE_SENTENCE = 'The harbour bridge opened to traffic in the spring of 1932.';
let check: pg.Pool;
let env: Record<string, string>;
const replicas: ServerProcess[] = [];
const clients: Client[] = [];

/** Starts a replica and waits (bounded) until its run engine is up, so that its tasks are durable runs. */
async function startReplica(extra: Record<string, string> = {}): Promise<ServerProcess & { executorId: string }> {
  const replica = await startServerProcess({ ...env, ...extra });
  replicas.push(replica);
  return Object.assign(replica, { executorId: await untilRunEngineUp(replica, 60_000) });
}

async function connect(base: string): Promise<Client> {
  const client = new Client({ name: 'tasks-resume', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
  clients.push(client);
  return client;
}

/** Calls `research` on `question` as a 2025-11-25 task (reading URLs only); the task as created. */
async function startResearch(client: Client, question: string) {
  const created = await client.request(
    { method: 'tools/call', params: { name: 'research', arguments: { question, sources: ['urls'] }, task: {} } },
    CreateTaskResultSchema,
  );
  return created.task;
}

/** The task's run as DBOS records it: the replica that owns it, and its status. */
async function runOf(taskId: string): Promise<Array<{ executor_id: string; status: string }>> {
  const { rows } = await check.query<{ executor_id: string; status: string }>(
    'SELECT executor_id, status FROM agent_runs.workflow_status WHERE workflow_uuid = $1',
    [taskId],
  );
  return rows;
}

/** Which turn of the run a model request was for: turn n carries the outputs of the n-1 tool calls before it. */
const turnOf = (request: RecordedRequest) =>
  (request.body.input as Array<{ type?: string }>).filter((item) => item.type === 'function_call_output').length + 1;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'tasks_resume' });
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));
  pages = createServer((req, res) => {
    const title = req.url === '/held' ? 'Bridge today' : 'Bridge history';
    const answer = () => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<html><head><title>${title}</title></head><body><p>${PAGE_SENTENCE}</p></body></html>`);
    };
    if (req.url === '/held') void held.then(answer);
    else answer();
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.2', resolve));
  pageUrl = `http://127.0.0.2:${(pages.address() as AddressInfo).port}/bridge`;
  heldUrl = `http://127.0.0.2:${(pages.address() as AddressInfo).port}/held`;
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
    RESEARCH_FETCH_ALLOW_NETWORKS: '127.0.0.2/32',
    // The held page is read for as long as the test holds it.
    RESEARCH_FETCH_TIMEOUT_MS: '120000',
    DATABASE_TOOLS: 'false',
    SUPPORT_TOOLS: 'false',
    // A replica silent for 1.5 s is dead: its runs move within a few seconds of the kill.
    RUN_HEARTBEAT_MS: '300',
    RUN_RECOVERY_AFTER_MS: '1500',
    LOG_LEVEL: 'info',
  };
});

/** Each test starts its own replicas: none of them is left to take part in the next one's runs. */
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => undefined);
  await Promise.all(replicas.splice(0).map((r) => r.kill()));
});

afterAll(async () => {
  await check?.end();
  await model?.close();
  await new Promise((resolve) => pages?.close(resolve));
  await db?.drop();
});

it('finishes a research task on the other replica after the one running it is SIGKILLed mid-run', async () => {
  const [a, b] = await Promise.all([startReplica(), startReplica()]);
  // Turn 1 reads the page (source [1]); pages at 127.0.0.1 are refused by the fetch guard, each a quick tool step
  // with an error output and a note.
  model.enqueue(
    toolCallTurn({ name: 'fetch_url', arguments: { url: pageUrl }, callId: 'c1' }),
    toolCallTurn({ name: 'fetch_url', arguments: { url: 'http://127.0.0.1:9/second' }, callId: 'c2' }),
    hangTurn(), // turn 3, in flight when its replica dies: the only turn asked twice
    toolCallTurn({ name: 'fetch_url', arguments: { url: 'http://127.0.0.1:9/third' }, callId: 'c3' }),
    toolCallTurn({ name: 'fetch_url', arguments: { url: heldUrl }, callId: 'c4' }), // held until the test lets it go
    jsonTurn({
      answer: 'It opened in 1932 [1]; two other pages could not be read.',
      citations: [{ source: 1, quote: PAGE_SENTENCE }],
    }),
  );
  const client = await connect(a.base);
  const created = await startResearch(client, 'What do the pages say?');
  const { taskId } = created;
  expect(created.status).toBe('working');

  await model.waitForRequest(2, 60_000);
  const rows = await runOf(taskId);
  expect(rows).toEqual([{ executor_id: expect.any(String), status: 'PENDING' }]);
  const [running, other] = rows[0]?.executor_id === a.executorId ? [a, b] : [b, a];
  expect(running.executorId).toBe(rows[0]?.executor_id);
  running.child.kill('SIGKILL');
  await running.exited;

  const survivor = await connect(other.base);
  const taskOn = (client: Client) => () =>
    client.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);
  // The killed run's last message was about turn 3, which it never finished: turn 4 is the resumed run's.
  const resumedProgress = (task: { status: string; statusMessage?: string }) =>
    task.status === 'working' && /^turn 4: (still )?calling fetch_url/.test(task.statusMessage ?? '');
  await eventually(taskOn(survivor), resumedProgress, 60_000, 'the resumed run’s progress on the surviving replica');
  // The killed replica, started again while the page is held, shows the same from the shared store.
  const restarted = await startReplica();
  const again = await connect(restarted.base);
  expect(resumedProgress(await taskOn(again)())).toBe(true);
  releaseHeld();
  const status = await eventually(taskOn(survivor), (task) => task.status !== 'working', 60_000, 'the task to end');
  expect(status.status).toBe('completed');
  const result = await survivor.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
  // As the uninterrupted run would report it: the page read before the kill is the cited source [1], and the URL
  // refused before the kill is noted beside the one refused after.
  expect(result.structuredContent).toEqual({
    status: 'answered',
    answer: 'It opened in 1932 [1]; two other pages could not be read.',
    citations: [{ title: 'Bridge history', url_or_uri: pageUrl, quote: PAGE_SENTENCE }],
    notes: [
      'Refused to fetch http://127.0.0.1:9/second (rule address_blocked): 127.0.0.1 is a loopback address.',
      'Refused to fetch http://127.0.0.1:9/third (rule address_blocked): 127.0.0.1 is a loopback address.',
    ],
  });

  // Each completed turn asked once; turn 3, in flight at the kill, twice.
  const perTurn = [0, 0, 0, 0, 0];
  for (const request of model.requests) perTurn[turnOf(request) - 1] += 1;
  expect(perTurn).toEqual([1, 1, 2, 1, 1]);
  expect(await runOf(taskId)).toEqual([{ executor_id: other.executorId, status: 'SUCCESS' }]);

  // The killed replica, started again, shows the same result.
  expect((await again.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema)).status).toBe(
    'completed',
  );
  const reread = await again.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
  expect(reread.structuredContent).toEqual(result.structuredContent);
});

it('fails a task whose servers stopped more often than RUN_MAX_RESUMES allows, saying why, on the next tasks/get', async () => {
  model.reset();
  // Every start of the run asks turn 1 and hangs there, until its replica is SIGKILLed.
  model.enqueue(hangTurn(), hangTurn(), hangTurn());
  const resumes = { RUN_MAX_RESUMES: '1' };
  const first = await startReplica(resumes);
  const client = await connect(first.base);
  const { taskId } = await startResearch(client, 'Anything?');
  await model.waitForRequest(0, 60_000);
  await first.kill();

  // The one resume RUN_MAX_RESUMES allows: the second replica takes the run over and asks turn 1 again.
  const second = await startReplica(resumes);
  await model.waitForRequest(1, 60_000);
  expect(await runOf(taskId)).toEqual([{ executor_id: second.executorId, status: 'PENDING' }]);
  await second.kill();

  // The third replica would be the run's second resume: it gives the run up instead of running it.
  const third = await startReplica(resumes);
  await eventually(
    () => runOf(taskId),
    (rows) => rows[0]?.status === 'MAX_RECOVERY_ATTEMPTS_EXCEEDED',
    60_000,
    'the run to be given up',
  );
  const survivor = await connect(third.base);
  const task = await survivor.request({ method: 'tasks/get', params: { taskId } }, GetTaskResultSchema);
  expect(task).toMatchObject({
    status: 'failed',
    statusMessage:
      'The task could not be resumed: the servers running it stopped 2 times during the run, more than RUN_MAX_RESUMES allows. Run the request again.',
  });
  const result = await survivor.request({ method: 'tasks/result', params: { taskId } }, CallToolResultSchema);
  expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: task.statusMessage }] });
  // Never asked a third time.
  expect(model.requests).toHaveLength(2);
});
