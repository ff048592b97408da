import { z } from 'zod';
import { type ModelProvider, type RunObserver } from '@agent-mcp/agent-core';
import { isLevelEnabled, type Logger, parseConfig, type SqlClient } from '@agent-mcp/context';
import {
  combineObservers,
  createRequestLogObserver,
  type McpObserver,
  McpServer,
  randomRequestStateKey,
  type RequestStateLedger,
  ResourceRegistry,
  type TaskOptions,
  ToolRegistry,
} from '@agent-mcp/mcp-core';
import { SqlRequestStateLedger } from '@agent-mcp/store';
import { type PoolStats } from '@agent-mcp/tools-database';
import {
  type AgentRuns,
  createDurableRuns,
  createLocalRuns,
  type DurableRuns,
  loadDurableRunsOptions,
  loadRunsOptions,
  type RunsObserver,
} from '@agent-mcp/durable-runs';
import { type AuthSettings } from './auth-settings';
import { durableTaskRuns } from './durable-tasks';
import { parkedCallRuns } from './parked-calls';
import { type AuthStack, createLocalAuthStack, type PublicLocation } from './local-auth-stack';
import { logExposure, type ToolExposure } from './exposure';
import { AGENT_MCP_IDENTITY, type ServerIdentity } from './identity';
import { type SharedSettings, sharedSettingsShape } from './settings';
import { moveLegacyState, openServerState, serverStateConfig } from './server-state';
import { createToolSet, type ToolTarget } from './tool-set';
import { type Tracing } from './tracing';

/** The transport that will carry the server: it decides which stages guard each request. */
export type AgentMcpTransport =
  /** One local caller (the user who launched the process): the policy stages only. */
  | { readonly kind: 'stdio' }
  /**
   * Network callers: with `AUTH_MODE`, credentials are checked and rate-limited per request; without it, only
   * local (loopback) callers and the policy stages. `location` names the resource in challenges and metadata.
   */
  | { readonly kind: 'http'; readonly location: PublicLocation };

/** The settings the kit reads: the shared ones, and the authentication ones over HTTP. */
export type ServerSettings = SharedSettings & Partial<AuthSettings>;

/** Options of {@link createAgentMcpServer}. */
export interface AgentMcpServerOptions {
  /** The environment: the kit's settings and every tool library's. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly transport: AgentMcpTransport;
  readonly logger: Logger;
  /** Told of every finished request besides the request log (metrics). */
  readonly observers?: ReadonlyArray<McpObserver | undefined>;
  /**
   * The kit's settings, already parsed by the entry point's own schema (which spreads the kit's shapes);
   * default over stdio: parsed from `env` with {@link parseStdioSettings}; over HTTP they must be given.
   */
  readonly settings?: ServerSettings;
  /** Default: {@link AGENT_MCP_IDENTITY}. */
  readonly identity?: ServerIdentity;
  /** Registers tools (and resources) of the caller's own beside the built-in ones. */
  readonly tools?: (target: ToolTarget) => void;
  /**
   * Whether the built-in tools are offered (the thread tools, and the groups their settings switch on); default
   * true. `false`: only the caller's own `tools`; threads are still kept, for its agent tools (`ctx.threads`).
   */
  readonly builtinTools?: boolean;
  /** Task TTLs (the store is always the application database). */
  readonly tasks?: Omit<TaskOptions, 'store'>;
  /** Told of every agent run and model request of the tools (metrics). */
  readonly runObserver?: RunObserver;
  /** Told of every agent run the queue starts, finishes or refuses (metrics). */
  readonly runsObserver?: RunsObserver;
  /** Given each connection pool the tools open (metrics). */
  readonly trackPool?: (name: string, stats: () => PoolStats | undefined) => void;
  /** The model provider of every agent tool; default: OpenAI configured from `env`. */
  readonly modelProvider?: ModelProvider;
  /**
   * Where used `requestState` ids of 2026-07-28 input-required calls are recorded (each opens once). Default:
   * the application database, which every replica already shares for tasks and threads.
   */
  readonly requestStateLedger?: RequestStateLedger;
}

