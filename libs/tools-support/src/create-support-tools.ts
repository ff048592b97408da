import { type AgentRunPolicy, type AgentToolHosting } from '@agent-mcp/agent-tools';
import { type Logger, noopLogger, type SqlClient } from '@agent-mcp/context';
import { type ToolRegistry } from '@agent-mcp/mcp-core';
import { parseSupportConfig, type SupportConfig } from './config';
import { createSupportConfirmations } from './confirmations';
import { createConfirmedWriter } from './confirmed-write';
import { createSupportAgentTool } from './support-agent-tool';
import { createSupportConfirmTool } from './support-confirm-tool';
import { createSupportStore, type SupportStore } from './support-store';
import { supportSchemaCreator } from './support-schema';
import { createSupportMcpTools } from './support-tools';

/** Options of {@link createSupportTools}. */
export interface SupportToolsOptions extends AgentToolHosting {
  /**
   * The owner's connection to the database of the support tables (customers, orders, tickets and their messages,
   * help-centre articles) and their pending confirmations. Missing tables are created on first use; in the apps it
   * is the database the SQL tools query too (`DatabaseTools.sql`: the sample data set, or `DATABASE_URL`).
   */
  readonly sql: SqlClient;
  /** Settings; default: parsed from `env` with {@link parseSupportConfig}. */
  readonly config?: SupportConfig;
  /** Model name of `support`. */
  readonly model?: string;
  /** Caps of one `support` call, heartbeat and client log level. Default: read from `env` (`AGENT_*`). */
  readonly policy?: AgentRunPolicy;
  /**
   * How long a pending confirmation (a write the client could not ask the user about) can be confirmed with
   * `support_confirm`, in seconds. Default: `SUPPORT_CONFIRMATION_TTL_SECONDS` (900, 15 minutes).
   */
  readonly confirmationTtlSeconds?: number;
  readonly logger?: Logger;
}

/** The support tools, ready to register on an MCP server. */
export interface SupportTools {
  readonly config: SupportConfig;
  readonly store: SupportStore;
  /** `kb_search`, `customer_lookup`, `ticket_get`, `ticket_create`, `ticket_reply`, `support` and `support_confirm`. */
  readonly tools: readonly [
    ...ReturnType<typeof createSupportMcpTools>,
    ReturnType<typeof createSupportAgentTool>,
    ReturnType<typeof createSupportConfirmTool>,
  ];
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
  // The tables are this library's: created where missing, before the first statement.
  const ensureTables = supportSchemaCreator(options.sql);
  const store = ensuringTables(createSupportStore(options.sql), ensureTables);
  // Pending confirmations live beside the tickets they write: a confirm consumes one in the transaction that writes.
  const confirmations = createSupportConfirmations(options.sql);
  const ttl = options.confirmationTtlSeconds ?? config.SUPPORT_CONFIRMATION_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 10 || ttl > 7 * 86_400)
    throw new RangeError('confirmationTtlSeconds must be a whole number of seconds from 10 to 604800');
  const defaultTenant = config.SUPPORT_DEFAULT_TENANT;
  const writeConfirmed = createConfirmedWriter({ sql: options.sql, confirmations, ensureTables });
  const tools = [
    ...createSupportMcpTools({ store, defaultTenant }),
    createSupportAgentTool({
      store,
      confirmations,
      confirmationTtlSeconds: ttl,
      writeConfirmed,
      defaultTenant,
      env,
      logger,
      timeoutMs: config.SUPPORT_AGENT_TIMEOUT_MS,
      ...(options.modelProvider ? { modelProvider: options.modelProvider } : {}),
      ...(options.model ? { model: options.model } : {}),
      ...(options.runObserver ? { runObserver: options.runObserver } : {}),
      ...(options.runs ? { runs: options.runs } : {}),
      ...(options.policy ? { policy: options.policy } : {}),
    }),
    createSupportConfirmTool({ writeConfirmed, defaultTenant }),
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

/** `store` whose every call first makes sure the support tables exist. */
function ensuringTables(store: SupportStore, ensure: () => Promise<void>): SupportStore {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(store) as Array<[string, (...args: unknown[]) => Promise<unknown>]>)
    wrapped[name] = async (...args: unknown[]) => {
      await ensure();
      return method(...args);
    };
  return wrapped as unknown as SupportStore;
}
