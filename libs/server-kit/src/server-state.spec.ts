// The server's own state (issue 14 item 4, issue 16 item 1): tasks and threads in an application database apart
// from the engine that runs callers' SQL, on the path that follows DATABASE_EMBEDDED_DIR; a user of an older
// version, whose threads and tasks are in that engine's directory, finds them after the upgrade.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createJsonLogger, noopLogger } from '@agent-mcp/context';
import { SqlTaskStore, SqlThreadStore } from '@agent-mcp/store';
import { createDatabaseTools } from '@agent-mcp/tools-database';
import { createAgentMcpServer } from './create-agent-mcp-server';
import { legacyStateMarker, serverStateConfig } from './server-state';

jest.setTimeout(180_000);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'server-state-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('serverStateConfig', () => {
  it('keeps the state beside the embedded database, in memory with it, or where APPLICATION_DATABASE_DIR says', () => {
    expect(serverStateConfig({ DATABASE_EMBEDDED_DIR: 'memory' }).APPLICATION_DATABASE_DIR).toBe('memory');
    expect(serverStateConfig({ DATABASE_EMBEDDED_DIR: '/srv/mcp/db' }).APPLICATION_DATABASE_DIR).toBe(
      '/srv/mcp/db-application',
    );
    expect(
      serverStateConfig({ DATABASE_EMBEDDED_DIR: 'memory', APPLICATION_DATABASE_DIR: '/srv/state' })
        .APPLICATION_DATABASE_DIR,
    ).toBe('/srv/state');
    expect(serverStateConfig({ XDG_DATA_HOME: '/home/u/.data' }).APPLICATION_DATABASE_DIR).toBeUndefined();
  });
});

describe('an upgrade from a version that kept the state in the embedded engine', () => {
  it('finds its threads and tasks in the application database, moved once', async () => {
    const env = { DATABASE_EMBEDDED_DIR: path.join(dir, 'db'), LOG_LEVEL: 'info' };
    // The older version: threads and tasks on the database tools' engine, in its directory.
    const before = createDatabaseTools({ env, logger: noopLogger });
    const oldThreads = new SqlThreadStore({ sql: before.sql });
    const thread = await oldThreads.create('local:alice');
    await oldThreads.append(thread.threadId, 'local:alice', [
      { role: 'user', text: 'How many products?', tool: 'database_query' },
      { role: 'assistant', text: '22.', tool: 'database_query' },
    ]);
    const task = await new SqlTaskStore({ sql: before.sql }).create({
      owner: 'local:alice',
      method: 'tools/call',
      ttlMs: null,
      pollIntervalMs: 1000,
      runner: 'old-version',
      leaseMs: 1,
    });
    await before.close();

    const lines: Array<Record<string, unknown>> = [];
    const logger = createJsonLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line)) });
    const composed = await createAgentMcpServer({ env, transport: { kind: 'stdio' }, logger });
    try {
      expect(composed.stateLocation).toBe(path.join(dir, 'db-application'));
      // The move runs beside serving: wait for the file that says it is done.
      for (const deadline = Date.now() + 90_000; !existsSync(legacyStateMarker(env.DATABASE_EMBEDDED_DIR));) {
        if (Date.now() > deadline) throw new Error('the state was not moved within 90 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const moved = await composed.server.threads?.get(thread.threadId, 'local:alice');
      expect(moved?.messages.map((m) => m.text)).toEqual(['How many products?', '22.']);
      expect((await composed.server.tasks?.store.get(task.taskId, 'local:alice'))?.taskId).toBe(task.taskId);
      expect(lines.find((l) => l['msg'] === 'server state moved to the application database')).toMatchObject({
        rows: { threads: 1, thread_messages: 2, tasks: 1 },
      });
      // Written where the application database is, not in the engine callers' SQL runs on.
      const fresh = await composed.server.threads?.create('local:alice');
      const inApp = await composed.sql.query('SELECT 1 FROM agent_mcp_state.threads WHERE thread_id = $1', [
        fresh?.threadId,
      ]);
      expect(inApp.rows).toHaveLength(1);
    } finally {
      await composed.close();
    }

    // The next start moves nothing again, and finds the state there.
    const again = await createAgentMcpServer({ env, transport: { kind: 'stdio' }, logger });
    try {
      const listed = await again.server.threads?.list('local:alice', { limit: 10 });
      expect(listed?.threads).toHaveLength(2);
      expect(lines.filter((l) => l['msg'] === 'server state moved to the application database')).toHaveLength(1);
    } finally {
      await again.close();
    }
  });
});

describe('a first start, with no older version before it', () => {
  it('records at once that there is nothing to move, so no later start opens the engine for it', async () => {
    const env = { DATABASE_EMBEDDED_DIR: path.join(dir, 'fresh', 'db') };
    const lines: Array<Record<string, unknown>> = [];
    const logger = createJsonLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
    const composed = await createAgentMcpServer({ env, transport: { kind: 'stdio' }, logger });
    try {
      const marker = legacyStateMarker(env.DATABASE_EMBEDDED_DIR);
      for (const deadline = Date.now() + 30_000; !existsSync(marker);) {
        if (Date.now() > deadline) throw new Error('no marker within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(JSON.parse(readFileSync(marker, 'utf8'))).toMatchObject({ nothingToMove: true });
      // Written before the tools' engine made its directory: nothing was opened to find that out.
      expect(lines.some((l) => String(l['msg']).startsWith('server state'))).toBe(false);
    } finally {
      await composed.close();
    }
  });
});
