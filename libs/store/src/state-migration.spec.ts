// Moving the server's state from the database tools' embedded engine (where versions before the application
// database kept it) into the application database: every row once, sequences past the copied rows, run again
// (interrupted or not) without duplicates, and recorded so later starts do nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type SqlClient } from '@agent-mcp/context';
import { createEmbeddedPostgres, type EmbeddedPostgres } from './embedded/embedded-postgres';
import { SqlThreadStore } from './sql-thread-store';
import { migrateLegacyState } from './state-migration';

jest.setTimeout(120_000);

// A task table of the shape tasks are kept in: the migration copies rows, whichever store wrote them.
const TASKS_SQL = `CREATE TABLE IF NOT EXISTS agent_mcp_state.tasks (
  task_id text PRIMARY KEY, seq bigint GENERATED ALWAYS AS IDENTITY, owner text NOT NULL, outcome jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp())`;

let dir: string;
let oldEngine: EmbeddedPostgres;
let appEngine: EmbeddedPostgres;
let from: SqlClient;
let to: SqlClient;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'state-migration-'));
  const host = (setupSql: string) => createEmbeddedPostgres({ setupSql, scratchParent: dir, snapshotCacheDir: false });
  oldEngine = host('CREATE TABLE products (id int PRIMARY KEY);');
  appEngine = host('');
  from = oldEngine.sql;
  to = appEngine.sql;
});
afterAll(async () => {
  await Promise.all([oldEngine?.close(), appEngine?.close()]);
  await rm(dir, { recursive: true, force: true });
});

const threadsOn = (sql: SqlClient) => new SqlThreadStore({ sql });
const ensureTarget = async () => {
  await threadsOn(to).ensureSchema();
  await to.query(TASKS_SQL);
};

it('copies threads, messages and tasks once, and numbers new rows after them', async () => {
  const old = threadsOn(from);
  const first = await old.create('acme:alice');
  await old.append(first.threadId, 'acme:alice', [
    { role: 'user', text: 'How many products?', tool: 'database_query' },
    { role: 'assistant', text: '22.', tool: 'database_query' },
  ]);
  const second = await old.create('acme:bob');
  await old.append(second.threadId, 'acme:bob', [{ role: 'user', text: 'Hi', tool: 'support' }]);
  await from.query(TASKS_SQL);
  await from.query(`INSERT INTO agent_mcp_state.tasks (task_id, owner, outcome) VALUES ($1, $2, $3::jsonb)`, [
    'task-1',
    'acme:alice',
    JSON.stringify({ result: { content: [{ type: 'text', text: 'done' }] } }),
  ]);

  const result = await migrateLegacyState({ from, to, name: 'spec', ensureTarget, batchRows: 1 });
  expect(result).toEqual({
    status: 'copied',
    rows: { threads: 2, thread_messages: 3, tasks: 1 },
  });

  const app = threadsOn(to);
  const moved = await app.get(first.threadId, 'acme:alice');
  expect(moved?.messages.map((m) => m.text)).toEqual(['How many products?', '22.']);
  expect(await app.get(first.threadId, 'acme:bob')).toBeUndefined();
  const task = await to.query('SELECT owner, outcome FROM agent_mcp_state.tasks WHERE task_id = $1', ['task-1']);
  expect(task.rows).toEqual([
    { owner: 'acme:alice', outcome: { result: { content: [{ type: 'text', text: 'done' }] } } },
  ]);
  // A thread created after the move is listed first: its sequence continues past the copied ones.
  const third = await app.create('acme:alice');
  expect((await app.list('acme:alice', { limit: 10 })).threads.map((t) => t.threadId)).toEqual([
    third.threadId,
    first.threadId,
  ]);
  const next = await to.query<{ seq: string }>(
    `INSERT INTO agent_mcp_state.tasks (task_id, owner) VALUES ('task-2', 'acme:alice') RETURNING seq::text`,
  );
  expect(Number(next.rows[0]?.seq)).toBe(2);
});

it('does nothing once recorded, and a repeated copy adds no duplicates', async () => {
  expect(await migrateLegacyState({ from, to, name: 'spec', ensureTarget })).toEqual({ status: 'done_before' });
  // As if the first run had stopped before recording itself: every row is there already.
  const again = await migrateLegacyState({ from, to, name: 'spec-again', ensureTarget });
  expect(again).toEqual({ status: 'copied', rows: { threads: 0, thread_messages: 0, tasks: 0 } });
  const counts = await to.query<{ n: number }>('SELECT count(*)::int AS n FROM agent_mcp_state.thread_messages');
  expect(counts.rows[0]?.n).toBe(3);
});

it('skips a source that never kept any state', async () => {
  const empty = createEmbeddedPostgres({ setupSql: '', scratchParent: dir, snapshotCacheDir: false });
  try {
    expect(await migrateLegacyState({ from: empty.sql, to, name: 'spec-empty', ensureTarget })).toEqual({
      status: 'copied',
      rows: {},
    });
  } finally {
    await empty.close();
  }
});
