// Issue 14, item 5: the database roles deploy/compose.yaml's servers connect as are created by the repository's
// own setup. DATABASE_URL is the owner the postgres image creates (POSTGRES_USER); DATABASE_QUERY_URL's read-only
// role is created at the database's first start by deploy/postgres-init/10-readonly-role.sh, whose SQL is exactly
// what `npm run db:setup-role` runs. This spec holds the three together and runs the script on a real PostgreSQL.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { readOnlyRoleSql } from '@agent-mcp/tools-database';

const DEPLOY = path.resolve(__dirname, '../../../deploy');
const SCRIPT = path.join(DEPLOY, 'postgres-init', '10-readonly-role.sh');
const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROLE = 'agent_mcp_ro';

const compose = parse(readFileSync(path.join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, { environment: Record<string, string>; volumes?: string[] }>;
};
const script = readFileSync(SCRIPT, 'utf8');
/** The SQL between the script's here-document markers. */
const scriptSql = () => /<<'SQL'\n([\s\S]*?)\nSQL\n/.exec(script)?.[1] ?? '';

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe("deploy/compose.yaml's database roles", () => {
  it('connects the servers as the owner and as the read-only role the postgres service creates', () => {
    const postgres = compose.services['postgres'];
    expect(postgres?.volumes).toContain('./postgres-init:/docker-entrypoint-initdb.d:ro');
    expect(postgres?.environment['DATABASE_READONLY_PASSWORD']).toBeDefined();
    for (const name of ['server-1', 'server-2']) {
      const env = compose.services[name]?.environment ?? {};
      // Compose fills ${VARIABLE:?message} in from deploy/.env; a placeholder stands in for the secret here.
      const url = (value: string | undefined) => new URL((value ?? '').replace(/\$\{[^}]*\}/g, 'secret'));
      const owner = url(env['DATABASE_URL']);
      const query = url(env['DATABASE_QUERY_URL']);
      expect(owner.username).toBe(postgres?.environment['POSTGRES_USER']);
      expect(query.username).toBe(ROLE);
      expect(owner.pathname).toBe(`/${postgres?.environment['POSTGRES_DB']}`);
      expect(query.pathname).toBe(owner.pathname);
    }
  });

  it('creates the role with the SQL `npm run db:setup-role` runs', () => {
    const expected = readOnlyRoleSql({ role: ROLE, password: 'PASSWORD_PLACEHOLDER' })
      .trim()
      .replace("PASSWORD 'PASSWORD_PLACEHOLDER'", "PASSWORD :'ro_password'");
    expect(scriptSql()).toBe(expected);
  });

  it('gives a read-only login role when the postgres image runs it', async () => {
    const suffix = randomBytes(4).toString('hex');
    const database = `deploy_roles_${suffix}`;
    // A role of its own, so that runs of this spec never share one (roles are cluster-wide).
    const role = `ro_deploy_${suffix}`;
    const url = new URL(ADMIN_URL);
    await admin(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${database}`));
    try {
      const own = script.replaceAll(ROLE, role);
      const env = {
        ...process.env,
        PGHOST: url.hostname,
        PGPORT: url.port || '5432',
        POSTGRES_USER: decodeURIComponent(url.username) || 'postgres',
        POSTGRES_DB: database,
        DATABASE_READONLY_PASSWORD: `pw'${suffix}"`,
      };
      await new Promise<void>((resolve, reject) =>
        execFile('sh', ['-c', own], { env, timeout: 30_000 }, (error, _out, stderr) =>
          error ? reject(new Error(`the init script failed: ${stderr}`)) : resolve(),
        ),
      );
      const asRole = new URL(ADMIN_URL);
      asRole.username = role;
      asRole.pathname = `/${database}`;
      await admin(asRole.toString(), async (client) => {
        expect((await client.query('SHOW default_transaction_read_only')).rows[0]).toEqual({
          default_transaction_read_only: 'on',
        });
        await expect(client.query('CREATE TABLE planted (a int)')).rejects.toThrow(/read-only/);
      });
    } finally {
      await admin(ADMIN_URL, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await c.query(`DROP ROLE IF EXISTS ${role}`);
      });
    }
  }, 60_000);
});
