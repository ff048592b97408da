// The support tools on their own tables (issue 14 item 4): created by this library on an empty database, on a
// real PostgreSQL (a database of this file's own) and on PGlite, driven by the SDK client linked in memory. Search
// stays in the caller's tenant, ticket_create and a keyed ticket_reply write once per key under concurrent retries, another tenant's
// customer reads like a missing one, and an unknown confirmation writes nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type SqlClient } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { connectLinkedClient, createTestServer, type LinkedClient } from '@agent-mcp/mcp-core/testing';
import { createEmbeddedPostgres, createPgSqlClient } from '@agent-mcp/store';
import { createSupportTools } from './create-support-tools';
import { parseSupportConfig } from './config';
import { SUPPORT_TABLES } from './support-schema';

jest.setTimeout(120_000);

type CallResult = {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content?: Array<{ text?: string }>;
};

/** A database of this file's own, as the support tools' owner connection. */
interface Backend {
  readonly sql: SqlClient;
  close(): Promise<void>;
}

async function postgres(): Promise<Backend> {
  const db: ThrowawayDatabase = await createThrowawayDatabase({ prefix: 'tsupport_lib' });
  const sql = createPgSqlClient({ connectionString: db.url, poolMax: 10 });
  return { sql, close: async () => (await sql.close(), await db.drop()) };
}

async function pglite(): Promise<Backend> {
  const dir = await mkdtemp(path.join(tmpdir(), 'support-tools-'));
  const host = createEmbeddedPostgres({ setupSql: '', scratchParent: dir, snapshotCacheDir: false });
  // Started here, not by the first tool call: PGlite's initdb (17 s at load 10, several times that under heavier
  // load) would otherwise run inside that call, against the SDK client's 60 s request timeout.
  await host.ready();
  return { sql: host.sql, close: async () => (await host.close(), await rm(dir, { recursive: true, force: true })) };
}

// Rows the tests read, in two tenants; the tables themselves are the library's.
const FIXTURES = [
  `INSERT INTO customers (id, tenant_id, name, email, country, tier, created_at) VALUES
     (1, 'acme', 'Ada Lovelace', 'ada@example.com', 'GB', 'pro', '2026-01-02T00:00:00Z'),
     (2, 'globex', 'Hank Scorpio', 'hank@example.com', 'US', 'enterprise', '2026-01-03T00:00:00Z')`,
  `INSERT INTO orders (id, tenant_id, customer_id, status, ordered_at, total) VALUES
     (10, 'acme', 1, 'delivered', '2026-02-01T00:00:00Z', 99.00)`,
  `INSERT INTO kb_articles (tenant_id, slug, title, body, tags, updated_at) VALUES
     ('acme', 'refund-policy', 'Refund policy', 'You can ask for a refund within 30 days of delivery.', '{billing}', now()),
     ('acme', 'shipping-times', 'Shipping times', 'Parcels arrive within five working days.', '{shipping}', now()),
     ('globex', 'store-credit', 'Refunds as store credit', 'Every refund is paid as store credit.', '{billing}', now())`,
];