/** A composed server, ready for a transport to serve. */
export interface AgentMcpServer {
  readonly server: McpServer;
  readonly settings: ServerSettings;
  /** The request stages and, over HTTP with `AUTH_MODE`, the challenge and resource metadata. */
  readonly auth: AuthStack;
  /** The application database: the server's tasks and threads (PostgreSQL at `DATABASE_URL`, else embedded). */
  readonly sql: SqlClient;
  /** Where the application database is, for the start-up log: a URL without credentials, a directory, `memory`. */
  readonly stateLocation: string;
  /** Which built-in tool groups are offered, and why each one left off is. */
  readonly exposure: ToolExposure;
  /**
   * The queue every agent run of the tools goes through (`RUN_*` settings); `stats()` feeds the gauges. Over HTTP
   * with `DATABASE_URL`, runs recorded in PostgreSQL (`kind: 'durable'`): call its `start()` once serving, so DBOS
   * loads in the background (the first agent call starts it otherwise); else in process (`kind: 'local'`).
   */
  readonly runs: AgentRuns | DurableRuns;
  /** Resolves once shared stores (Redis) are connected, or after a short bound; call before serving. */
  ready(): Promise<void>;
  /** Releases everything: running tasks, the tools' pools and workers, auth stores, traces. */
  close(): Promise<void>;
}

/**
 * The stdio transport's settings from `env` (over HTTP, an entry point parses its own schema, which spreads
 * {@link sharedSettingsShape} and {@link authSettingsShape}, and passes the result as `settings`).
 * @throws ConfigError naming every bad variable
 */
export function parseStdioSettings(env: Readonly<Record<string, string | undefined>>): SharedSettings {
  return parseConfig(z.object(sharedSettingsShape('stdio')), env);
}

function settingsOf(options: AgentMcpServerOptions): ServerSettings {
  if (options.settings) return options.settings;
  if (options.transport.kind === 'stdio') return parseStdioSettings(options.env);
  // Guessing would be unsafe: an AUTH_MODE left unread would serve without authentication.
  throw new TypeError('createAgentMcpServer over http needs `settings` (a schema spreading authSettingsShape())');
}

/**
 * Composes OpenAI Agent MCP in one direction: settings, traces, the registries, the request pipeline over the
 * registry (it reads the tools' annotations per request, so it needs the registry, not the tools), the tools (with
 * the application database that keeps tasks and threads whatever tools are on), then the server. The pipeline comes
 * before the tools because it reads and checks its files (policy, API keys): a mistake there throws before any tool
 * opened a database or a watcher. Says at start-up which tools are offered and why any group is left off. Both apps
 * call it; so can a team serving its own tools (`tools`, `builtinTools: false`).
 *
 * @throws ConfigError or AuthConfigError on a configuration mistake; what was opened is being closed
 */
