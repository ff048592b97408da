// The pending-confirmation store on a real PostgreSQL (a database of this file's own): a confirmation is
// consumed at most once even when confirms race, only by the principal and tenant that caused it, never after
// it expires, and a transaction that rolls back leaves it usable.
import { type SqlClient } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { createPgSqlClient } from './pg-sql-client';
import { SqlConfirmationStore, TooManyPendingError } from './sql-confirmation-store';

jest.setTimeout(30_000);

let db: ThrowawayDatabase;
let sql: SqlClient;
let store: SqlConfirmationStore;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'tconf' });
  sql = createPgSqlClient({ connectionString: db.url, poolMax: 8 });
  store = new SqlConfirmationStore({ sql, maxPendingPerOwner: 3 });
  await store.ensureSchema();
});
afterAll(async () => {
  await sql?.close();
  await db?.drop();
});

const action = {
  tool: 'ticket_create',
  arguments: {
    customerId: 7,
    subject: 'Refund',
    body: 'The keyboard broke.',
    priority: 'normal',
    idempotencyKey: 'support:abcdef0123',
  },
};
const consume = (id: string, owner = 'acme:alice', tenant = 'acme', decision: 'approved' | 'declined' = 'approved') =>
  sql.transaction((tx) => store.consume(tx, id, owner, tenant, decision));

it('gives back the stored action exactly, once', async () => {
  const { confirmationId, expiresAt } = await store.create('acme:alice', 'acme', action, 900);
  expect(confirmationId).toMatch(/^cf_[0-9a-f]{32}$/);
  expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(800_000);
  expect(await consume(confirmationId)).toEqual({ status: 'claimed', action });
  expect(await consume(confirmationId)).toEqual({ status: 'used' });
  expect(await consume(confirmationId, 'acme:alice', 'acme', 'declined')).toEqual({ status: 'used' });
});

it('lets exactly one of 8 racing confirms claim it', async () => {
  const { confirmationId } = await store.create('acme:alice', 'acme', action, 900);
  const claims = await Promise.all(Array.from({ length: 8 }, () => consume(confirmationId)));
  expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(1);
  expect(claims.filter((c) => c.status === 'used')).toHaveLength(7);
});

it('reads as unknown to another principal or tenant, and stays usable by its own', async () => {
  const { confirmationId } = await store.create('acme:alice', 'acme', action, 900);
  expect(await consume(confirmationId, 'acme:bob', 'acme')).toEqual({ status: 'not_found' });
  expect(await consume(confirmationId, 'acme:alice', 'globex')).toEqual({ status: 'not_found' });
  expect(await consume('cf_00000000000000000000000000000000')).toEqual({ status: 'not_found' });
  expect(await consume(confirmationId)).toMatchObject({ status: 'claimed' });
});

it('refuses an expired confirmation', async () => {
  const { confirmationId } = await store.create('acme:alice', 'acme', action, 900);
  await sql.query(
    `UPDATE agent_mcp_state.support_confirmations SET expires_at = now() - interval '1 second' WHERE confirmation_id = $1`,
    [confirmationId],
  );
  expect(await consume(confirmationId)).toEqual({ status: 'expired' });
});

it('stays usable when the transaction that claimed it rolls back', async () => {
  const { confirmationId } = await store.create('acme:alice', 'acme', action, 900);
  const failed = sql.transaction(async (tx) => {
    await store.consume(tx, confirmationId, 'acme:alice', 'acme', 'approved');
    throw new Error('the write failed');
  });
  await expect(failed).rejects.toThrow('the write failed');
  expect(await consume(confirmationId)).toMatchObject({ status: 'claimed' });
});

it('bounds how many confirmations one principal may have waiting', async () => {
  for (let i = 0; i < 3; i++) await store.create('acme:carol', 'acme', action, 900);
  await expect(store.create('acme:carol', 'acme', action, 900)).rejects.toBeInstanceOf(TooManyPendingError);
  await expect(store.create('acme:dave', 'acme', action, 900)).resolves.toMatchObject({
    confirmationId: expect.any(String),
  });
});

it('stores a keyed confirmation once: a repeat of the key (a resumed run) gets the same one', async () => {
  const key = 'run:4f1c:step:turn.1.approval.call_1';
  const first = await store.create('acme:erin', 'acme', action, 900, undefined, key);
  expect(first.confirmationId).toMatch(/^cf_[0-9a-f]{32}$/);
  const repeats = await Promise.all(
    Array.from({ length: 4 }, () => store.create('acme:erin', 'acme', action, 900, undefined, key)),
  );
  expect(repeats).toEqual(Array.from({ length: 4 }, () => first));
  const { rows } = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM agent_mcp_state.support_confirmations WHERE owner = 'acme:erin'`,
    [],
  );
  expect(rows[0]?.n).toBe(1);
  expect(await consume(first.confirmationId, 'acme:erin')).toEqual({ status: 'claimed', action });
});

it('gives another principal its own confirmation for the same key, and a repeat past the limit its stored one', async () => {
  const key = 'run:9a2e:step:turn.2.approval.call_7';
  const frank = await store.create('acme:frank', 'acme', action, 900, undefined, key);
  const grace = await store.create('acme:grace', 'acme', action, 900, undefined, key);
  expect(grace.confirmationId).not.toBe(frank.confirmationId);
  for (let i = 0; i < 2; i++) await store.create('acme:frank', 'acme', action, 900);
  await expect(store.create('acme:frank', 'acme', action, 900)).rejects.toBeInstanceOf(TooManyPendingError);
  await expect(store.create('acme:frank', 'acme', action, 900, undefined, key)).resolves.toEqual(frank);
});
