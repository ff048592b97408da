// Issue 8, written once and run over each transport: an app as a child process driven by the SDK's Client, with
// database_query on a real PostgreSQL and its model on the scripted OpenAI-compatible server. A cancelled call
// stops the model request and the running statement within a second and gets no response; an unknown request id
// in notifications/cancelled is ignored; a slow run sends heartbeat progress; a budget stops a looping model with
// a readable result; with no key, a client that answers sampling requests lends its model.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  type ClientCapabilities,
  type CreateMessageRequest,
  CreateMessageRequestSchema,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { type SqlClient } from '@agent-mcp/context';
import { createPgSqlClient } from '@agent-mcp/store';
import {
  createThrowawayDatabase,
  TEST_DATABASE_ADMIN_URL,
  type ThrowawayDatabase,
  withPgClient,
} from '@agent-mcp/context/testing';
import {
  createScriptedServer,
  hangTurn,
  type ScriptedServer,
  textTurn,
  toolCallTurn,
} from '@agent-mcp/agent-core/testing';
import { type AppConnection, connectThrough, responded, type TransportDriver } from './transport-driver';

// The database CLI operators use (`npm run db:load-sample`, `db:setup-role`), built with tools-database (a
// dependency of both apps, so built before their tests).
const DB_CLI = path.resolve(__dirname, '../../../libs/tools-database/dist/cli.js');
const SLOW_SQL = 'SELECT count(*) FROM generate_series(1, 10000000000)';

