import { AGENT_RUN_SETTINGS, createThreadTools } from '@agent-mcp/agent-tools';
import { OPENAI_SETTINGS, type RunObserver } from '@agent-mcp/agent-core';
import {
  formatSettings,
  InMemoryThreadStore,
  type Logger,
  type SqlClient,
  SqlThreadStore,
  type ThreadStore,
} from '@agent-mcp/context';
import { echoTool, type McpServer, SqlTaskStore, type TaskStore } from '@agent-mcp/mcp-core';
import {
  createDatabaseTools,
  DATABASE_SETTINGS,
  databaseToolsEnabled,
  parseDatabaseConfig,
  type PoolStats,
} from '@agent-mcp/tools-database';
import {
  createResearchTools,
  parseResearchConfig,
  RESEARCH_SETTINGS,
  researchToolsEnabled,
} from '@agent-mcp/tools-research';
import {
  SUPPORT_SETTINGS,
  createSupportTools,
  parseSupportConfig,
  supportToolsEnabled,
} from '@agent-mcp/tools-support';

/** What the tools need from the app: its environment (each tools lib parses its own settings) and log. */
export interface ToolEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly diagnosticTools: boolean;
  /** Told of every agent run and model request of the tools (metrics). */
  readonly runObserver?: RunObserver;
  /** Given each connection pool the tools open (metrics). */
  readonly trackPool?: (name: string, stats: () => PoolStats | undefined) => void;
}

/**
 * Every tool the tools libraries provide, so both apps offer the same set. Created before the server: their
 * application database (embedded PGlite by default, `DATABASE_URL` on a server) also keeps the server's
 * tasks and threads.
 */
export interface ToolSet {
  /** The application database, when the database tools are on. */
  readonly sql: SqlClient | undefined;
  /** Registers the tools (and the thread tools, when the server keeps threads). */
  register(server: McpServer): void;
  /** Releases what the tools hold (pools, workers, watchers). */
  close(): Promise<void>;
}

export async function createToolSet({
  env,
  logger,
  diagnosticTools,
  runObserver,
  trackPool,
}: ToolEnvironment): Promise<ToolSet> {
  const databaseConfig = parseDatabaseConfig(env);
  const databaseOn = databaseToolsEnabled(databaseConfig, env);
  // Always created (it connects on first use): its `sql` is the application's own connection the support tools
  // keep tickets with, even where the SQL tools themselves are not offered.
  const database = createDatabaseTools({ config: databaseConfig, env, logger, runObserver });
  const sql = databaseOn ? database.sql : undefined;
  if (databaseOn && database.engine.poolStats) trackPool?.('database', () => database.engine.poolStats?.());
  const supportConfig = parseSupportConfig(env);
  const support = supportToolsEnabled(supportConfig, env)
    ? createSupportTools({ sql: database.sql, config: supportConfig, env, logger, runObserver })
    : undefined;
  // research keeps its document index on the database tools' application connection (embedded by default).
  const researchConfig = parseResearchConfig(env);
  const research = researchToolsEnabled(researchConfig, env)
    ? await createResearchTools({ config: researchConfig, sql, env, logger, runObserver })
    : undefined;
  return {
    sql,
    register(server) {
      if (diagnosticTools) server.tools.register(echoTool);
      if (server.threads) for (const tool of createThreadTools(server.threads)) server.tools.register(tool);
      if (databaseOn) {
        database.register(server);
        void database.start();
      }
      support?.register(server);
      research?.register(server);
    },
    async close() {
      await research?.close();
      await database.close();
    },
  };
}

/** Tasks and threads in the application database when there is one (they outlive restarts), else in memory. */
export function stateStores(sql: SqlClient | undefined): {
  readonly taskStore?: TaskStore;
  readonly threads: ThreadStore;
} {
  return sql
    ? { taskStore: new SqlTaskStore({ sql }), threads: new SqlThreadStore({ sql }) }
    : { threads: new InMemoryThreadStore() };
}

/** The settings of the libraries behind the tools, by section, for `--help` (the README has the same tables). */
export function toolSettingsHelp(): string[] {
  const sections: Array<[string, Parameters<typeof formatSettings>[0]]> = [
    ['Model (agent tools)', OPENAI_SETTINGS],
    ['Agent runs', AGENT_RUN_SETTINGS],
    ['Database tools', DATABASE_SETTINGS],
    ['Research tool', RESEARCH_SETTINGS],
    ['Support tools', SUPPORT_SETTINGS],
  ];
  return sections.flatMap(([title, settings]) => ['', `${title}:`, '', formatSettings(settings)]);
}
