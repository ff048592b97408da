import path from 'node:path';
import { z } from 'zod';
import { type Logger, noopLogger, parseConfig, type SettingDoc, type SqlClient } from '@agent-mcp/context';
import { createEmbeddedPostgres } from './embedded/embedded-postgres';
import { createPgSqlClient } from './pg-sql-client';
import { SqlMemoryStore } from './sql-memory-store';
import { SqlTaskStore } from './sql-task-store';
import { SqlThreadStore } from './sql-thread-store';

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

/** The application database's settings, read from the environment once. */
export const ApplicationDatabaseConfigSchema = z.object({
  DATABASE_URL: z.preprocess(emptyAsUnset, z.string().url().optional()),
  APPLICATION_DATABASE_DIR: z.preprocess(emptyAsUnset, z.string().optional()),
  APPLICATION_DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(5),
});
export type ApplicationDatabaseConfig = z.infer<typeof ApplicationDatabaseConfigSchema>;

/** The settings of {@link openApplicationDatabase}, for `--help` and the README. */
export const APPLICATION_DATABASE_SETTINGS: readonly SettingDoc[] = [
  {
    name: 'DATABASE_URL',
    default: '(unset)',
    description: "PostgreSQL holding the server's tasks, threads and confirmations; unset: the embedded database",
  },
  {
    name: 'APPLICATION_DATABASE_DIR',
    default: '$XDG_DATA_HOME/agent-mcp/application-db',
    description:
      'Directory where the embedded application database persists (XDG_DATA_HOME defaults to ~/.local/share); memory: a scratch directory removed at exit. The server defaults it beside DATABASE_EMBEDDED_DIR when that is set: memory with memory, D-application for a directory D',
  },
  {
    name: 'APPLICATION_DATABASE_POOL_MAX',
    default: '5',
    description: 'Connections to DATABASE_URL for the application',
  },
];

/** Parses the application database's settings from `env`; a mistake throws a ConfigError naming it. */
export function parseApplicationDatabaseConfig(
  env: Readonly<Record<string, string | undefined>>,
): ApplicationDatabaseConfig {
  return parseConfig(ApplicationDatabaseConfigSchema, env);
}

/** Options of {@link openApplicationDatabase}. */
export interface ApplicationDatabaseOptions {
  /** Settings; default: parsed from `env`. */
  readonly config?: ApplicationDatabaseConfig;
  /** Environment for the settings and the default directory. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Parent of the scratch directory (embedded, in memory). Default: the OS temporary directory. */
  readonly scratchParent?: string;
  readonly logger?: Logger;
}

/** The server's own database: tasks, threads and each principal's memory, whatever tools are on. */
export interface ApplicationDatabase {
  /** `postgres` with `DATABASE_URL`, else `embedded`. */
  readonly kind: 'postgres' | 'embedded';
  /** Where it is, for the start-up log: the URL without credentials, a directory, or `memory`. */
  readonly location: string;
  /** The application's own connection (its owner role); nothing else runs on it. */
  readonly sql: SqlClient;
  /** Conversation threads, kept here. */
  readonly threads: SqlThreadStore;
  /** MCP tasks, kept here. */
  readonly tasks: SqlTaskStore;
  /** Each principal's memory (saved preferences and notes), kept here. */
  readonly memory: SqlMemoryStore;
  /** Closes the pool or ends the embedded worker. */
  close(): Promise<void>;
}

/**
 * Opens the application database: PostgreSQL at `DATABASE_URL`, else an embedded PostgreSQL of its own in
 * `APPLICATION_DATABASE_DIR` (a scratch directory with `memory`). It is separate from any database the tools
 * query, so no caller statement (cancelled, cut at its deadline, or abandoned) can cost the server its state,
 * or make a thread call wait behind it. Nothing connects until the first statement.
 *
 * @example
 * const db = openApplicationDatabase({ env: process.env, logger });
 * const server = new McpServer({ ...identity, tasks: { store: db.tasks }, threads: db.threads });
 * // ... on shutdown:
 * await db.close();
 */
export function openApplicationDatabase(options: ApplicationDatabaseOptions = {}): ApplicationDatabase {
  const env = options.env ?? process.env;
  const config = options.config ?? parseApplicationDatabaseConfig(env);
  const logger = options.logger ?? noopLogger;
  if (config.DATABASE_URL) {
    const sql = createPgSqlClient({
      connectionString: config.DATABASE_URL,
      poolMax: config.APPLICATION_DATABASE_POOL_MAX,
      applicationName: 'agent-mcp application',
      onIdleError: (error) => logger.warn('application database connection failed while idle', { err: error }),
    });
    const url = new URL(config.DATABASE_URL);
    url.username = '';
    url.password = '';
    return {
      kind: 'postgres',
      location: url.toString(),
      sql,
      threads: new SqlThreadStore({ sql }),
      tasks: new SqlTaskStore({ sql }),
      memory: new SqlMemoryStore({ sql }),
      close: () => sql.close(),
    };
  }
  const dataDir = applicationDataDir(config, env);
  const embedded = createEmbeddedPostgres({
    setupSql: '',
    dataDir,
    scratchParent: options.scratchParent,
    logger,
  });
  const sql = embedded.sql;
  return {
    kind: 'embedded',
    location: dataDir ?? 'memory',
    sql,
    threads: new SqlThreadStore({ sql }),
    tasks: new SqlTaskStore({ sql }),
    memory: new SqlMemoryStore({ sql }),
    close: () => embedded.close(),
  };
}

/** `APPLICATION_DATABASE_DIR`, `undefined` for `memory`, else under `XDG_DATA_HOME` (or `~/.local/share`). */
export function applicationDataDir(
  config: ApplicationDatabaseConfig,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const configured = config.APPLICATION_DATABASE_DIR;
  if (configured) return configured === 'memory' ? undefined : path.resolve(configured);
  const base = env['XDG_DATA_HOME'] || (env['HOME'] ? path.join(env['HOME'], '.local', 'share') : undefined);
  return base ? path.join(base, 'agent-mcp', 'application-db') : undefined;
}
