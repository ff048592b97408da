import {
  type AccessDecision,
  type ApiKeyStore,
  createApiKeyStore,
  createAuthenticator,
  createClientAddressResolver,
  createModelUsageMeter,
  createIntrospector,
  createJwtVerifier,
  createPolicy,
  createRateLimits,
  createRedisClient,
  redisReady,
  formatBearerChallenge,
  loadPolicyFile,
  type Policy,
  protectedResourceMetadata,
  protectedResourceMetadataPaths,
  type RateLimitDecision,
} from '@agent-mcp/auth';
import { type Logger, type ModelUsageMeter, principalKey } from '@agent-mcp/context';
import {
  AuthenticationError,
  type McpServer,
  PermissionError,
  type Pipeline,
  type PipelineOptions,
  type PipelineRequest,
  createPipeline,
  RateLimitError,
  UnavailableError,
} from '@agent-mcp/mcp-core';
import { type HttpServerConfig } from './config';

/** Where the server is reachable; known only once it listens when PUBLIC_URL is not set. */
export interface PublicLocation {
  /** The canonical URL of the MCP endpoint (the token audience by default), e.g. `https://mcp.example.com/mcp`. */
  resource(): string;
}

/** Everything the app needs from authentication: the request pipeline, the metadata document, the challenge. */
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
 * Builds the seed's chain from configuration: authenticate (with the per-address limits in front of it, so
 * floods of bad credentials cost no signature check or JWKS fetch) -> rate limit per principal and tool ->
 * permission (403 `insufficient_scope` naming the scopes) -> tool and resource access (hides what the caller
 * may not use). With `AUTH_MODE=none` only the policy applies, to the anonymous local principal.
 */
export function createAuthStack(
  config: HttpServerConfig,
  server: McpServer,
  location: PublicLocation,
  logger: Logger,
): AuthStack {
  const policy: Policy = config.POLICY_FILE ? loadPolicyFile(config.POLICY_FILE) : createPolicy();
  const access = accessStages(policy, server);
  const modes = config.AUTH_MODE;
  const metadataUrl = () => {
    const resource = new URL(location.resource());
    return `${resource.origin}${protectedResourceMetadataPaths(resource.href)[0]}`;
  };
  const challenge = (error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope', scope?: readonly string[]) =>
    formatBearerChallenge({ resourceMetadata: metadataUrl(), error, scope });

  const modelTokens =
    config.TOKEN_BUDGET_PER_WINDOW > 0
      ? { budget: config.TOKEN_BUDGET_PER_WINDOW, windowSeconds: config.TOKEN_BUDGET_WINDOW_SECONDS }
      : undefined;
  if (modes.length === 0) {
    // Without authentication the one anonymous principal still has a budget, counted in this process.
    const local = modelTokens
      ? createModelUsageMeter(
          createRateLimits({
            windowSeconds: 1,
            ipPoints: 0,
            authFailurePoints: 0,
            principalPoints: 0,
            toolPoints: 0,
            modelTokens,
          }),
        )
      : undefined;
    return {
      enabled: false,
      pipeline: createPipeline(access),
      modelUsageMeter: local,
      metadataPaths: () => [],
      metadata: () => ({}),
      challenge: () => challenge(),
      ready: async () => undefined,
      close: async () => undefined,
    };
  }

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

function principalOf(request: PipelineRequest) {
  if (!request.principal) throw new AuthenticationError();
  return request.principal;
}

/** The policy as the three access stages, plus the decision for the request's own target. */
function accessStages(policy: Policy, server: McpServer) {
  const hints = (name: string) => server.tools.get(name)?.annotations;
  return {
    toolAccess: { canUse: (principal, name) => policy.tool(principal, name, hints(name)).allowed },
    resourceAccess: {
      canRead: (principal, uri) => policy.resource(principal, uri).allowed,
      canUsePrompt: (principal, name) => policy.prompt(principal, name).allowed,
    },
    decide(request: PipelineRequest): AccessDecision | undefined {
      const { target } = request;
      const principal = principalOf(request);
      if (!target) return undefined;
      if (target.kind === 'tool')
        return server.tools.get(target.name) ? policy.tool(principal, target.name, hints(target.name)) : undefined;
      if (target.kind === 'resource') return policy.resource(principal, target.uri);
      return policy.prompt(principal, target.name);
    },
  } satisfies Pick<PipelineOptions, 'toolAccess' | 'resourceAccess'> & Record<string, unknown>;
}
