import {
  createOpenAIProvider,
  type ModelProvider,
  OPENAI_SETTINGS,
  type RunObserver,
  type RunQueue,
} from '@agent-mcp/agent-core';
import { RUNS_SETTINGS } from '@agent-mcp/durable-runs';
import {
  AGENT_RUN_SETTINGS,
  type AgentRunPolicy,
  createMemoryTools,
  createPreferenceTools,
  createThreadTools,
  loadAgentRunPolicy,
} from '@agent-mcp/agent-tools';
import { formatSettings, type Logger, type SqlClient, type TaskStore, type ThreadStore } from '@agent-mcp/context';
import { APPLICATION_DATABASE_SETTINGS, SqlTaskStore, SqlThreadStore } from '@agent-mcp/store';
import { echoTool, type ResourceRegistry, type ToolRegistry } from '@agent-mcp/mcp-core';
import {
  createDatabaseTools,
  DATABASE_SETTINGS,
  databaseToolsEnabled,
  type EmbeddedEngine,
  embeddedDataDir,
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
import { decideExposure, noBuiltinTools, type ToolExposure } from './exposure';
import { type LegacyStateSource } from './server-state';

/** What the tools need from the server: its environment (each tools lib parses its own settings) and log. */
export interface ToolEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly diagnosticTools: boolean;
  /** Told of every agent run and model request of the tools (metrics). */
  readonly runObserver?: RunObserver;
  /** The queue every agent run of the tools goes through. Default: none (runs start at once). */
  readonly runs?: RunQueue;
  /** Given each connection pool the tools open (metrics). */
  readonly trackPool?: (name: string, stats: () => PoolStats | undefined) => void;
  /** The one model provider of every agent tool; default: OpenAI configured from `env` (validated here, once). */
  readonly modelProvider?: ModelProvider;
  /** The one run policy (turns, tokens, deadline, heartbeat) of every agent tool; default: `AGENT_*` from `env`. */
  readonly policy?: AgentRunPolicy;
  /** `false`: none of the built-in groups, whatever their settings (a server of its caller's own tools). */
  readonly builtin?: boolean;
}

/** Where tools are registered: the registries the server will be built on (or a server itself). */
export interface ToolTarget {
  readonly tools: ToolRegistry;
  readonly resources: ResourceRegistry;
  /** Where threads live; with it, the thread tools are registered too. */
  readonly threads?: ThreadStore;
}

/**
 * Every tool the tools libraries provide, so both transports offer the same set, over the data they work on: the
 * embedded sample database by default, `DATABASE_URL` on a server. The server's own state (tasks, threads) is
 * not theirs: it lives in the application database, which the composition opens whatever tools are offered.
 */
export interface ToolSet {
  /** The tools' data, as its owner: the support tickets and their confirmations, and the document index. */
  readonly sql: SqlClient;
  /**
   * The embedded engine's directory, where versions before the application database kept the server's state;
   * `undefined` on PostgreSQL or in memory.
   */
  readonly legacyState: LegacyStateSource | undefined;
  /** Which tool groups are offered, and why each one left off is. */
  readonly exposure: ToolExposure;
  /** Registers the offered tools (and the thread tools, when the target keeps threads) on the registries. */
  register(target: ToolTarget): void;
  /** Releases what the tools hold (pools, workers, watchers). */
  close(): Promise<void>;
}

export async function createToolSet({
  env,
  logger,
  diagnosticTools,
  runObserver,
  runs,
  trackPool,
  modelProvider = createOpenAIProvider({ env }),
  policy = loadAgentRunPolicy(env),
  builtin = true,
}: ToolEnvironment): Promise<ToolSet> {
  const databaseConfig = parseDatabaseConfig(env);
  const supportConfig = parseSupportConfig(env);
  const researchConfig = parseResearchConfig(env);
  const exposure = builtin
    ? decideExposure(env, {
        echo: diagnosticTools,
        database: databaseToolsEnabled(databaseConfig, env),
        support: supportToolsEnabled(supportConfig, env),
        research: researchToolsEnabled(researchConfig, env),
      })
    : noBuiltinTools();
  const agents = { modelProvider, policy, runObserver, ...(runs ? { runs } : {}) };
  // Always created (it connects on first use): its `sql`, the data's owner, keeps the support tickets and the
  // document index even where the SQL tools themselves are not offered.
  const database = createDatabaseTools({ config: databaseConfig, env, logger, ...agents });
  const sql = database.sql;
  const legacyDir = embeddedDataDir(databaseConfig, env);
  const engine = database.engine.kind === 'embedded' ? (database.engine as EmbeddedEngine) : undefined;
  const legacyState =
    engine && legacyDir && !databaseConfig.DATABASE_URL
      ? { sql, dataDir: legacyDir, dataDirInUse: () => engine.dataDirInUse }
      : undefined;
  if (exposure.offers('database') && database.engine.poolStats)
    trackPool?.('database', () => database.engine.poolStats?.());
  const support = exposure.offers('support')
    ? createSupportTools({ sql, config: supportConfig, env, logger, ...agents })
    : undefined;
  // research keeps its document index on the application database (embedded by default).
  const research = exposure.offers('research')
    ? await createResearchTools({ config: researchConfig, sql, env, logger, ...agents })
    : undefined;
  return {
    sql,
    legacyState,
    exposure,
    register(target) {
      if (exposure.offers('echo')) target.tools.register(echoTool);
      if (target.threads && exposure.offers('threads'))
        for (const tool of createThreadTools(target.threads)) target.tools.register(tool);
      // What the agent tools remember of a caller is the caller's to see and clear, wherever agent tools are offered.
      if (exposure.offers('threads') && (['database', 'support', 'research'] as const).some((g) => exposure.offers(g)))
        for (const tool of [...createMemoryTools(), ...createPreferenceTools()]) target.tools.register(tool);
      if (exposure.offers('database')) {
        database.register(target);
        void database.start();
      }
      support?.register(target);
      research?.register(target);
    },
    async close() {
      await research?.close();
      await database.close();
    },
  };
}

/** Tasks and threads in PostgreSQL on `sql`, so they outlive restarts and are shared by replicas. */
export function stateStores(sql: SqlClient): { readonly taskStore: TaskStore; readonly threads: ThreadStore } {
  return { taskStore: new SqlTaskStore({ sql }), threads: new SqlThreadStore({ sql }) };
}

/** The settings of the libraries behind the tools, by section, for `--help` (the README has the same tables). */
export function toolSettingsHelp(): string[] {
  const sections: Array<[string, Parameters<typeof formatSettings>[0]]> = [
    ['Model (agent tools)', OPENAI_SETTINGS],
    ['Agent runs', AGENT_RUN_SETTINGS],
    ['Agent run queue', RUNS_SETTINGS],
    ['Database tools', DATABASE_SETTINGS],
    ['Research tool', RESEARCH_SETTINGS],
    ['Support tools', SUPPORT_SETTINGS],
    ['Server state (tasks, threads)', APPLICATION_DATABASE_SETTINGS],
  ];
  return sections.flatMap(([title, settings]) => ['', `${title}:`, '', formatSettings(settings)]);
}
