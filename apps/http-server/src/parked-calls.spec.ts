// Issue 17, item 4 (one mechanism for every kind of waiting), for calls that are not tasks: a 2026-07-28 call of an
// agent tool whose run asks the client something parks on its durable run. Two http-server processes (the built
// main.js) share a PostgreSQL database of their own, loaded with the sample data, with durable runs (DATABASE_URL)
// and a short recovery delay. A raw 2026-07-28 client (no session, no tasks extension) calls `support` on replica A:
// the run asks for the approval of its ticket and the call answers `input_required` with a requestState naming the
// run; the retry with the approval goes to replica B, which delivers it to the run and answers with the run's
// result. Counted: tickets in PostgreSQL, model requests on the scripted server. Also: A SIGKILLed while the run is
// parked (the run resumes on B from its recorded turn and finds the answer), a tampered or replayed requestState, a
// retry without the answer (asked again, its state still good), and
// the agent on the client's model (no OpenAI key), each sampled turn a recorded step asked once across a SIGKILL.
import { randomUUID } from 'node:crypto';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  answerTurn,
  type DesktopCallResult,
  expectApprovedSupportRun,
  samplingDesktop,
  toolUseTurn,
} from '@agent-mcp/app-suites';
import { createScriptedServer, type ScriptedServer, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';
import pg from 'pg';
import { modernRequest, type RpcAnswer } from './spec-helpers/modern-requests';
import { createSampleDatabase, type SampleDatabase } from './spec-helpers/sample-database';
import { type ServerProcess, startServerProcess, untilRunEngineUp } from './spec-helpers/server-process';

jest.setTimeout(150_000);

const CAPS = { elicitation: { form: {} } };
const APPROVE = { action: 'accept', content: { confirm: true } };

let database: SampleDatabase;
let model: ScriptedServer;
let check: pg.Pool;
let env: Record<string, string>;
const servers: ServerProcess[] = [];

async function startServer(extra: Record<string, string> = {}): Promise<ServerProcess & { executorId: string }> {
  const server = await startServerProcess({ ...env, ...extra });
  servers.push(server);
  return Object.assign(server, { executorId: await untilRunEngineUp(server, 60_000) });
}

/** One 2026-07-28 request, raw (no session), to `base`, from a client that can answer a form elicitation. */
const modern = (base: string, method: string, params: Record<string, unknown>): Promise<RpcAnswer> =>
  modernRequest(base, method, params, { capabilities: CAPS, timeoutMs: 60_000 });

const ticketsOf = async (customerId: number) =>
  (
    await check.query<{ n: number }>('SELECT count(*)::int AS n FROM support_tickets WHERE customer_id = $1', [
      customerId,
    ])
  ).rows[0]?.n ?? 0;

/** The parked runs: pending runs that published a question, with the replica holding each. */
const pendingCalls = async () =>
  (
    await check.query<{ run_id: string; executor_id: string }>(
      `SELECT w.workflow_uuid AS run_id, w.executor_id FROM agent_runs.workflow_status w
        WHERE w.status = 'PENDING'
          AND EXISTS (SELECT 1 FROM agent_runs.run_events e WHERE e.run_id = w.workflow_uuid AND e.key = 'input')`,
    )
  ).rows;

/** The first round of a support call for customer 8 on `base`: its input request's key and its requestState. */
async function parkOn(base: string, args: Record<string, unknown>): Promise<{ key: string; requestState: string }> {
  const first = await modern(base, 'tools/call', { name: 'support', arguments: args });
  expect(first.error).toBeUndefined();
  expect(first.result).toMatchObject({ resultType: 'input_required', requestState: expect.any(String) });
  const requests = first.result?.['inputRequests'] as Record<string, { method: string }>;
  const [key, ...others] = Object.keys(requests);
  expect(others).toEqual([]);
  expect(requests[key as string]).toMatchObject({ method: 'elicitation/create' });
  return { key: key as string, requestState: String(first.result?.['requestState']) };
}

beforeAll(async () => {
  database = await createSampleDatabase();
  model = await createScriptedServer({ apiKey: 'test-key' });
  check = new pg.Pool({ connectionString: database.url, max: 2 });
  check.on('error', () => undefined);
  env = {
    DATABASE_URL: database.url,
    DATABASE_TOOLS: 'false',
    SUPPORT_TOOLS: 'true',
    RESEARCH_TOOLS: 'false',
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'test-key',
    OPENAI_MODEL: 'scripted-model',
    // Both replicas seal and open each other's requestState.
    REQUEST_STATE_KEY: Buffer.alloc(32, 7).toString('base64'),
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

describe('a 2026-07-28 support call parked on its approval', () => {
  let a: ServerProcess & { executorId: string };
  let b: ServerProcess & { executorId: string };

  beforeAll(async () => {
    [a, b] = await Promise.all([startServer(), startServer()]);
  });

  // Gone before the next describe's replicas: a live one of these (with a model key) could take over a run of a
  // replica killed there, and answer it from the scripted server instead of the client's model.
  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
  });

  it('parks on replica A, takes the approval on replica B, and writes one ticket with each model turn asked once', async () => {
    model.reset();
    model.enqueue(
      toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Parked', body: 'Please call me back.' } }),
      textTurn('A colleague will call you back.'),
    );
    const args = { message: `Call me back (${randomUUID()}).`, customerId: 8 };
    const before = await ticketsOf(8);
    const { key, requestState } = await parkOn(a.base, args);
    // The run waits on A for the answer; nothing is written yet.
    expect(await pendingCalls()).toEqual([{ run_id: expect.any(String), executor_id: a.executorId }]);
    expect(await ticketsOf(8)).toBe(before);
    expect(model.requests).toHaveLength(1);

    const retry = { name: 'support', arguments: args, requestState, inputResponses: { [key]: APPROVE } };
    const done = await modern(b.base, 'tools/call', retry);
    expect(done.error).toBeUndefined();
    expect(done.result).toMatchObject({
      structuredContent: { status: 'answered', ticketCreated: { created: true } },
    });
    expect(await ticketsOf(8)).toBe(before + 1);
    // Turn 1 (the write) on A, turn 2 after the approval: two requests, none repeated.
    expect(model.requests).toHaveLength(2);
    expect(await pendingCalls()).toEqual([]);

    // The same retry again, on either replica: refused as replayed, nothing written.
    for (const base of [a.base, b.base]) {
      const again = await modern(base, 'tools/call', retry);
      expect(again.error).toMatchObject({ code: -32602, data: { reason: 'REQUEST_STATE_REPLAYED' } });
    }
    expect(await ticketsOf(8)).toBe(before + 1);
    expect(model.requests).toHaveLength(2);
  });

  it('refuses a tampered requestState and one sealed for other arguments, asks an unanswering retry again, and the run still takes the real one', async () => {
    model.reset();
    model.enqueue(
      toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Tampered', body: 'Please call me back.' } }),
      textTurn('A colleague will call you back.'),
    );
    const args = { message: `Call me back (${randomUUID()}).`, customerId: 8 };
    const before = await ticketsOf(8);
    const { key, requestState } = await parkOn(a.base, args);
    const flipped = requestState.slice(0, -6) + (requestState.at(-6) === 'A' ? 'B' : 'A') + requestState.slice(-5);
    const tampered = await modern(b.base, 'tools/call', {
      name: 'support',
      arguments: args,
      requestState: flipped,
      inputResponses: { [key]: APPROVE },
    });
    expect(tampered.error).toMatchObject({ code: -32602, data: { reason: 'INVALID_REQUEST_STATE' } });
    const moved = await modern(b.base, 'tools/call', {
      name: 'support',
      arguments: { ...args, customerId: 7 },
      requestState,
      inputResponses: { [key]: APPROVE },
    });
    expect(moved.error).toMatchObject({ code: -32602, data: { reason: 'REQUEST_STATE_MISMATCH' } });
    // A retry on B that brings no answer is asked the same question again; it uses nothing up.
    const unanswered = await modern(b.base, 'tools/call', { name: 'support', arguments: args, requestState });
    expect(unanswered.error).toBeUndefined();
    expect(unanswered.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: { [key]: { method: 'elicitation/create' } },
      requestState: expect.any(String),
    });
    expect(await ticketsOf(8)).toBe(before);

    const done = await modern(b.base, 'tools/call', {
      name: 'support',
      arguments: args,
      requestState,
      inputResponses: { [key]: APPROVE },
    });
    expect(done.result).toMatchObject({ structuredContent: { status: 'answered', ticketCreated: { created: true } } });
    expect(await ticketsOf(8)).toBe(before + 1);
    expect(model.requests).toHaveLength(2);
  });

  it('finishes on replica B when replica A is SIGKILLed while the call is parked, asking no model turn twice', async () => {
    model.reset();
    model.enqueue(
      toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Killed while parked', body: 'Call me.' } }),
      textTurn('A colleague will call you back.'),
    );
    const args = { message: `Call me back (${randomUUID()}).`, customerId: 8 };
    const before = await ticketsOf(8);
    const { key, requestState } = await parkOn(a.base, args);
    const parked = await pendingCalls();
    expect(parked).toEqual([{ run_id: expect.any(String), executor_id: a.executorId }]);
    a.child.kill('SIGKILL');
    await a.exited;

    const done = await modern(b.base, 'tools/call', {
      name: 'support',
      arguments: args,
      requestState,
      inputResponses: { [key]: APPROVE },
    });
    expect(done.error).toBeUndefined();
    expect(done.result).toMatchObject({
      structuredContent: { status: 'answered', ticketCreated: { created: true } },
    });
    expect(await ticketsOf(8)).toBe(before + 1);
    // Turn 1 came from the run's record on B; turn 2 was asked once, by B.
    expect(model.requests).toHaveLength(2);
    const { rows } = await check.query<{ executor_id: string; status: string }>(
      'SELECT executor_id, status FROM agent_runs.workflow_status WHERE workflow_uuid = $1',
      [parked[0]?.run_id],
    );
    expect(rows).toEqual([{ executor_id: b.executorId, status: 'SUCCESS' }]);
  });
});

describe("the support agent on the client's model (no OpenAI key), parked turn by turn", () => {
  let c: ServerProcess & { executorId: string };
  let d: ServerProcess & { executorId: string };

  beforeAll(async () => {
    // No key: each model turn is a question to the client (sampling), parked on the run like the approval.
    const noKey = { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' };
    [c, d] = await Promise.all([startServer(noKey), startServer(noKey)]);
  });

  it('resumes on replica D after C, holding the run, is SIGKILLed between two sampled turns; no turn asked twice', async () => {
    model.reset();
    const posts: string[] = [];
    const desktop = samplingDesktop(
      [
        toolUseTurn('tu_1', 'kb_search', { query: 'refund' }),
        toolUseTurn('tu_2', 'ticket_create', { subject: 'Refund by phone', body: 'Please call about a refund.' }),
        answerTurn('A colleague will call you.'),
      ],
      { approve: true },
    );
    const transport = new StreamableHTTPClientTransport(new URL(`${c.base}/mcp`), {
      fetch: (_input, init) => {
        const body = typeof init?.body === 'string' ? init.body : '';
        if (!body.includes('"tools/call"')) return fetch(`${d.base}/mcp`, init);
        posts.push(body);
        // The first round starts the run on C; the third carries the answer to the second sampled turn, which the
        // run waits for on C: C dies just before it is sent.
        if (posts.length === 3) c.child.kill('SIGKILL');
        return fetch(`${(posts.length === 1 ? c : d).base}/mcp`, init);
      },
    });
    await desktop.client.connect(transport);
    try {
      const before = await ticketsOf(15);
      const result = (await desktop.client.callTool(
        { name: 'support', arguments: { message: `Call me about my refund (${randomUUID()}).`, customerId: 15 } },
        { timeout: 90_000 },
      )) as DesktopCallResult;
      // Three sampled turns and one approval, each asked once: five rounds.
      expectApprovedSupportRun(desktop, result, {
        answer: 'A colleague will call you.',
        approval: 'Subject: Refund by phone',
      });
      expect(posts).toHaveLength(5);
      expect(await ticketsOf(15)).toBe(before + 1);
      expect(model.requests).toHaveLength(0);
      // The run started on C was resumed and finished by D, its first two turns read from its record.
      const { rows } = await check.query<{ status: string; turns: string[] }>(
        `SELECT w.status, array(SELECT s.step FROM agent_runs.run_steps s
                                 WHERE s.run_id = w.workflow_uuid AND s.step LIKE 'run.1/turn.%.model'
                                 ORDER BY s.step) AS turns
           FROM agent_runs.workflow_status w
          WHERE w.executor_id = $1
            AND EXISTS (SELECT 1 FROM agent_runs.run_events e WHERE e.run_id = w.workflow_uuid)`,
        [d.executorId],
      );
      expect(rows).toEqual([
        { status: 'SUCCESS', turns: ['run.1/turn.1.model', 'run.1/turn.2.model', 'run.1/turn.3.model'] },
      ]);
    } finally {
      await desktop.client.close();
    }
  });
});
