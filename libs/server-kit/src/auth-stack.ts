import {
  createClientAddressResolver,
  createModelUsageMeter,
  createRateLimits,
  createRedisClient,
  redisReady,
  formatBearerChallenge,
  protectedResourceMetadata,
  protectedResourceMetadataPaths,
  type RateLimitDecision,
} from '@agent-mcp/auth';
import { type Logger, principalKey } from '@agent-mcp/context';
import {
  AuthenticationError,
  PermissionError,
  type PipelineOptions,
  createPipeline,
  RateLimitError,
  type ToolRegistry,
  UnavailableError,
} from '@agent-mcp/mcp-core';
import { type AuthSettings } from './auth-settings';
import {
  type AuthStack,
  createLocalAuthStack,
  modelTokenBudget,
  type PolicySettings,
  type PublicLocation,
} from './local-auth-stack';
import { createCredentialCheck } from './credential-check';
import { accessStages, loadPolicy, metadataUrl, principalOf } from './policy-stages';

/** The settings {@link createAuthStack} reads. */
export type AuthStackSettings = PolicySettings & AuthSettings;

/**
 * Builds the request chain from configuration: authenticate (with the per-address limits in front of it, so
 * floods of bad credentials cost no signature check or JWKS fetch) -> rate limit per principal and tool ->
 * permission (403 `insufficient_scope` naming the scopes) -> tool and resource access (hides what the caller
 * may not use). With `AUTH_MODE=none` only the policy applies, to the anonymous local principal. `tools` is the
 * registry the server will serve: tool annotations drive the policy's defaults. Files (policy, API keys) are read
 * and checked before anything is opened, so a mistake throws before a connection could keep the process alive.
 */
export async function createAuthStack(
  config: AuthStackSettings,
  tools: ToolRegistry,
  location: PublicLocation,
  logger: Logger,
): Promise<AuthStack> {
  const modes = config.AUTH_MODE;
  if (modes.length === 0) return createLocalAuthStack(config, tools, location);
  const policy = loadPolicy(config);
  const access = accessStages(policy, tools);
  const challenge = (error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope', scope?: readonly string[]) =>
    formatBearerChallenge({ resourceMetadata: metadataUrl(location), error, scope });
  const modelTokens = modelTokenBudget(config);

  const credentials = createCredentialCheck(config, location, logger);

  const redis = config.REDIS_URL
    ? createRedisClient(config.REDIS_URL, {
        onError: (error) => logger.warn('redis unavailable; rate limits count in memory', { err: error.message }),
      })
    : undefined;
  const limits = createRateLimits({
    redis,
    keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
    windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    ipPoints: config.RATE_LIMIT_IP,
    authFailurePoints: config.RATE_LIMIT_AUTH_FAILURES,
    principalPoints: config.RATE_LIMIT_PRINCIPAL,
    toolPoints: config.RATE_LIMIT_TOOL,
    toolLimit: (tool) => policy.toolLimit(tool),
    modelTokens,
    onStoreError: (error) =>
      logger.warn('rate limiter store failed; request let through', { err: (error as Error).message }),
  });
  const clientAddress = createClientAddressResolver(config.TRUST_PROXY);
  const limited = (decision: RateLimitDecision) => {
    if (!decision.allowed) throw new RateLimitError(decision.retryAfterSeconds, { data: { limit: decision.limit } });
  };

  const options: PipelineOptions = {
    ...access,
    authenticate: {
      authenticator: async (request) => {
        // Behind trusted proxies the client is named in X-Forwarded-For; otherwise only the socket counts.
        const address = clientAddress(request.transport.remoteAddress, request.transport.headers?.['x-forwarded-for']);
        limited(await limits.checkIp(address));
        limited(await limits.checkAuthFailures(address));
        const decision = await credentials.authenticator().authenticate(request.transport.headers);
        switch (decision.outcome) {
          case 'authenticated':
            return decision.principal;
          case 'missing':
            throw new AuthenticationError('Authentication required', {
              httpHeaders: { 'www-authenticate': challenge() },
            });
          case 'invalid':
            await limits.recordAuthFailure(address);
            // The reason goes to our log only: telling a prober which check failed helps it.
            logger.info('credential refused', { reason: decision.reason, address });
            throw new AuthenticationError('Invalid or expired credentials', {
              httpHeaders: {
                'www-authenticate': challenge(decision.reason === 'malformed' ? 'invalid_request' : 'invalid_token'),
              },
            });
          case 'unavailable':
            logger.warn('credential could not be checked', { detail: decision.detail });
            throw new UnavailableError('The authorization server cannot be reached; try again shortly', {
              httpHeaders: { 'retry-after': '5' },
            });
        }
      },
    },
    rateLimit: {
      limiter: async (request) => {
        const key = principalKey(principalOf(request));
        const mine = await limits.checkPrincipal(key);
        if (!mine.allowed) return mine;
        if (request.target?.kind === 'tool' && request.method === 'tools/call')
          return limits.checkTool(key, request.target.name);
        return mine;
      },
    },
    permission: {
      allow: (request) => {
        const decision = access.decide(request);
        if (decision && !decision.allowed && decision.reason === 'insufficient_scope') {
          throw new PermissionError(`Insufficient scope: this needs ${decision.requiredScopes.join(' ')}`, {
            httpHeaders: { 'www-authenticate': challenge('insufficient_scope', decision.requiredScopes) },
            data: { requiredScopes: decision.requiredScopes },
          });
        }
        return true;
      },
    },
  };

  return {
    enabled: true,
    pipeline: createPipeline(options),
    modelUsageMeter: modelTokens ? createModelUsageMeter(limits) : undefined,
    metadataPaths: () => protectedResourceMetadataPaths(location.resource()),
    metadata: () =>
      protectedResourceMetadata({
        resource: location.resource(),
        authorizationServers: config.OAUTH_ISSUER && modes.includes('oauth') ? [config.OAUTH_ISSUER] : [],
        scopesSupported: policy.scopes,
        resourceName: 'OpenAI Agent MCP',
      }),
    challenge: (error) => challenge(error),
    ready: async () => {
      if (redis && !(await redisReady(redis)))
        logger.warn('redis not reachable at start; rate limits count in memory until it is');
    },
    close: async () => {
      credentials.close();
      redis?.disconnect();
    },
  };
}
