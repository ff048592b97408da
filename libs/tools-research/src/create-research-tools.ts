import { type AgentRunPolicy, type AgentToolHosting } from '@agent-mcp/agent-tools';
import { type Logger, noopLogger, type SqlClient } from '@agent-mcp/context';
import { type ResourceRegistry, type ToolRegistry } from '@agent-mcp/mcp-core';
import { createResearchTool } from './agent/research-tool';
import { clientRootsEnabled, parseResearchConfig, type ResearchConfig, webSearchEnabled } from './config';
import { type CorpusIndex, createCorpusIndex } from './corpus/corpus-index';
import { createGuardedFetcher, type GuardedFetcher, type GuardedFetcherOptions } from './fetch/guarded-fetch';
import { resolveDependency } from './load-dependency';
import { registerDocumentResources } from './resources';
import path from 'node:path';

/** Options of {@link createResearchTools}. */
export interface ResearchToolsOptions extends AgentToolHosting {
  /** Database for the document index (the apps pass the database tools' client); without one, no document search. */
  readonly sql?: SqlClient;
  /** Settings; default: parsed from `env` with {@link parseResearchConfig}. */
  readonly config?: ResearchConfig;
  readonly logger?: Logger;
  readonly model?: string;
  /**
   * Caps and defaults of one research call (turns, tokens, seconds), the heartbeat and the client log level.
   * Default: read from `env` (`AGENT_*`); the deadline is at most `RESEARCH_AGENT_TIMEOUT_MS`.
   */
  readonly policy?: AgentRunPolicy;
  /** Overrides of the fetcher beyond the settings (tests script DNS with `resolve`). */
  readonly fetcher?: Partial<GuardedFetcherOptions>;
}

/** The research tool and document resources, ready to register on an MCP server. */
export interface ResearchTools {
  readonly config: ResearchConfig;
  readonly fetcher: GuardedFetcher;
  /** The document index; undefined without a database or with `RESEARCH_CORPUS_INDEX=false`. */
  readonly corpus: CorpusIndex | undefined;
  readonly tool: ReturnType<typeof createResearchTool>;
  /** Whether the agent gets hosted web search. */
  readonly webSearch: boolean;
  /** Registers `research` and, with a corpus, the `research://documents` resources. */
  register(server: { readonly tools: ToolRegistry; readonly resources: ResourceRegistry }): void;
  /** Stops the folder watcher. The SQL client belongs to the caller and stays open. */
  close(): Promise<void>;
}

/** The sample corpus shipped in this package: the default `RESEARCH_CORPUS_DIR`. */
export function sampleCorpusDir(): string {
  return path.join(path.dirname(resolveDependency('@agent-mcp/tools-research/package.json')), 'corpus');
}

/**
 * Creates the research tool over a guarded fetcher, the document index (on `sql`) and, when the model server
 * is OpenAI's Responses API, hosted web search.
 *
 * @example
 * const research = await createResearchTools({ sql: database.sql, env: process.env, logger });
 * research.register(server);
 * // at shutdown
 * await research.close();
 */
export async function createResearchTools(options: ResearchToolsOptions = {}): Promise<ResearchTools> {
  const env = options.env ?? process.env;
  const config = options.config ?? parseResearchConfig(env);
  const logger = options.logger ?? noopLogger;
  const fetcher = createGuardedFetcher({
    allowNetworks: config.RESEARCH_FETCH_ALLOW_NETWORKS,
    allowHosts: config.RESEARCH_FETCH_ALLOW_HOSTS,
    denyHosts: config.RESEARCH_FETCH_DENY_HOSTS,
    maxBytes: config.RESEARCH_FETCH_MAX_BYTES,
    timeoutMs: config.RESEARCH_FETCH_TIMEOUT_MS,
    maxRedirects: config.RESEARCH_FETCH_MAX_REDIRECTS,
    ...options.fetcher,
  });
  const indexOn = ['true', '1', 'yes', 'auto'].includes(config.RESEARCH_CORPUS_INDEX);
  let corpus: CorpusIndex | undefined;
  if (options.sql && indexOn) {
    corpus = await createCorpusIndex({
      sql: options.sql,
      dir: path.resolve(config.RESEARCH_CORPUS_DIR ?? sampleCorpusDir()),
      limits: { maxFiles: config.RESEARCH_CORPUS_MAX_FILES, maxFileBytes: config.RESEARCH_CORPUS_MAX_FILE_BYTES },
      rescanMs: config.RESEARCH_CORPUS_RESCAN_MS,
      watch: ['true', '1', 'yes', 'auto'].includes(config.RESEARCH_CORPUS_WATCH),
      clientRoots: clientRootsEnabled(config, env),
      logger,
    });
  } else if (indexOn) {
    logger.info('research: no database for the document index; document search is off');
  }
  const webSearch = webSearchEnabled(config, env);
  const tool = createResearchTool({
    fetcher,
    corpus,
    webSearch,
    agentTimeoutMs: config.RESEARCH_AGENT_TIMEOUT_MS,
    modelProvider: options.modelProvider,
    model: options.model,
    runObserver: options.runObserver,
    ...(options.runs ? { runs: options.runs } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
    env,
  });
  return {
    config,
    fetcher,
    corpus,
    tool,
    webSearch,
    register(server) {
      server.tools.register(tool);
      if (corpus) registerDocumentResources(server.resources, corpus);
    },
    close: async () => {
      await corpus?.close();
    },
  };
}
