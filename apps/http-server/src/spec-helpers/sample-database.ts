import { execFile } from 'node:child_process';
import path from 'node:path';
import { createThrowawayDatabase } from '@agent-mcp/context/testing';

const DB_CLI = path.resolve(__dirname, '../../../../libs/tools-database/dist/cli.js');

/** A database of its own for one test file, loaded with the sample data by the project's own CLI. */
export interface SampleDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates `ops_<random>` and runs `agent-mcp-db load-sample` into it, as an operator would. */
export async function createSampleDatabase(): Promise<SampleDatabase> {
  const db = await createThrowawayDatabase({ prefix: 'ops' });
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [DB_CLI, 'load-sample'],
      { env: { ...process.env, DATABASE_ADMIN_URL: db.url }, timeout: 30_000 },
      (error, _out, stderr) => (error ? reject(new Error(`load-sample failed: ${stderr}`)) : resolve()),
    );
  });
  return { url: db.url, drop: () => db.drop() };
}
