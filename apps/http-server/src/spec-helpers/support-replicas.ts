import { createScriptedServer, type ScriptedServer } from '@agent-mcp/agent-core/testing';
import pg from 'pg';
import { createSampleDatabase } from './sample-database';
import { type ServerProcess, startServerProcess, untilRunEngineUp } from './server-process';

/** A replica the fixture started: an http-server process whose run engine is up. */
export interface Replica extends ServerProcess {
  /** The executor id it logged: the runs it holds carry it in `agent_runs.workflow_status`. */
  readonly executorId: string;
}

/**
 * The world of a spec of the support agent on durable runs: a PostgreSQL database of its own with the sample data,
 * the scripted OpenAI-compatible server (it counts the model requests), and http-server processes (the built
 * main.js) on both, with a short recovery delay so that a live replica takes over a killed one's runs quickly.
 */
export interface SupportReplicas {
  readonly model: ScriptedServer;
  /** A superuser pool on the database, for what the test checks. */
  readonly check: pg.Pool;
  /** Starts a replica, `extra` laid over the fixture's environment, and waits (bounded) for its run engine. */
  startReplica(extra?: Record<string, string>): Promise<Replica>;
  /** Kills every replica started so far. */
  killReplicas(): Promise<void>;
  /** How many support tickets the customer has. */
  ticketsOf(customerId: number): Promise<number>;
  /** A run (a durable task's: keyed by its task id): who holds it, its status, the keys of the messages posted into it. */
  runOf(runId: string): Promise<RunRow | undefined>;
  /** Kills the replicas, closes the pool and the model server, and drops the database. */
  close(): Promise<void>;
}

/** A run as {@link SupportReplicas.runOf} reads it. */
export interface RunRow {
  readonly executor_id: string;
  readonly status: string;
  readonly answers: string[];
}

/**
 * Creates the fixture (in a `beforeAll`; `close()` it in an `afterAll`). `env` is laid over the defaults: support
 * tools only, the scripted model as the server's model, durable runs on the database.
 */
export async function createSupportReplicas(env: Record<string, string> = {}): Promise<SupportReplicas> {
  const database = await createSampleDatabase();
  const model = await createScriptedServer({ apiKey: 'test-key' });
  const check = new pg.Pool({ connectionString: database.url, max: 2 });
  // The database is dropped WITH (FORCE) at the end: an idle backend that ends must fail nothing.
  check.on('error', () => undefined);
  const replicaEnv = {
    DATABASE_URL: database.url,
    DATABASE_TOOLS: 'false',
    SUPPORT_TOOLS: 'true',
    RESEARCH_TOOLS: 'false',
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'test-key',
    OPENAI_MODEL: 'scripted-model',
    RUN_HEARTBEAT_MS: '300',
    RUN_RECOVERY_AFTER_MS: '1500',
    LOG_LEVEL: 'info',
    ...env,
  };
  const replicas: ServerProcess[] = [];
  const killReplicas = async () => {
    await Promise.all(replicas.splice(0).map((r) => r.kill()));
  };
  return {
    model,
    check,
    startReplica: async (extra = {}) => {
      const server = await startServerProcess({ ...replicaEnv, ...extra });
      replicas.push(server);
      return Object.assign(server, { executorId: await untilRunEngineUp(server, 60_000) });
    },
    killReplicas,
    ticketsOf: async (customerId) =>
      (
        await check.query<{ n: number }>('SELECT count(*)::int AS n FROM support_tickets WHERE customer_id = $1', [
          customerId,
        ])
      ).rows[0]?.n ?? 0,
    runOf: async (runId) =>
      (
        await check.query<RunRow>(
          `SELECT w.executor_id, w.status,
                  array(SELECT m.message_key FROM agent_runs.run_messages m
                         WHERE m.run_id = w.workflow_uuid ORDER BY m.sent_at) AS answers
             FROM agent_runs.workflow_status w WHERE w.workflow_uuid = $1`,
          [runId],
        )
      ).rows[0],
    close: async () => {
      await killReplicas();
      await check.end();
      await model.close();
      await database.drop();
    },
  };
}
