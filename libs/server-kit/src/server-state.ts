import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, type SqlClient, SqlError } from '@agent-mcp/context';
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

/** The file beside the old directory that says its state was moved, so later starts do not even open it. */
export function legacyStateMarker(dataDir: string): string {
  return `${path.resolve(dataDir)}.state-moved`;
}

/**
 * Moves the threads and tasks an older version kept in the database tools' embedded engine into the embedded
 * application database, once: recorded in that database and by a file beside the old directory (the old rows stay
 * where they were). Meant to run beside serving, never before it: nothing is opened when the file says it was
 * moved, and when the old directory does not exist yet the file is written at once (this version creates the
 * directory and keeps no state in it), so a start pays for it only on the first run after an upgrade. A failure is
 * logged and the move is tried again at the next start; so is a close while it runs, at info level.
 */
export async function moveLegacyState(
  state: ServerState,
  source: LegacyStateSource | undefined,
  logger: Logger,
): Promise<void> {
  if (!source || state.database.kind !== 'embedded') return;
  const marker = legacyStateMarker(source.dataDir);
  if (existsSync(marker)) return;
  try {
    if (!existsSync(source.dataDir)) {
      // No older version ran here: this version's engine creates the directory, and it never holds server state.
      // Said now, so that later starts do not open it to find nothing (and a short-lived process is not cut off
      // doing so).
      await writeMarker(marker, {
        movedTo: state.database.location,
        at: new Date().toISOString(),
        nothingToMove: true,
      });
      return;
    }
    // Starts the old engine; a directory held by another process leaves it on a scratch copy with nothing to move.
    await source.sql.query('SELECT 1');
    const inUse = source.dataDirInUse();
    if (inUse === undefined || path.resolve(inUse) !== path.resolve(source.dataDir)) {
      logger.warn('server state not moved yet: another process holds the embedded database directory', {
        dataDir: source.dataDir,
      });
      return;
    }
    const result = await migrateLegacyState({
      // Confirmations stay with the support tables they confirm writes to.
      tables: LEGACY_STATE_TABLES.filter((table) => table.name !== 'support_confirmations'),
      from: source.sql,
      to: state.database.sql,
      name: LEGACY_STATE_MIGRATION,
      logger,
      ensureTarget: async () => {
        await state.taskStore.ensureSchema();
        await state.threads.ensureSchema();
      },
    });
    await writeMarker(marker, { movedTo: state.database.location, at: new Date().toISOString(), ...result });
  } catch (error) {
    if (error instanceof SqlError && error.code === 'SQL_CLOSED') {
      // The server closed while the move ran (a client that starts it only to list the tools): nothing is wrong.
      logger.info('server state move stopped by shutdown; trying again at the next start', { dataDir: source.dataDir });
      return;
    }
    logger.warn('server state not moved from the embedded database yet; trying again at the next start', {
      err: error,
      dataDir: source.dataDir,
    });
  }
}

async function writeMarker(marker: string, record: Record<string, unknown>): Promise<void> {
  await mkdir(path.dirname(marker), { recursive: true });
  await writeFile(marker, `${JSON.stringify(record)}\n`);
}
