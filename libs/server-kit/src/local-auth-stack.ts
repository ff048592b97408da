import { type ModelUsageMeter } from '@agent-mcp/context';
import { createPipeline, type Pipeline, type ToolRegistry } from '@agent-mcp/mcp-core';
import { type SharedSettings } from './settings';

/** The settings of the policy stages, which every transport applies (stdio to its one local caller). */
export type PolicySettings = Pick<
  SharedSettings,
  'POLICY_FILE' | 'TOKEN_BUDGET_PER_WINDOW' | 'TOKEN_BUDGET_WINDOW_SECONDS'
>;

/** Where the server is reachable; known only once it listens when PUBLIC_URL is not set. */
export interface PublicLocation {
  /** The canonical URL of the MCP endpoint (the token audience by default), e.g. `https://mcp.example.com/mcp`. */
  resource(): string;
}

/** Everything a transport needs from authentication: the request pipeline, the metadata document, the challenge. */
export interface AuthStack {
  readonly enabled: boolean;
  readonly pipeline: Pipeline;
  /** The Protected Resource Metadata paths and document, when auth is on. */
  metadataPaths(): readonly string[];
  metadata(): Record<string, unknown>;
  /** `WWW-Authenticate` for a 401 (`invalid_request` when the credential was sent the wrong way). */
  challenge(error?: 'invalid_request' | 'invalid_token'): string;
  /** The per-principal model-token budget (`TOKEN_BUDGET_PER_WINDOW`), for the server's tools; undefined when off. */
  readonly modelUsageMeter: ModelUsageMeter | undefined;
  /** Resolves once shared stores (Redis) are connected, or after a short bound; call before listening. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The stages of a transport whose one caller is the local user (stdio, or HTTP with `AUTH_MODE=none`): tool and
 * resource access by the policy (`POLICY_FILE`: tools switched off, scopes), and the model-token budget counted in
 * this process. Nothing to authenticate, so no metadata; the challenge names `location`'s metadata when given.
 * Stdio without a `POLICY_FILE` has nothing to check and loads no module of the auth library: a desktop client's
 * launch pays for none of it.
 */
export async function createLocalAuthStack(
  config: PolicySettings,
  tools: ToolRegistry,
  location?: PublicLocation,
): Promise<AuthStack> {
  const modelTokens = modelTokenBudget(config);
  const stages = config.POLICY_FILE || location ? await import('./policy-stages') : undefined;
  return {
    enabled: false,
    pipeline: createPipeline(stages ? stages.accessStages(stages.loadPolicy(config), tools) : {}),
    modelUsageMeter: modelTokens ? lazyLocalMeter(modelTokens) : undefined,
    metadataPaths: () => [],
    metadata: () => ({}),
    challenge: () => (stages && location ? stages.challengeFor(location) : 'Bearer'),
    ready: async () => undefined,
    close: async () => undefined,
  };
}

/**
 * The local budget's counter, loaded on first use: the rate limiter's module loads a Redis client, which a
 * desktop client's launch must not pay for.
 */
function lazyLocalMeter(modelTokens: ModelTokenBudget): ModelUsageMeter {
  let meter: Promise<ModelUsageMeter> | undefined;
  const load = () =>
    (meter ??= import('./local-model-usage-meter').then(({ createLocalModelUsageMeter }) =>
      createLocalModelUsageMeter(modelTokens),
    ));
  return {
    check: async (principal) => (await load()).check(principal),
    charge: async (principal, tokens) => (await load()).charge(principal, tokens),
  };
}

/** A per-principal model-token budget and its window. */
export interface ModelTokenBudget {
  readonly budget: number;
  readonly windowSeconds: number;
}

/** The budget of `TOKEN_BUDGET_PER_WINDOW`; undefined when off (0). */
export function modelTokenBudget(config: PolicySettings): ModelTokenBudget | undefined {
  return config.TOKEN_BUDGET_PER_WINDOW > 0
    ? { budget: config.TOKEN_BUDGET_PER_WINDOW, windowSeconds: config.TOKEN_BUDGET_WINDOW_SECONDS }
    : undefined;
}
