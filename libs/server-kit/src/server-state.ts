import path from 'node:path';
import { type Logger, type SqlClient } from '@agent-mcp/context';
import {
  type ApplicationDatabase,
  type ApplicationDatabaseConfig,
  LEGACY_STATE_TABLES,
  migrateLegacyState,
  openApplicationDatabase,
  parseApplicationDatabaseConfig,
  type SqlTaskStore,
  type SqlThreadStore,
} from '@agent-mcp/store';

/**
 * The application database's settings as the server composes them. `APPLICATION_DATABASE_DIR` wins; unset, it
 * follows `DATABASE_EMBEDDED_DIR` when that is set, so one setting still decides where a local run keeps things:
 * `memory` keeps the server's state in a scratch directory too, and a directory `D` puts it beside, in
 * `D-application`. With neither, the store's default (`$XDG_DATA_HOME/agent-mcp/application-db`).
 */
export function serverStateConfig(env: Readonly<Record<string, string | undefined>>): ApplicationDatabaseConfig {
  const config = parseApplicationDatabaseConfig(env);
  if (config.APPLICATION_DATABASE_DIR) return config;
  const embedded = env['DATABASE_EMBEDDED_DIR']?.trim();
  if (!embedded) return config;
  const dir = embedded === 'memory' ? 'memory' : `${path.resolve(embedded)}-application`;
  return { ...config, APPLICATION_DATABASE_DIR: dir };
}

/** The server's own state: tasks and threads in the application database, whatever tools are on. */
export interface ServerState {
  readonly database: ApplicationDatabase;
  readonly taskStore: SqlTaskStore;
  readonly threads: SqlThreadStore;
  close(): Promise<void>;
}

/**
 * Opens the application database (PostgreSQL at `DATABASE_URL`, else an embedded PostgreSQL of its own, apart
 * from the engine that runs callers' SQL) and its stores. Nothing connects until the first statement.
 */
export function openServerState(env: Readonly<Record<string, string | undefined>>, logger: Logger): ServerState {
  const database = openApplicationDatabase({ config: serverStateConfig(env), env, logger });
  return {
    database,
    taskStore: database.tasks,
    threads: database.threads,
    close: () => database.close(),
  };
}

/** Where an older version kept the server's state: the database tools' embedded engine on a directory. */
export interface LegacyStateSource {
  /** The engine's owner client. */
  readonly sql: SqlClient;
  /** The directory configured for it. */
  readonly dataDir: string;
  /** The directory the engine holds once started; another, or none, means a scratch fallback (locked). */
  dataDirInUse(): string | undefined;
}

/** The name the move is recorded under in the application database. */
export const LEGACY_STATE_MIGRATION = 'embedded-db-state-v1';

/**
 * Moves the threads, tasks and confirmations an older version kept in the database tools' embedded engine into
 * the embedded application database, once (recorded there; the old rows stay where they were). A failure is
 * logged and the move is tried again at the next start: the server serves either way. It waits for the old
 * engine to start (seconds), only on the first start after an upgrade.
 */
export async function moveLegacyState(
  state: ServerState,
  source: LegacyStateSource | undefined,
  logger: Logger,
): Promise<void> {
  if (!source || state.database.kind !== 'embedded') return;
  const to = state.database.sql;
  try {
    const done = await to.query<{ found: string | null }>(
      "SELECT to_regclass('agent_mcp_state.migrations')::text AS found",
    );
    if (done.rows[0]?.found) {
      const recorded = await to.query('SELECT 1 FROM agent_mcp_state.migrations WHERE name = $1', [
        LEGACY_STATE_MIGRATION,
      ]);
      if (recorded.rows.length > 0) return;
    }
    // Starts the old engine; a directory held by another process leaves it on a scratch copy with nothing to move.
    await source.sql.query('SELECT 1');
    const inUse = source.dataDirInUse();
    if (inUse === undefined || path.resolve(inUse) !== path.resolve(source.dataDir)) {
      logger.warn('server state not moved: another process holds the embedded database directory', {
        dataDir: source.dataDir,
      });
      return;
    }
    await migrateLegacyState({
      // Confirmations stay with the support tables they confirm writes to.
      tables: LEGACY_STATE_TABLES.filter((table) => table.name !== 'support_confirmations'),
      from: source.sql,
      to,
      name: LEGACY_STATE_MIGRATION,
      logger,
      ensureTarget: async () => {
        await state.taskStore.ensureSchema();
        await state.threads.ensureSchema();
      },
    });
  } catch (error) {
    logger.warn('server state not moved from the embedded database; trying again at the next start', {
      err: error,
      dataDir: source.dataDir,
    });
  }
}
