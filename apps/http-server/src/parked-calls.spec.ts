// Issue 17, item 4 (one mechanism for every kind of waiting), for calls that are not tasks: a 2026-07-28 call of an
// agent tool whose run asks the client something parks on its durable run. Two http-server processes (the built
// main.js) share a PostgreSQL database of their own, loaded with the sample data, with durable runs (DATABASE_URL)
// and a short recovery delay. A raw 2026-07-28 client (no session, no tasks extension) calls `support` on replica A:
// the run asks for the approval of its ticket and the call answers `input_required` with a requestState naming the
// run; the retry with the approval goes to replica B, which delivers it to the run and answers with the run's
// result. Counted: tickets in PostgreSQL, model requests on the scripted server. Also: A SIGKILLed while the run is
// parked (the run resumes on B from its recorded turn and finds the answer), a tampered or replayed requestState, a
// retry without the answer (asked again, its state still good), the retry on B cancelled while A runs the turn
// after the answer (A aborts that model request at once), and
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
import { textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';
import { fetchModern, modernEnvelope } from '@agent-mcp/mcp-core/testing';
import { modernRequest, type RpcAnswer } from './spec-helpers/modern-requests';
import { createSupportReplicas, type Replica, type SupportReplicas } from './spec-helpers/support-replicas';

jest.setTimeout(150_000);

const CAPS = { elicitation: { form: {} } };
const APPROVE = { action: 'accept', content: { confirm: true } };

let fx: SupportReplicas;
beforeAll(async () => {
  // Both replicas seal and open each other's requestState.
  fx = await createSupportReplicas({ REQUEST_STATE_KEY: Buffer.alloc(32, 7).toString('base64') });
});
afterAll(() => fx?.close());

/** One 2026-07-28 request, raw (no session), to `base`, from a client that can answer a form elicitation. */
const modern = (base: string, method: string, params: Record<string, unknown>): Promise<RpcAnswer> =>
  modernRequest(base, method, params, { capabilities: CAPS, timeoutMs: 60_000 });

/** The retry of a support call on `base` that approves its question `key` with `requestState`. */
const approveOn = (base: string, args: Record<string, unknown>, requestState: string, key: string) =>
  modern(base, 'tools/call', { name: 'support', arguments: args, requestState, inputResponses: { [key]: APPROVE } });

/** The same retry as a raw request whose answer the test reads (a stream) or abandons; `meta` joins the envelope's. */
const approveRaw = (
  base: string,
  args: Record<string, unknown>,
  requestState: string,
  key: string,
  signal: AbortSignal,
  meta: Record<string, unknown> = {},
) =>
  fetchModern(new URL(`${base}/mcp`), 1, {
    method: 'tools/call',
    name: 'support',
    params: { name: 'support', arguments: args, requestState, inputResponses: { [key]: APPROVE } },
    meta: modernEnvelope(CAPS, meta),
    signal,
  });

/** The parked runs: pending runs that published a question, with the replica holding each. */
const pendingCalls = async () =>
  (
    await fx.check.query<{ run_id: string; executor_id: string }>(
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

/** Parks a support call for customer 8 on `base` whose turn after the approval (turn 2) takes `turn2Ms`. */
async function parkWithSlowTurn(base: string, subject: string, turn2Ms: number) {
  fx.model.reset();
  fx.model.enqueue(
    toolCallTurn({ name: 'ticket_create', arguments: { subject, body: 'Please call me back.' } }),
    textTurn('A colleague will call you back.', { delayMs: turn2Ms }),
  );
  const args = { message: `Call me back (${randomUUID()}).`, customerId: 8 };
  return { args, ...(await parkOn(base, args)) };
}

describe('a 2026-07-28 support call parked on its approval', () => {
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    [a, b] = await Promise.all([fx.startReplica(), fx.startReplica()]);
  });

  // Gone before the next describe's replicas: a live one of these (with a model key) could take over a run of a
  // replica killed there, and answer it from the scripted server instead of the client's model.
  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
  });

  it('parks on replica A, takes the approval on replica B, and writes one ticket with each model turn asked once', async () => {
    fx.model.reset();
    fx.model.enqueue(
      toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Parked', body: 'Please call me back.' } }),
      textTurn('A colleague will call you back.'),
    );
    const args = { message: `Call me back (${randomUUID()}).`, customerId: 8 };
    const before = await fx.ticketsOf(8);
    const { key, requestState } = await parkOn(a.base, args);
    // The run waits on A for the answer; nothing is written yet.
    expect(await pendingCalls()).toEqual([{ run_id: expect.any(String), executor_id: a.executorId }]);
    expect(await fx.ticketsOf(8)).toBe(before);
    expect(fx.model.requests).toHaveLength(1);

    const done = await approveOn(b.base, args, requestState, key);
    expect(done.error).toBeUndefined();
    expect(done.result).toMatchObject({
      structuredContent: { status: 'answered', ticketCreated: { created: true } },
    });
    expect(await fx.ticketsOf(8)).toBe(before + 1);
    // Turn 1 (the write) on A, turn 2 after the approval: two requests, none repeated.
    expect(fx.model.requests).toHaveLength(2);
    expect(await pendingCalls()).toEqual([]);

    // The same retry again, on either replica: refused as replayed, nothing written.
    for (const base of [a.base, b.base]) {
      const again = await approveOn(base, args, requestState, key);
      expect(again.error).toMatchObject({ code: -32602, data: { reason: 'REQUEST_STATE_REPLAYED' } });
    }
    expect(await fx.ticketsOf(8)).toBe(before + 1);
    expect(fx.model.requests).toHaveLength(2);
  });

  it('gives the retry waiting on replica B the progress of the run going on on replica A', async () => {
    // Turn 2 takes a while, so the run reports it while the retry waits on B.
    const { args, key, requestState } = await parkWithSlowTurn(a.base, 'Progress', 1500);
    // The run goes on on A: B follows it through the run's record.
    expect(await pendingCalls()).toEqual([{ run_id: expect.any(String), executor_id: a.executorId }]);
    const res = await approveRaw(b.base, args, requestState, key, AbortSignal.timeout(60_000), {
      progressToken: 'on-b',
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const messages = (await res.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as { method?: string; params?: Record<string, unknown> });
    const progress = messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params ?? {});
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p['progressToken'] === 'on-b')).toBe(true);
    const values = progress.map((p) => Number(p['progress']));
    expect(values).toEqual([...values].sort((x, y) => x - y));
    expect(new Set(values).size).toBe(values.length);
    expect(progress.some((p) => String(p['message']).startsWith('turn 2'))).toBe(true);
    expect(messages.at(-1)).toMatchObject({
      result: { structuredContent: { status: 'answered', ticketCreated: { created: true } } },
    });
    expect(fx.model.requests).toHaveLength(2);
  });

  it('stops the model turn in flight on replica A at once when the retry waiting on replica B is cancelled', async () => {
    // Turn 2 would take 10 s on A; the client gives up on B meanwhile.
    const { args, key, requestState } = await parkWithSlowTurn(a.base, 'Cancelled', 10_000);
    const client = new AbortController();
    const retry = approveRaw(b.base, args, requestState, key, client.signal).then((res) => res.text());
    await fx.model.waitForRequest(1, 15_000);
    // The client closes its request on B: B cancels the run, and A, running it, aborts turn 2's request.
    const cancelledAt = performance.now();
    client.abort();
    await expect(retry).rejects.toThrow();
    const turn2 = await fx.model.waitForClientClose(1, 5_000);
    expect((turn2.clientClosedAt ?? Infinity) - cancelledAt).toBeLessThan(2_000);
    expect(await pendingCalls()).toEqual([]);
    expect(fx.model.requests).toHaveLength(2);
  });

  it('refuses a tampered requestState and one sealed for other arguments, asks an unanswering retry again, and the run still takes the real one', async () => {
    fx.model.reset();
    fx.model.enqueue(
      toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Tampered', body: 'Please call me back.' } }),
      textTurn('A colleague will call you back.'),
    );
    const args = { message: `Call me back (${randomUUID()}).`, customerId: 8 };
    const before = await fx.ticketsOf(8);
    const { key, requestState } = await parkOn(a.base, args);
    const flipped = requestState.slice(0, -6) + (requestState.at(-6) === 'A' ? 'B' : 'A') + requestState.slice(-5);
    const tampered = await approveOn(b.base, args, flipped, key);
    expect(tampered.error).toMatchObject({ code: -32602, data: { reason: 'INVALID_REQUEST_STATE' } });
    const moved = await approveOn(b.base, { ...args, customerId: 7 }, requestState, key);
    expect(moved.error).toMatchObject({ code: -32602, data: { reason: 'REQUEST_STATE_MISMATCH' } });
    // A retry on B that brings no answer is asked the same question again; it uses nothing up.
    const unanswered = await modern(b.base, 'tools/call', { name: 'support', arguments: args, requestState });
    expect(unanswered.error).toBeUndefined();
    expect(unanswered.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: { [key]: { method: 'elicitation/create' } },
      requestState: expect.any(String),
    });
    expect(await fx.ticketsOf(8)).toBe(before);

    const done = await approveOn(b.base, args, requestState, key);
    expect(done.result).toMatchObject({ structuredContent: { status: 'answered', ticketCreated: { created: true } } });
    expect(await fx.ticketsOf(8)).toBe(before + 1);
    expect(fx.model.requests).toHaveLength(2);
  });

  it('finishes on replica B when replica A is SIGKILLed while the call is parked, asking no model turn twice', async () => {
    fx.model.reset();
    fx.model.enqueue(
      toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Killed while parked', body: 'Call me.' } }),
      textTurn('A colleague will call you back.'),
    );
    const args = { message: `Call me back (${randomUUID()}).`, customerId: 8 };
    const before = await fx.ticketsOf(8);
    const { key, requestState } = await parkOn(a.base, args);
    const parked = await pendingCalls();
    expect(parked).toEqual([{ run_id: expect.any(String), executor_id: a.executorId }]);
    a.child.kill('SIGKILL');
    await a.exited;

    const done = await approveOn(b.base, args, requestState, key);
    expect(done.error).toBeUndefined();
    expect(done.result).toMatchObject({
      structuredContent: { status: 'answered', ticketCreated: { created: true } },
    });
    expect(await fx.ticketsOf(8)).toBe(before + 1);
    // Turn 1 came from the run's record on B; turn 2 was asked once, by B.
    expect(fx.model.requests).toHaveLength(2);
    const { rows } = await fx.check.query<{ executor_id: string; status: string }>(
      'SELECT executor_id, status FROM agent_runs.workflow_status WHERE workflow_uuid = $1',
      [parked[0]?.run_id],
    );
    expect(rows).toEqual([{ executor_id: b.executorId, status: 'SUCCESS' }]);
  });
});

describe("the support agent on the client's model (no OpenAI key), parked turn by turn", () => {
  let c: Replica;
  let d: Replica;

  beforeAll(async () => {
    // No key: each model turn is a question to the client (sampling), parked on the run like the approval.
    const noKey = { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' };
    [c, d] = await Promise.all([fx.startReplica(noKey), fx.startReplica(noKey)]);
  });

  it('resumes on replica D after C, holding the run, is SIGKILLed between two sampled turns; no turn asked twice', async () => {
    fx.model.reset();
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
      const before = await fx.ticketsOf(15);
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
      expect(await fx.ticketsOf(15)).toBe(before + 1);
      expect(fx.model.requests).toHaveLength(0);
      // The run started on C was resumed and finished by D, its first two turns read from its record.
      const { rows } = await fx.check.query<{ status: string; turns: string[] }>(
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