export async function createAgentMcpServer(options: AgentMcpServerOptions): Promise<AgentMcpServer> {
  const { env, transport, logger } = options;
  const settings = settingsOf(options);
  const identity = options.identity ?? AGENT_MCP_IDENTITY;
  const tracing = await startTraces(settings, identity, logger);
  const opened: Array<{ close(): Promise<unknown> }> = tracing ? [{ close: () => tracing.shutdown() }] : [];
  const failed = (error: unknown): never => {
    // Closed in the background: the caller (an entry point exits at once) learns of the mistake without waiting.
    void Promise.allSettled(opened.map((part) => part.close()));
    throw error;
  };

  const registries: ToolTarget = { tools: new ToolRegistry({ logger }), resources: new ResourceRegistry() };
  const auth = await createPipelineStages(settings, transport, registries, logger).catch(failed);
  opened.push(auth);
  // The server's own state, apart from any data the tools query: no caller statement can cost it its tasks and
  // threads, or make a thread call wait behind it.
  const state = (() => {
    try {
      return openServerState(env, logger);
    } catch (error) {
      return failed(error);
    }
  })();
  opened.push(state);
  const runs = openRuns(env, options.runsObserver, settings, transport, logger, failed);
  opened.push({ close: () => closeRuns(runs) });
  const toolSet = await createToolSet({
    env,
    builtin: options.builtinTools !== false,
    logger,
    diagnosticTools: settings.DIAGNOSTIC_TOOLS,
    runObserver: options.runObserver,
    runs,
    trackPool: options.trackPool,
    ...(options.modelProvider ? { modelProvider: options.modelProvider } : {}),
  }).catch(failed);
  opened.push(toolSet);
  // Beside serving, never before it: a start opens the old directory only on the first run after an upgrade.
  const moving = moveLegacyState(state, toolSet.legacyState, logger);
  const { taskStore, threads } = state;
  // Over HTTP with DATABASE_URL, task-augmented agent calls are durable runs that resume on a live replica.
  const durableTasks = runs.kind === 'durable' ? durableTaskRuns(runs) : undefined;
  // A 2026-07-28 agent call whose run asks the client something parks on its run until the retry: on any replica
  // with DATABASE_URL, in this process otherwise (the same code, through the in-process runs).
  const parkedCalls = parkedCallRuns(runs);
  try {
    toolSet.register({ ...registries, threads });
    options.tools?.(registries);
  } catch (error) {
    failed(error);
  }

  const server = new McpServer({
    ...identity,
    logger,
    tools: registries.tools,
    resources: registries.resources,
    pipeline: auth.pipeline,
    observer: combineObservers(
      ...(options.observers ?? []),
      isLevelEnabled('info', settings.LOG_LEVEL) ? createRequestLogObserver(logger) : undefined,
    ),
    tasks: { ...options.tasks, store: taskStore, ...(durableTasks ? { durable: durableTasks.port } : {}) },
    parkedCalls: parkedCalls.port,
    requestState: {
      keys: settings.REQUEST_STATE_KEY ?? [randomRequestStateKey()],
      ledger: options.requestStateLedger ?? new SqlRequestStateLedger({ sql: state.database.sql }),
      ttlMs: settings.REQUEST_STATE_TTL_SECONDS * 1000,
    },
    threads,
    memory: state.database.memory,
    ...(auth.modelUsageMeter ? { modelUsageMeter: auth.modelUsageMeter } : {}),
  });
  // Every replica defines the work before its runs start (the entry point starts them once serving).
  durableTasks?.define(server);
  parkedCalls.define(server);
  noteRequestStateKey(settings, transport, logger);
  if (isLevelEnabled('info', settings.LOG_LEVEL)) {
    logExposure(
      logger,
      toolSet.exposure,
      registries.tools.list().map((tool) => tool.name),
    );
    logger.info('server state (tasks, threads, memory) in the application database', {
      kind: state.database.kind,
      location: state.database.location,
    });
  }

  return {
    server,
    settings,
    auth,
    sql: state.database.sql,
    stateLocation: state.database.location,
    exposure: toolSet.exposure,
    runs,
    ready: () => auth.ready(),
    async close() {
      await Promise.allSettled([server.tasks?.close(0), toolSet.close(), auth.close()]);
      // After the tasks, before the database: this replica's unfinished runs are handed to the others at once.
      await closeRuns(runs).catch((error: unknown) => logger.warn('agent runs close failed', { err: error }));
      // After the tasks: a task finishing as it closes still records its outcome.
      await state.close().catch((error: unknown) => logger.warn('application database close failed', { err: error }));
      // A move still running fails once both databases are closed (tried again at the next start); not waited for
      // past a bound, so that exit never hangs on it.
      await Promise.race([moving, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      // The last spans leave before the process does.
      await tracing?.shutdown().catch((error: unknown) => logger.warn('trace export failed at exit', { err: error }));
    },
  };
}

/**
 * The queue of every agent run, said at start-up, since what survives a restart depends on it: over HTTP with
 * `DATABASE_URL`, runs recorded in PostgreSQL (DBOS; nothing loads until `start()` or the first run); else in
 * process (the embedded default, and stdio, where one process serves one client).
 */
function openRuns(
  env: AgentMcpServerOptions['env'],
  observer: RunsObserver | undefined,
  settings: ServerSettings,
  transport: AgentMcpTransport,
  logger: Logger,
  failed: (error: unknown) => never,
): AgentRuns | DurableRuns {
  try {
    const info = isLevelEnabled('info', settings.LOG_LEVEL);
    const databaseUrl = transport.kind === 'http' ? serverStateConfig(env).DATABASE_URL : undefined;
    if (databaseUrl) {
      const options = loadDurableRunsOptions(databaseUrl, env);
      const runs = createDurableRuns({ ...options, ...(observer ? { observer } : {}), logger });
      if (info) {
        logger.info(
          'agent runs: recorded in PostgreSQL (schema agent_runs); a replica that stops is noticed by the others',
          {
            executorId: runs.executorId,
            perReplica: options.concurrencyPerReplica,
            perPrincipal: options.concurrencyPerPrincipal,
            recoveryAfterMs: options.recoveryAfterMs,
          },
        );
      }
      return runs;
    }
    const limits = loadRunsOptions(env);
    const runs = createLocalRuns({ ...limits, ...(observer ? { observer } : {}) });
    if (info) {
      logger.info('agent runs: in-process queue; a run in flight when the process stops is not resumed', {
        perReplica: limits.concurrencyPerReplica,
        perPrincipal: limits.concurrencyPerPrincipal,
        maxQueued: limits.maxQueued,
      });
    }
    return runs;
  } catch (error) {
    return failed(error);
  }
}

/** Stops the recorded runs (DBOS) of this process; the in-process queue holds nothing to release. */
function closeRuns(runs: AgentRuns | DurableRuns): Promise<void> {
  return runs.kind === 'durable' ? runs.close() : Promise.resolve();
}

/**
 * Says at start-up that an HTTP server seals input-required state with a key of its own process: fine for one
 * replica, while behind a load balancer a retry reaching another replica is refused (a warning when REDIS_URL says
 * there are replicas). One stdio process needs nothing more.
 */
function noteRequestStateKey(settings: ServerSettings, transport: AgentMcpTransport, logger: Logger): void {
  if (settings.REQUEST_STATE_KEY || transport.kind !== 'http') return;
  const note =
    'REQUEST_STATE_KEY is not set: input-required calls (MCP 2026-07-28) are sealed with a random key of this process; a retry that reaches another replica, or this one after a restart, is refused and the client starts over. Give every replica the same REQUEST_STATE_KEY';
  if (settings.REDIS_URL) logger.warn(note);
  else if (isLevelEnabled('info', settings.LOG_LEVEL)) logger.info(note);
}

/**
 * The request stages for `transport`: over HTTP with `AUTH_MODE`, authenticate -> rate limit -> permission ->
 * access (loaded only there: it brings the JWT library and the Redis client); else the policy stages of a local
 * caller.
 */
async function createPipelineStages(
  settings: ServerSettings,
  transport: AgentMcpTransport,
  registries: ToolTarget,
  logger: Logger,
): Promise<AuthStack> {
  if (transport.kind === 'http' && settings.AUTH_MODE?.length) {
    const { createAuthStack } = await import('./auth-stack');
    return createAuthStack(settings as SharedSettings & AuthSettings, registries.tools, transport.location, logger);
  }
  return createLocalAuthStack(settings, registries.tools, transport.kind === 'http' ? transport.location : undefined);
}

/**
 * Traces are for seeing the server, never a reason to stop it: an SDK that cannot load is logged and the server
 * serves without traces. Without an endpoint the SDK is not even loaded.
 */
async function startTraces(
  settings: SharedSettings,
  identity: ServerIdentity,
  logger: Logger,
): Promise<Tracing | undefined> {
  if (!settings.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  try {
    // A module of its own (a chunk of its own in a bundled app): a launch without tracing loads none of it.
    const { startTracing } = await import('./tracing');
    return await startTracing({
      endpoint: settings.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: settings.OTEL_SERVICE_NAME,
      serviceVersion: identity.version,
      scheduleDelayMs: settings.OTEL_BSP_SCHEDULE_DELAY,
    });
  } catch (error) {
    logger.error('tracing could not start (OpenTelemetry SDK not loadable); serving without traces', { err: error });
    return undefined;
  }
}
