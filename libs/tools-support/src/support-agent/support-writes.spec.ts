// Issue 17 item 1 (a write happens exactly once, keyed by its step), for a reply approved through a stored
// confirmation (a 2026-07-28 client asked through an input request: its approval carries the confirmation, spent
// with the write). The reply's step is driven directly, twice, on real PostgreSQL: once as it first ran (the reply
// written, then the process "dies" before the step is recorded), then as the run resumed elsewhere runs it again from
// its recorded approval. The second finds the reply by the step's key and reports it; nothing is written twice.
import { ANONYMOUS_PRINCIPAL, noopLogger, principalKey, type SqlClient } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { type HandlerContext } from '@agent-mcp/mcp-core';
import { createPgSqlClient } from '@agent-mcp/store';
import { createSupportConfirmations, type SupportConfirmations } from '../confirmations';
import { createConfirmedWriter, type ConfirmedWriter } from '../confirmed-write';
import { type SupportAction } from '../support-actions';
import { supportSchemaCreator } from '../support-schema';
import { createSupportStore } from '../support-store';
import { startSupportRun } from './support-run';
import { createSupportWrites } from './support-writes';

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

/** The write side of a fresh `support` run on ticket `ticketId`, as a process executing (or resuming) it builds it. */
function freshRun() {
  const run = startSupportRun(createSupportStore(sql), 'acme', 'Where is my order?', { ticketId });
  // What the call keeps lives as long as its process: the resumed run starts with nothing kept.
  const kept = new Map<string, unknown>();
  const context = {
    principal: ANONYMOUS_PRINCIPAL,
    client: { keep: (name: string, value: unknown) => kept.set(name, value), kept: (name: string) => kept.get(name) },
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