describe.each([
  ['PostgreSQL', postgres],
  ['PGlite', pglite],
] as const)('support tools on %s', (_name, open) => {
  let backend: Backend;
  const links: LinkedClient[] = [];
  let acme: (name: string, args: Record<string, unknown>) => Promise<CallResult>;

  /** The tools of `tenant` (the caller's tenant when its credentials carry none), behind a linked client. */
  async function serve(tenant: string) {
    const server = createTestServer();
    const config = parseSupportConfig({ SUPPORT_DEFAULT_TENANT: tenant });
    createSupportTools({ sql: backend.sql, config, env: {} }).register(server);
    const link = await connectLinkedClient(server);
    links.push(link);
    return (name: string, args: Record<string, unknown>) =>
      link.client.callTool({ name, arguments: args }) as Promise<CallResult>;
  }

  beforeAll(async () => {
    backend = await open();
    acme = await serve('acme');
  });
  afterAll(async () => {
    for (const link of links) await link.client.close().catch(() => undefined);
    await backend?.close();
  });

  it('creates the tables it needs on an empty database, on first use', async () => {
    const first = await acme('kb_search', { query: 'refund' });
    expect(first.isError).toBeFalsy();
    expect(first.structuredContent).toEqual({ articles: [] });
    const tables = SUPPORT_TABLES.map((name) => `to_regclass('${name}') IS NOT NULL AS ${name}`).join(', ');
    expect((await backend.sql.query(`SELECT ${tables}`)).rows[0]).toEqual(
      Object.fromEntries(SUPPORT_TABLES.map((name) => [name, true])),
    );
    for (const statement of FIXTURES) await backend.sql.query(statement);
  });

  it("finds articles in the caller's tenant only", async () => {
    const found = await acme('kb_search', { query: 'how do I get a refund' });
    const slugs = (found.structuredContent?.['articles'] as Array<{ slug: string }>).map((a) => a.slug);
    expect(slugs).toEqual(['refund-policy']);
    const globex = await serve('globex');
    const theirs = await globex('kb_search', { query: 'refund' });
    expect((theirs.structuredContent?.['articles'] as Array<{ slug: string }>).map((a) => a.slug)).toEqual([
      'store-credit',
    ]);
  });

  it('opens exactly one ticket for 8 concurrent retries with one key', async () => {
    const args = { customerId: 1, subject: 'Refund', body: 'The keyboard broke.', idempotencyKey: 'retry-key-1' };
    const results = await Promise.all(Array.from({ length: 8 }, () => acme('ticket_create', args)));
    expect(results.every((r) => !r.isError)).toBe(true);
    expect(new Set(results.map((r) => (r.structuredContent?.['ticket'] as { id: number }).id)).size).toBe(1);
    expect(results.filter((r) => r.structuredContent?.['created'] === true)).toHaveLength(1);
    const rows = await backend.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM support_tickets WHERE idempotency_key = 'retry-key-1'`,
    );
    expect(rows.rows[0]?.n).toBe(1);
  });

  it('replies exactly once for 8 concurrent retries with one key, and for a retry after them', async () => {
    const ticket = await backend.sql.query<{ id: number }>(
      `SELECT id FROM support_tickets WHERE idempotency_key = 'retry-key-1'`,
    );
    const args = { ticketId: ticket.rows[0]?.id, body: 'A replacement is on its way.', idempotencyKey: 'reply-key-1' };
    const results = await Promise.all(Array.from({ length: 8 }, () => acme('ticket_reply', args)));
    const later = await acme('ticket_reply', args);
    expect([...results, later].every((r) => !r.isError)).toBe(true);
    const ids = [...results, later].map((r) => (r.structuredContent?.['message'] as { id: number }).id);
    expect(new Set(ids).size).toBe(1);
    const rows = await backend.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ticket_messages WHERE body = 'A replacement is on its way.'`,
    );
    expect(rows.rows[0]?.n).toBe(1);
    // Without a key, each call is a reply of its own (as before).
    await acme('ticket_reply', { ticketId: args.ticketId, body: 'Unkeyed.' });
    await acme('ticket_reply', { ticketId: args.ticketId, body: 'Unkeyed.' });
    const unkeyed = await backend.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ticket_messages WHERE body = 'Unkeyed.'`,
    );
    expect(unkeyed.rows[0]?.n).toBe(2);
  });

  it("reads another tenant's customer exactly like a missing one", async () => {
    const theirs = await acme('customer_lookup', { customerId: 2 });
    const missing = await acme('customer_lookup', { customerId: 999 });
    expect(theirs.isError).toBe(true);
    expect(theirs.content?.[0]?.text).toBe(missing.content?.[0]?.text?.replace('999', '2'));
    const mine = await acme('customer_lookup', { customerId: 1 });
    expect(mine.structuredContent?.['customer']).toMatchObject({ id: 1, orders: 1, openTickets: 1 });
  });

  it('writes nothing for an unknown confirmation', async () => {
    const before = await backend.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM support_tickets');
    const result = await acme('support_confirm', { confirmationId: `cf_${'0'.repeat(32)}`, approve: true });
    expect(result.isError).toBe(true);
    expect(result.content?.[0]?.text).toContain('No pending confirmation has this id for you');
    const after = await backend.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM support_tickets');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });
});
