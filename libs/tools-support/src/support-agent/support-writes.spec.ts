// Issue 17 (durable runs), items 1 and 3: a write (`ticket_create`, `ticket_reply`) happens exactly once, keyed by
// its step; only the step in flight at a crash may run twice, and then it writes nothing. The write side of a
// `support` run (its approver and its write tools) is driven directly on real PostgreSQL, step by step as the agent
// runtime calls it: a step run twice is run once as it first ran (the write made, then the process "dies" before the
// step is recorded), then as the run resumed elsewhere runs it again from its recorded approval.
import { ANONYMOUS_PRINCIPAL, noopLogger, principalKey, type SqlClient } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { type HandlerContext } from '@agent-mcp/mcp-core';
import { createPgSqlClient } from '@agent-mcp/store';
import { createSupportConfirmations, type SupportConfirmations } from '../confirmations';
import { createConfirmedWriter, type ConfirmedWriter } from '../confirmed-write';
import { type SupportAction } from '../support-actions';
import { createSupportConfirmTool } from '../support-confirm-tool';
import { supportSchemaCreator } from '../support-schema';
import { createSupportStore } from '../support-store';
import { startSupportRun } from './support-run';
import { createSupportWrites } from './support-writes';
import { sha256 } from './write-plan';

jest.setTimeout(60_000);

let db: ThrowawayDatabase;
let sql: SqlClient;
let confirmations: SupportConfirmations;
let writeConfirmed: ConfirmedWriter;
let ticketId: number;
const owner = principalKey(ANONYMOUS_PRINCIPAL);

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'tsupport_writes' });
  sql = createPgSqlClient({ connectionString: db.url, poolMax: 4 });
  const ensureTables = supportSchemaCreator(sql);
  await ensureTables();
  await sql.query(
    `INSERT INTO customers (id, tenant_id, name, email, country, tier, created_at)
     VALUES (1, 'acme', 'Ada Lovelace', 'ada@example.com', 'GB', 'pro', '2026-01-02T00:00:00Z')`,
  );
  const opened = await createSupportStore(sql).createTicket('acme', {
    customerId: 1,
    subject: 'Where is my order?',
    body: 'It has not arrived.',
    priority: 'normal',
    idempotencyKey: 'support-writes-spec-ticket',
  });
  ticketId = opened?.ticket.id as number;
  confirmations = createSupportConfirmations(sql);
  writeConfirmed = createConfirmedWriter({ sql, confirmations, ensureTables });
});

afterAll(async () => {
  await sql?.close();
  await db?.drop();
});

/**
 * The write side of a fresh `support` run, as a process executing (or resuming) it builds it: on ticket `ticketId`,
 * or for customer 1 (`customer`). `elicit`: the client asks its user on the call's stream and gets this answer;
 * without it the client cannot be asked (a pending confirmation).
 */
function freshRun(given: 'ticket' | 'customer' = 'ticket', elicit?: { action: string; content?: object }) {
  const run = startSupportRun(createSupportStore(sql), 'acme', given === 'ticket' ? { ticketId } : { customerId: 1 });
  // What the call keeps lives as long as its process: the resumed run starts with nothing kept.
  const kept = new Map<string, unknown>();
  const context = {
    principal: ANONYMOUS_PRINCIPAL,
    reportProgress: () => Promise.resolve(),
    client: {
      era: 'legacy',
      parked: false,
      protocolVersion: '2025-11-25',
      capabilities: elicit ? { elicitation: { form: {} } } : {},
      elicit: () => Promise.resolve(elicit),
      keep: (name: string, value: unknown) => kept.set(name, value),
      kept: (name: string) => kept.get(name),
    },
  } as unknown as HandlerContext;
  const writes = createSupportWrites(run, {
    context,
    confirmations,
    confirmationTtlSeconds: 600,
    writeConfirmed,
    logger: noopLogger,
  });
  return { run, writes };
}

const replies = async () =>
  (
    await sql.query('SELECT id FROM ticket_messages WHERE ticket_id = $1 AND author = $2 ORDER BY id', [
      ticketId,
      'agent',
    ])
  ).rows.map((r) => Number(r['id']));

