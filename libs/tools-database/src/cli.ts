/**
 * `npm run db:load-sample` and `npm run db:setup-role`: load the sample data set into a real PostgreSQL and
 * create the least-privileged role the server should connect as. Both connect with an administrative URL
 * (`DATABASE_ADMIN_URL`, else `DATABASE_URL`), never the read-only one.
 */
import type pg from 'pg';
import { loadDependency } from './load-dependency';
import { auditProblems, ROLE_AUDIT_SQL } from './engine/role-audit';
import { DEFAULT_READONLY_ROLE, readOnlyRoleSql } from './sample/role-sql';
import { SAMPLE_TABLES, sampleDataSql } from './sample/sample-data';

const USAGE = `Usage: agent-mcp-db <load-sample|setup-role>

  load-sample   Creates the sample tables (customers, products, orders, order_items, support_tickets,
                ticket_messages, kb_articles) with their data and tenant row-level security in the
                database. Refuses if they already exist.
  setup-role    Creates or tightens the read-only role (SELECT on the schema's tables, nothing else) and
                prints the DATABASE_QUERY_URL to give the server.

Environment:
  DATABASE_ADMIN_URL          Administrative connection (owner or superuser); falls back to DATABASE_URL
  DATABASE_READONLY_ROLE      Role name (default ${DEFAULT_READONLY_ROLE})
  DATABASE_READONLY_PASSWORD  Password for the role (omit for trust, peer or certificate authentication)
  DATABASE_SCHEMA             Schema the role may read (default public)
`;

function adminUrl(): string {
  const url = process.env['DATABASE_ADMIN_URL'] || process.env['DATABASE_URL'];
  if (!url) throw new Error('Set DATABASE_ADMIN_URL (or DATABASE_URL) to an administrative postgres:// URL.');
  return url;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = adminUrl();
  const { Client } = loadDependency<typeof pg>('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function loadSample(): Promise<void> {
  await withAdmin(async (client) => {
    const existing = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1)",
      [[...SAMPLE_TABLES]],
    );
    if (Number(existing.rows[0]?.n) > 0)
      throw new Error('The sample tables already exist in this database; drop them first or use another database.');
    await client.query('BEGIN');
    try {
      await client.query(sampleDataSql());
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    const counts = await client.query(
      'SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM support_tickets) AS tickets, (SELECT count(*) FROM kb_articles) AS articles',
    );
    process.stdout.write(`Sample data loaded: ${JSON.stringify(counts.rows[0])}\nNext: npm run db:setup-role\n`);
  });
}

async function setupRole(): Promise<void> {
  const role = process.env['DATABASE_READONLY_ROLE'] || DEFAULT_READONLY_ROLE;
  const password = process.env['DATABASE_READONLY_PASSWORD'] || undefined;
  await withAdmin(async (client) => {
    await client.query(readOnlyRoleSql({ role, password, schema: process.env['DATABASE_SCHEMA'] || 'public' }));
    // Audit as the role itself, inside a transaction that is rolled back.
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL ROLE "${role.replace(/"/g, '""')}"`);
    const audit = auditProblems((await client.query(ROLE_AUDIT_SQL)).rows[0] ?? {});
    await client.query('ROLLBACK');
    const url = new URL(adminUrl());
    url.username = role;
    url.password = password ? '****' : '';
    process.stdout.write(
      `Role ${role} is ready${audit.problems.length ? ` but ${audit.problems.join('; ')}` : ': read-only, no CREATE, no TEMP, no server files'}.\n` +
        `Give the server: DATABASE_QUERY_URL=${url.toString()} (and DATABASE_URL: the owner connection)\n`,
    );
    if (audit.problems.length) process.exitCode = 1;
  });
}

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command === 'load-sample') return loadSample();
  if (command === 'setup-role') return setupRole();
  process.stdout.write(USAGE);
  if (command !== '--help' && command !== '-h') process.exitCode = 2;
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
});