/** The test database's URL as `user`. */
const asUser = (url: string, user: string) => {
  const u = new URL(url);
  u.username = user;
  return u.toString();
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The suite's shared world: a throwaway database with the sample data and a read-only role, the scripted model. */
interface AgentRunsFixture {
  readonly scripted: ScriptedServer;
  /** Starts the app against the fixture, `env` laid over it, and connects a client. */
  connect(env: Record<string, string>, capabilities?: ClientCapabilities): Promise<AppConnection>;
  /** How many copies of the slow statement the read-only role is running now. */
  runningStatements(): Promise<number>;
}

function useAgentRunsFixture(driver: TransportDriver): AgentRunsFixture {
  let scripted: ScriptedServer;
  let admin: SqlClient;
  let db: ThrowawayDatabase;
  let role: string;

  beforeAll(async () => {
    db = await createThrowawayDatabase({ prefix: 'tdb_runs' });
    role = `ro_runs_${db.name.slice('tdb_runs_'.length)}`;
    const env = { ...process.env, DATABASE_ADMIN_URL: db.url, DATABASE_READONLY_ROLE: role };
    for (const command of ['load-sample', 'setup-role'])
      execFileSync(process.execPath, [DB_CLI, command], { env, stdio: 'pipe', timeout: 30_000 });
    admin = createPgSqlClient({ connectionString: db.url, poolMax: 2 });
    scripted = await createScriptedServer({ apiKey: 'test-key' });
  });

  afterAll(async () => {
    await scripted?.close();
    await admin?.close();
    await db?.drop();
    await withPgClient(TEST_DATABASE_ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
  });

  return {
    get scripted() {
      return scripted;
    },
    connect: (env, capabilities = {}) =>
      connectThrough(
        driver,
        {
          DATABASE_URL: db.url,
          DATABASE_QUERY_URL: asUser(db.url, role),
          DATABASE_TOOLS: 'true',
          RESEARCH_TOOLS: 'false',
          OPENAI_BASE_URL: scripted.url,
          OPENAI_MODEL: 'scripted',
          AGENT_HEARTBEAT_SECONDS: '0.2',
          ...env,
        },
        capabilities,
      ),
    runningStatements: async () =>
      (
        await admin.query<{ n: number }>(
          // A SELECT without parameters runs inside its call's one simple Query, which pg_stat_activity shows whole.
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND state = 'active' AND query LIKE '%' || $2 || '%'",
          [role, SLOW_SQL],
        )
      ).rows[0]?.n ?? 0,
  };
}

/** Declares the agent-runs suite for the app `driver` starts; call it once at the top of a spec file. */
export function describeAgentRuns(driver: TransportDriver): void {
  jest.setTimeout(60_000);
  const fx = useAgentRunsFixture(driver);
  describeServerModelRuns(driver, fx);
  describeClientModelRun(driver, fx);
}

/** Runs on the scripted model server: cancellation, unknown cancellations, heartbeat progress, the turn budget. */
function describeServerModelRuns(driver: TransportDriver, fx: AgentRunsFixture): void {
  describe(`database_query over ${driver.name}, on the scripted model server`, () => {
    let c: AppConnection;
    beforeAll(async () => (c = await fx.connect({ OPENAI_API_KEY: 'test-key' })));
    afterAll(() => c?.close());
    beforeEach(() => fx.scripted.reset());

    it('cancelled while its SQL runs: the statement leaves the server within a second and no response comes', async () => {
      fx.scripted.enqueue(toolCallTurn({ name: 'run_sql', arguments: { sql: SLOW_SQL } }), textTurn('never asked'));
      const controller = new AbortController();
      const call = c.client.callTool(
        { name: 'database_query', arguments: { question: 'Count to ten billion' } },
        undefined,
        { signal: controller.signal },
      );
      call.catch(() => undefined);
      for (let i = 0; i < 200 && (await fx.runningStatements()) === 0; i++) await sleep(25);
      expect(await fx.runningStatements()).toBe(1);
      const at = Date.now();
      controller.abort('user pressed stop');
      while ((await fx.runningStatements()) > 0 && Date.now() - at < 3000) await sleep(20);
      expect(Date.now() - at).toBeLessThan(1000);
      await expect(call).rejects.toThrow();
      await sleep(300);
      expect(responded(c, c.callIds.at(-1) as number)).toBe(false);
      expect(fx.scripted.requests).toHaveLength(1);
    });

    it('cancelled while the model thinks: the model request is closed within a second and no response comes', async () => {
      fx.scripted.enqueue(hangTurn());
      const controller = new AbortController();
      const call = c.client.callTool({ name: 'database_query', arguments: { question: 'Think hard' } }, undefined, {
        signal: controller.signal,
      });
      call.catch(() => undefined);
      await fx.scripted.waitForRequest(0, 5000);
      const at = performance.now();
      controller.abort('user pressed stop');
      const closed = await fx.scripted.waitForClientClose(0, 1000);
      expect((closed.clientClosedAt ?? Infinity) - at).toBeLessThan(1000);
      await sleep(300);
      expect(responded(c, c.callIds.at(-1) as number)).toBe(false);
    });

    it('ignores notifications/cancelled for a request id it does not know', async () => {
      fx.scripted.enqueue(textTurn('Still here.', { delayMs: 300 }));
      const call = c.client.callTool({ name: 'database_query', arguments: { question: 'Are you there?' } });
      await fx.scripted.waitForRequest(0, 5000);
      await c.client.notification({
        method: 'notifications/cancelled',
        params: { requestId: 987_654, reason: 'not a request of ours' },
      });
      const result = await call;
      expect(result.structuredContent).toMatchObject({ status: 'answered', answer: 'Still here.' });
    });

    it('sends progress with increasing values while a slow run goes on', async () => {
      fx.scripted.enqueue(textTurn('Slow but sure.', { delayMs: 1200 }));
      const progress: Progress[] = [];
      const result = await c.client.callTool(
        { name: 'database_query', arguments: { question: 'Take your time' } },
        undefined,
        {
          onprogress: (p) => progress.push(p),
          resetTimeoutOnProgress: true,
        },
      );
      expect(result.structuredContent).toMatchObject({ status: 'answered' });
      // The app keeps threads (embedded database): the call moves while its thread opens, then asks the model.
      expect(progress.slice(0, 2).map((p) => p.message)).toEqual([
        'turn 1: opening the conversation',
        'turn 1: asking the model',
      ]);
      expect(
        progress.filter((p) => p.message?.startsWith('turn 1: still asking the model')).length,
      ).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < progress.length; i++) expect(progress[i].progress).toBeGreaterThan(progress[i - 1].progress);
      expect(result._meta).toMatchObject({
        agentRun: { status: 'completed', model: 'scripted', modelSource: 'server', turns: 1 },
      });
    });

    it('stops a looping model at the caller’s turn budget with a readable result', async () => {
      for (let i = 0; i < 5; i++)
        fx.scripted.enqueue(toolCallTurn({ name: 'run_sql', arguments: { sql: 'SELECT 1 AS one' } }));
      const result = await c.client.callTool({ name: 'database_query', arguments: { question: 'Loop', maxTurns: 2 } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ status: 'stopped', stopReason: 'max_turns' });
      expect((result.content as { text: string }[])[0].text).toMatch(
        /^Stopped without an answer\. The turn budget \(2 turns\) ran out/,
      );
      expect(result._meta).toMatchObject({ agentRun: { status: 'stopped', stopReason: 'max_turns', turns: 2 } });
      expect(fx.scripted.requests).toHaveLength(2);
    });
  });
}

/** With no key, the client's model through sampling/createMessage. */
function describeClientModelRun(driver: TransportDriver, fx: AgentRunsFixture): void {
  describe(`database_query over ${driver.name} with no key, on the client’s model`, () => {
    it('answers through sampling/createMessage and says so in _meta', async () => {
      fx.scripted.reset();
      const c = await fx.connect({ OPENAI_API_KEY: '' }, { sampling: { tools: {} } });
      const asked: CreateMessageRequest['params'][] = [];
      c.client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        asked.push(request.params);
        if (asked.length === 1) {
          return {
            model: 'desktop-model',
            role: 'assistant',
            stopReason: 'toolUse',
            content: [
              { type: 'tool_use', id: 'tu_1', name: 'run_sql', input: { sql: 'SELECT count(*) AS n FROM customers' } },
            ],
          };
        }
        return {
          model: 'desktop-model',
          role: 'assistant',
          stopReason: 'endTurn',
          content: [{ type: 'text', text: 'I counted the customers.' }],
        };
      });
      const result = await c.client.callTool({
        name: 'database_query',
        arguments: { question: 'How many customers are there?' },
      });
      expect(result.structuredContent).toMatchObject({
        status: 'answered',
        answer: 'I counted the customers.',
        queries: [{ sql: 'SELECT count(*) AS n FROM customers', rowCount: 1 }],
      });
      expect(result._meta).toMatchObject({
        agentRun: { modelSource: 'client-sampling', model: 'desktop-model', turns: 2, usage: { estimated: true } },
      });
      expect(asked[0]?.tools?.map((t) => t.name)).toEqual(['list_tables', 'describe_table', 'run_sql']);
      const toolResult = (
        asked[1]?.messages.at(-1)?.content as { type: string; toolUseId: string; content: { text: string }[] }
      ).content[0].text;
      expect(toolResult).toMatch(/<untrusted-data source="run_sql"/);
      expect(fx.scripted.requests).toHaveLength(0);
      await c.close();
    });
  });
}