it('reports the reply a resumed run finds under its step key, written once, when the crash came during the write', async () => {
  const action: SupportAction = { tool: 'ticket_reply', arguments: { ticketId, body: 'It ships tomorrow.' } };
  const { confirmationId } = await confirmations.create(owner, 'acme', action, 600);
  // The approval's step recorded the approved action with its confirmation; the write's step has this key.
  const approval = { action, confirmationId };
  const step = {
    signal: new AbortController().signal,
    idempotencyKey: 'run:r-1:step:run.1/turn.2.tool.call_2',
    keep: () => undefined,
    approval,
  };

  const first = freshRun();
  const wrote = await first.writes.write('ticket_reply', { body: 'ignored: the approved words are written' }, step);
  expect(wrote).toBe(`Replied on ticket ${ticketId}.`);
  const [messageId, ...more] = await replies();
  expect(more).toEqual([]);
  expect(first.run.out.replied).toEqual({ ticketId, messageId });

  // The same step on the resumed run: its confirmation is spent, its reply found by the step's key.
  const resumed = freshRun();
  expect(await resumed.writes.write('ticket_reply', {}, step)).toBe(`Replied on ticket ${ticketId}.`);
  expect(resumed.run.out.replied).toEqual({ ticketId, messageId });
  expect(resumed.run.out.actions).toEqual([
    { tool: 'ticket_reply', ok: true, detail: `ticket ${ticketId}, message ${messageId}` },
  ]);
  expect(await replies()).toEqual([messageId]);

  // Another step spending the same confirmation (not this write's key) still writes nothing and says so.
  const other = freshRun();
  const refused = await other.writes.write('ticket_reply', {}, { ...step, idempotencyKey: 'run:r-2:step:x' });
  expect(refused).toBe('Nothing was written: the approval was already used.');
  expect(await replies()).toEqual([messageId]);
});

