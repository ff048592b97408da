// Issue 14, item 5: turning authentication on never silently removes tools or moves state into memory. With
// AUTH_MODE=api-key and DATABASE_URL set and nothing else (the API keys file AUTH_MODE needs), tasks and threads
// are in PostgreSQL, and start-up names every tool offered and, for each group left off, why.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { principalKey } from '@agent-mcp/context';
import { createPgSqlClient, SqlTaskStore, SqlThreadStore } from '@agent-mcp/store';
import { type ServerProcess, startServerProcess } from './spec-helpers/server-process';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const KEY = `amk_exposure_${randomBytes(8).toString('hex')}`;
const ALICE = principalKey({ id: 'alice', tenantId: 'acme', scopes: [], via: 'api_key' });
// The settings that would change what this test shows are removed from the inherited environment.
const UNSET = ['DATABASE_TOOLS', 'SUPPORT_TOOLS', 'RESEARCH_TOOLS', 'DIAGNOSTIC_TOOLS', 'DATABASE_EMBEDDED_DIR'];

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** One JSON-RPC exchange as alice (the answer arrives as JSON or as one SSE event). */
interface Answer {
  readonly result: {
    readonly tools?: ReadonlyArray<{ name: string }>;
    readonly tasks?: ReadonlyArray<{ taskId: string }>;
    readonly structuredContent?: unknown;
  };
}

async function rpc(base: string, body: object, session?: string): Promise<{ session?: string; message: Answer }> {
  const res = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${KEY}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...(session ? { 'mcp-session-id': session } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...body }),
  });
  const text = await res.text();
  const data = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? 'null');
  return { session: res.headers.get('mcp-session-id') ?? session, message: JSON.parse(data) as Answer };
}

describe('AUTH_MODE=api-key with DATABASE_URL and nothing else', () => {
  const name = `exposure_${randomBytes(5).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'http-exposure-'));
  let server: ServerProcess;
  let session: string | undefined;

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    const keys = path.join(dir, 'keys.json');
    const hash = `sha256:${createHash('sha256').update(KEY).digest('hex')}`;
    writeFileSync(keys, JSON.stringify({ keys: [{ id: 'alice', hash, tenant: 'acme', scopes: [] }] }));
    const env = { ...process.env } as Record<string, string>;
    for (const key of UNSET) delete env[key];
    server = await startServerProcess({
      ...env,
      AUTH_MODE: 'api-key',
      API_KEYS_FILE: keys,
      DATABASE_URL: url.toString(),
      LOG_LEVEL: 'info',
    });
    const init = await rpc(server.base, {
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'exposure', version: '1' } },
    });
    session = init.session;
    await rpc(server.base, { method: 'notifications/initialized' }, session);
  }, 60_000);

  afterAll(async () => {
    await server?.kill();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('names every tool offered at start-up, and each group left off with why', async () => {
    const lines = server.logLines();
    const offered = lines.find((l) => l['msg'] === 'tools offered') as { tools: string[] } | undefined;
    const listed = await rpc(server.base, { id: 2, method: 'tools/list' }, session);
    const names = (listed.message.result.tools ?? []).map((t) => t.name);
    // The thread tools are offered whatever the settings; the policy then shows each caller what its scopes allow.
    expect(offered?.tools).toEqual(['thread_list', 'thread_get', 'thread_fork', 'thread_delete']);
    expect(names.length).toBeGreaterThan(0);
    expect(offered?.tools).toEqual(expect.arrayContaining(names));
    const leftOff = lines.filter((l) => l['msg'] === 'tools left off');
    expect(leftOff.map((l) => l['group']).sort()).toEqual(['database', 'echo', 'research', 'support']);
    const database = leftOff.find((l) => l['group'] === 'database') as { tools: string[]; reason: string };
    expect(database.tools).toEqual(['sql_query', 'database_query']);
    expect(database.reason).toContain('AUTH_MODE=api-key');
    expect(database.reason).toContain('set DATABASE_TOOLS=true');
  });

  it('keeps threads and tasks in PostgreSQL', async () => {
    const sql = createPgSqlClient({ connectionString: url.toString() });
    try {
      const thread = await new SqlThreadStore({ sql }).create(ALICE);
      const task = await new SqlTaskStore({ sql }).create({
        owner: ALICE,
        method: 'tools/call',
        ttlMs: 600_000,
        pollIntervalMs: 1000,
        runner: 'exposure-spec',
        leaseMs: 600_000,
      });
      const threads = await rpc(
        server.base,
        { id: 3, method: 'tools/call', params: { name: 'thread_list', arguments: {} } },
        session,
      );
      expect(JSON.stringify(threads.message.result.structuredContent)).toContain(thread.threadId);
      const tasks = await rpc(server.base, { id: 4, method: 'tasks/list' }, session);
      expect((tasks.message.result.tasks ?? []).map((t) => t.taskId)).toContain(task.taskId);
    } finally {
      await sql.close();
    }
  });
});
