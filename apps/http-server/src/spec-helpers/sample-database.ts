import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

/** The test PostgreSQL: trust authentication on loopback, superuser `postgres`. */
const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_CLI = path.resolve(__dirname, '../../../../libs/tools-database/dist/cli.js');

/** A database of its own for one test file, loaded with the sample data by the project's own CLI. */
export interface SampleDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates `ops_<random>` and runs `agent-mcp-db load-sample` into it, as an operator would. */
export async function createSampleDatabase(): Promise<SampleDatabase> {
  const name = `ops_${randomBytes(5).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [DB_CLI, 'load-sample'],
      { env: { ...process.env, DATABASE_ADMIN_URL: url.toString() }, timeout: 30_000 },
      (error, _out, stderr) => (error ? reject(new Error(`load-sample failed: ${stderr}`)) : resolve()),
    );
  });
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