describe('ticket_create, keyed by its call', () => {
  const YES = { action: 'accept', content: { confirm: true } };
  const args = { subject: 'Printer broken', body: 'My printer is broken.' };
  const signal = new AbortController().signal;
  /** The step keys of call `callId` of turn `turn` of run `runId`, as a recorded run names them. */
  const stepsOf = (runId: string, turn = 1, callId = 'call_1') => ({
    approval: `run:${runId}:step:turn.${turn}.approval.${callId}`,
    tool: `run:${runId}:step:turn.${turn}.tool.${callId}`,
  });
  type Keys = ReturnType<typeof stepsOf>;

  /** The approval of a `ticket_create` call as the runtime asks it (keys undefined: a run that records nothing). */
  const approve = (writes: ReturnType<typeof freshRun>['writes'], keys?: Keys) =>
    writes.approve({
      tool: 'ticket_create',
      arguments: args,
      callId: 'call_1',
      agentName: 'support_agent',
      signal,
      ...(keys ? { idempotencyKey: keys.approval } : {}),
    });

  /** An approved call: its approval's record (through JSON, as a recorded step keeps it) and its tool step. */
  async function approvedStep(writes: ReturnType<typeof freshRun>['writes'], keys?: Keys) {
    const decision = await approve(writes, keys);
    expect(decision).toMatchObject({ decision: 'approved', record: expect.anything() });
    const approval = JSON.parse(JSON.stringify('record' in decision ? decision.record : undefined)) as {
      action: SupportAction;
      confirmationId?: string;
    };
    return { signal, keep: () => undefined, approval, ...(keys ? { idempotencyKey: keys.tool } : {}) };
  }

  const ticketsOfCustomer = async () =>
    (await sql.query('SELECT id, idempotency_key FROM support_tickets WHERE customer_id = 1 ORDER BY id')).rows.map(
      (r) => ({ id: Number(r['id']), key: String(r['idempotency_key']) }),
    );

  it('two runs with the same message open two tickets, and so do two calls of one run and runs that record nothing', async () => {
    const before = await ticketsOfCustomer();
    const calls = [stepsOf('r-week-1'), stepsOf('r-week-2'), stepsOf('r-week-1', 3, 'call_9'), undefined, undefined];
    const opened: number[] = [];
    for (const keys of calls) {
      const { run, writes } = freshRun('customer', YES);
      const output = await writes.write('ticket_create', args, await approvedStep(writes, keys));
      const created = run.out.ticketCreated;
      expect(created).toEqual({ id: expect.any(Number), created: true });
      expect(output).toBe(`Ticket ${created?.id} is open for customer 1.`);
      opened.push(created?.id as number);
    }
    expect(new Set(opened).size).toBe(calls.length);
    const added = (await ticketsOfCustomer()).slice(before.length);
    expect(added.map((t) => t.id)).toEqual(opened);
    // A recorded run's ticket is keyed by its call's approval step; one of a run that records nothing, by a key made
    // for its approval.
    expect(added.slice(0, 3).map((t) => t.key)).toEqual(
      await Promise.all(calls.slice(0, 3).map(async (k) => `ticket:${await sha256(k?.approval as string)}`)),
    );
    expect(added.slice(3).every((t) => /^ticket:[0-9a-f-]{36}$/.test(t.key))).toBe(true);
  });

  it.each([
    ['approved on the call’s stream', false],
    ['approved through an input request, its confirmation spent with the write', true],
  ])(
    'a step run again after a crash in flight writes nothing and reports the ticket it opened (%s)',
    async (_how, confirmed) => {
      const first = freshRun('customer', YES);
      const step = await approvedStep(first.writes, stepsOf(`r-crash-${confirmed}`));
      if (confirmed) {
        // A 2026-07-28 client's yes to the stored action (its approval carries the confirmation).
        const { action } = step.approval;
        step.approval = {
          action,
          confirmationId: (await confirmations.create(owner, 'acme', action, 600)).confirmationId,
        };
      }
      const output = await first.writes.write('ticket_create', args, step);
      const ticket = first.run.out.ticketCreated?.id as number;
      const before = await ticketsOfCustomer();
      expect(before.filter((t) => t.id === ticket)).toEqual([
        { id: ticket, key: step.approval.action.arguments['idempotencyKey'] },
      ]);

      // The process died before the step was recorded: the resumed run replays the approval and runs the step again.
      const resumed = freshRun('customer', YES);
      expect(await resumed.writes.write('ticket_create', args, step)).toBe(output);
      expect(resumed.run.out.ticketCreated).toEqual({ id: ticket, created: true });
      expect(resumed.run.out.actions).toEqual([{ tool: 'ticket_create', ok: true, detail: `ticket ${ticket}` }]);
      expect(await ticketsOfCustomer()).toEqual(before);
    },
  );

  it('a pending confirmation holds its call’s key, and support_confirm writes it once', async () => {
    const keys = stepsOf('r-pending');
    const first = freshRun('customer');
    expect(await approve(first.writes, keys)).toMatchObject({ decision: 'pending' });
    const pending = first.writes.proposal();
    if (pending?.answer.decision !== 'pending') throw new Error('expected a pending confirmation');
    const { confirmationId } = pending.answer.confirmation;
    expect(pending.action).toMatchObject({
      tool: 'ticket_create',
      arguments: { customerId: 1, ...args, idempotencyKey: `ticket:${await sha256(keys.approval)}` },
    });
    // A run resumed before anyone answered asks again: the same confirmation, holding the same action.
    const resumed = freshRun('customer');
    await approve(resumed.writes, keys);
    expect(resumed.writes.proposal()).toEqual(pending);

    const confirm = createSupportConfirmTool({ writeConfirmed, defaultTenant: 'acme' });
    const ctx = { principal: ANONYMOUS_PRINCIPAL, signal } as unknown as HandlerContext;
    const before = await ticketsOfCustomer();
    const written = (await confirm.execute({ confirmationId, approve: true }, ctx)) as {
      ticketCreated?: { id: number };
    };
    expect(written).toMatchObject({ status: 'written', action: pending.action, ticketCreated: { created: true } });
    await expect(confirm.execute({ confirmationId, approve: true }, ctx)).rejects.toMatchObject({
      code: 'CONFIRMATION_USED',
    });
    expect((await ticketsOfCustomer()).slice(before.length)).toEqual([
      { id: written.ticketCreated?.id, key: pending.action.arguments['idempotencyKey'] },
    ]);
  });

  it('a confirmation stored before keys were per call (keyed by its request) is written under its own key', async () => {
    const action: SupportAction = {
      tool: 'ticket_create',
      arguments: {
        customerId: 1,
        ...args,
        priority: 'normal',
        idempotencyKey: `support:${await sha256('old request')}`,
      },
    };
    const before = await ticketsOfCustomer();
    const { confirmationId } = await confirmations.create(owner, 'acme', action, 600);
    const spent = await writeConfirmed(confirmationId, owner, 'acme', 'approved', signal);
    expect(spent).toMatchObject({ action, written: { created: true } });
    const added = (await ticketsOfCustomer()).slice(before.length);
    expect(added).toEqual([{ id: expect.any(Number), key: action.arguments.idempotencyKey }]);
    // A second one of the same request (two `support` calls of the earlier release) finds that ticket, as it did then.
    const twin = await confirmations.create(owner, 'acme', action, 600);
    expect(await writeConfirmed(twin.confirmationId, owner, 'acme', 'approved', signal)).toMatchObject({
      written: { created: false, ticket: { id: added[0]?.id } },
    });
    expect(await ticketsOfCustomer()).toHaveLength(before.length + 1);
  });
});
