// The public API (issue 14 item 6): what another team imports from `@agent-mcp/auth`. Adding or dropping an
// export is an API decision, made in this list too.
describe('public API', () => {
  it('exports exactly these values', async () => {
    expect(Object.keys(await import('./index')).sort()).toEqual([
      'AUTH_ERROR_CODES',
      'AuthConfigError',
      'AuthError',
      'VERSION',
      'createApiKeyStore',
      'createAuthenticator',
      'createClientAddressResolver',
      'createIntrospector',
      'createJwtVerifier',
      'createModelUsageMeter',
      'createPolicy',
      'createRateLimits',
      'createRedisClient',
      'formatBearerChallenge',
      'hasTokenInQuery',
      'hashApiKey',
      'loadPolicyFile',
      'parsePolicy',
      'parseTrustProxy',
      'protectedResourceMetadata',
      'protectedResourceMetadataPaths',
      'readBearerToken',
      'redisReady',
    ]);
  });
});

// The types it exports: one dropped from src/index.ts fails typecheck here; one added there and not here fails
// tools/workspace-checks' public-api.spec.ts.
export type {
  AccessDecision,
  ApiKeyEntry,
  ApiKeyStore,
  ApiKeyStoreOptions,
  AuthDecision,
  AuthErrorCode,
  Authenticator,
  AuthenticatorOptions,
  BearerChallenge,
  CallLimit,
  ClientAddressResolver,
  HeaderMap,
  Introspector,
  IntrospectorOptions,
  InvalidCredentialReason,
  JwtVerifier,
  JwtVerifierOptions,
  Policy,
  PolicyData,
  PolicyInput,
  PresentedCredential,
  ProtectedResourceMetadataOptions,
  RateLimitDecision,
  RateLimitName,
  RateLimitRedis,
  RateLimits,
  RateLimitsOptions,
  RedisClientOptions,
  ToolHints,
  TrustProxy,
} from './index';
