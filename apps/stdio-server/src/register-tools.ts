import { type RunObserver } from '@agent-mcp/agent-core';
import { type Logger } from '@agent-mcp/context';
import { echoTool, type McpServer } from '@agent-mcp/mcp-core';
import { createDatabaseTools, databaseToolsEnabled, parseDatabaseConfig, type PoolStats } from '@agent-mcp/tools-database';
import { createResearchTools, parseResearchConfig, researchToolsEnabled } from '@agent-mcp/tools-research';

/** What tool registration needs from the app: its environment (each tools lib parses its own settings) and log. */
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
 * Registers every tool the tools libraries provide, so both apps offer the same set. Returns a function that
 * releases what the tools hold (pools, watchers) at shutdown.
 */
export async function registerTools(server: McpServer, { env, logger, diagnosticTools, runObserver, trackPool }: ToolEnvironment): Promise<() => Promise<void>> {
  if (diagnosticTools) server.tools.register(echoTool);
  const databaseConfig = parseDatabaseConfig(env);
  const database = databaseToolsEnabled(databaseConfig, env) ? createDatabaseTools({ config: databaseConfig, env, logger, runObserver }) : undefined;
  database?.register(server);
  if (database?.engine.poolStats) trackPool?.('database', () => database.engine.poolStats?.());
  void database?.start();
  // research keeps its document index on the database tools' application connection (embedded by default).
  const researchConfig = parseResearchConfig(env);
  const research = researchToolsEnabled(researchConfig, env) ? await createResearchTools({ config: researchConfig, sql: database?.sql, env, logger }) : undefined;
  research?.register(server);
  return async () => {
    await research?.close();
    await database?.close();
  };
}
