import { type ModelProvider, type RunObserver } from '@agent-mcp/agent-core';
import { type Logger, noopLogger, type SqlClient } from '@agent-mcp/context';
import { type ToolRegistry } from '@agent-mcp/mcp-core';
import { parseSupportConfig, type SupportConfig } from './config';
import { createSupportAgentTool } from './support-agent-tool';
import { createSupportStore, type SupportStore } from './support-store';
import { createSupportMcpTools } from './support-tools';

/** Options of {@link createSupportTools}. */
export interface SupportToolsOptions {
  /**
   * The application's own connection to the database holding the support tables (the sample data set of
   * `@agent-mcp/tools-database`): `DatabaseTools.sql` in the apps.
   */
  readonly sql: SqlClient;
  /** Settings; default: parsed from `env` with {@link parseSupportConfig}. */
  readonly config?: SupportConfig;
  /** Environment for the settings and the model provider. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Model provider of `support`; default: OpenAI configured from `env`. */
  readonly modelProvider?: ModelProvider;
  /** Model name of `support`. */
  readonly model?: string;
  /** Told of every `support` run and model request (the app's metrics). */
  readonly runObserver?: RunObserver;
  readonly logger?: Logger;
}

/** The support tools, ready to register on an MCP server. */
export interface SupportTools {
  readonly config: SupportConfig;
  readonly store: SupportStore;
  /** `kb_search`, `customer_lookup`, `ticket_get`, `ticket_create`, `ticket_reply` and `support`. */
  readonly tools: readonly [...ReturnType<typeof createSupportMcpTools>, ReturnType<typeof createSupportAgentTool>];
  register(server: { readonly tools: ToolRegistry }): void;
}

/**
 * Creates the support tools over `sql`. Every call acts for the caller's tenant (`context.principal`, else
 * `SUPPORT_DEFAULT_TENANT`), never one named in arguments.
 *
 * @example
 * const database = createDatabaseTools({ env: process.env, logger });
 * const support = createSupportTools({ sql: database.sql, env: process.env, logger });
 * support.register(server);
 */
export function createSupportTools(options: SupportToolsOptions): SupportTools {
  const env = options.env ?? process.env;
  const config = options.config ?? parseSupportConfig(env);
  const logger = options.logger ?? noopLogger;
  const store = createSupportStore(options.sql);
  const defaultTenant = config.SUPPORT_DEFAULT_TENANT;
  const tools = [
    ...createSupportMcpTools({ store, defaultTenant }),
    createSupportAgentTool({
      store,
      defaultTenant,
      env,
      timeoutMs: config.SUPPORT_AGENT_TIMEOUT_MS,
      ...(options.modelProvider ? { modelProvider: options.modelProvider } : {}),
      ...(options.model ? { model: options.model } : {}),
      ...(options.runObserver ? { runObserver: options.runObserver } : {}),
    }),
  ] as const;
  return {
    config,
    store,
    tools,
    register(server) {
      for (const t of tools) server.tools.register(t);
      logger.debug('support tools registered', { tools: tools.map((t) => t.name) });
    },
  };
}
