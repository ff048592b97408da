import {
  type ApiKeyStore,
  createApiKeyStore,
  createAuthenticator,
  createClientAddressResolver,
  createModelUsageMeter,
  createIntrospector,
  createJwtVerifier,
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

  let apiKeys: ApiKeyStore | undefined;
  if (modes.includes('api-key') && config.API_KEYS_FILE) {
    apiKeys = createApiKeyStore({
      file: config.API_KEYS_FILE,
      onReload: (result) =>
        'error' in result
          ? logger.error('API keys file not reloaded; the previous keys stay in force', { err: result.error })
          : logger.info('API keys reloaded', { keys: result.keys }),
    });
  }
  const audience = () => config.OAUTH_AUDIENCE ?? location.resource();
  const oauth = modes.includes('oauth') && config.OAUTH_ISSUER;
  // The audience may be known only after listen (PORT=0 without PUBLIC_URL): build the verifiers on first use.
  let verifiers: Pick<Parameters<typeof createAuthenticator>[0], 'jwt' | 'introspection'> | undefined;
  const oauthVerifiers = () =>
    (verifiers ??= oauth
      ? {
          jwt: createJwtVerifier({
            issuer: config.OAUTH_ISSUER as string,
            audience: audience(),
            jwksUri: config.OAUTH_JWKS_URI,
            algorithms: config.OAUTH_ALGORITHMS,
            clockToleranceSeconds: config.OAUTH_CLOCK_SKEW_SECONDS,
            jwksCooldownSeconds: config.OAUTH_JWKS_COOLDOWN_SECONDS,
            tenantClaim: config.OAUTH_TENANT_CLAIM,
          }),
          introspection:
            config.OAUTH_INTROSPECTION_URL && config.OAUTH_CLIENT_ID && config.OAUTH_CLIENT_SECRET
              ? createIntrospector({
                  endpoint: config.OAUTH_INTROSPECTION_URL,
                  clientId: config.OAUTH_CLIENT_ID,
                  clientSecret: config.OAUTH_CLIENT_SECRET,
                  audience: audience(),
                  issuer: config.OAUTH_ISSUER,
                  tenantClaim: config.OAUTH_TENANT_CLAIM,
                })
              : undefined,
        }
      : {});
  // Fail at start on a bad issuer or algorithm list when the audience is already known.
  if (config.PUBLIC_URL || config.OAUTH_AUDIENCE) oauthVerifiers();
  let authenticator: ReturnType<typeof createAuthenticator> | undefined;
  const authenticate = () => (authenticator ??= createAuthenticator({ apiKeys, ...oauthVerifiers() }));

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
        const decision = await authenticate().authenticate(request.transport.headers);
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
      apiKeys?.close();
      redis?.disconnect();
    },
  };
}
