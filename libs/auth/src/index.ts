/**
 * `@agent-mcp/auth`: authentication, rate limits and permissions for MCP servers. Neutral: it takes request
 * data (headers, addresses, names) and returns typed decisions; the MCP layer turns them into responses.
 *
 * - {@link createAuthenticator} over {@link createApiKeyStore} (hashed keys from a file, hot-reloaded),
 *   {@link createJwtVerifier} (OAuth 2.1 JWT access tokens against the issuer's JWKS) and
 *   {@link createIntrospector} (RFC 7662, for opaque tokens): an {@link AuthDecision} per request.
 * - {@link createRateLimits}: per address (before authentication), per principal, per tool and per model-token
 *   budget, in memory or in Redis with an in-memory insurance limiter: a {@link RateLimitDecision};
 *   {@link createModelUsageMeter} offers the token budget to tools through the request context.
 * - {@link loadPolicyFile} / {@link createPolicy}: scopes per tool, resource and prompt, tools switched off,
 *   per-tool limits, defaults from tool annotations: an {@link AccessDecision}.
 * - {@link createClientAddressResolver}: the client's address behind trusted proxies (`X-Forwarded-For`).
 * - {@link formatBearerChallenge} and {@link protectedResourceMetadata} for the HTTP side (RFC 6750, RFC 9728).
 *
 * @packageDocumentation
 */
export {
  type AuthDecision,
  type InvalidCredentialReason,
  type RateLimitDecision,
  type RateLimitName,
  type AccessDecision,
  AuthConfigError,
} from './decisions';
export { AuthError, AUTH_ERROR_CODES, type AuthErrorCode } from './errors';
export { readBearerToken, hasTokenInQuery, type HeaderMap, type PresentedCredential } from './credentials';
export { formatBearerChallenge, type BearerChallenge } from './challenge';
export { createApiKeyStore, hashApiKey, type ApiKeyEntry, type ApiKeyStore, type ApiKeyStoreOptions } from './api-keys';
export { createJwtVerifier, type JwtVerifier, type JwtVerifierOptions } from './jwt-verifier';
export { createIntrospector, type Introspector, type IntrospectorOptions } from './introspection';
export { createAuthenticator, type Authenticator, type AuthenticatorOptions } from './authenticator';
export {
  createPolicy,
  loadPolicyFile,
  parsePolicy,
  type Policy,
  type PolicyData,
  type PolicyInput,
  type ToolHints,
  type CallLimit,
} from './policy';
export {
  createRateLimits,
  createRedisClient,
  redisReady,
  type RateLimits,
  type RateLimitsOptions,
  type RateLimitRedis,
  type RedisClientOptions,
} from './rate-limits';
export { createModelUsageMeter } from './model-usage-meter';
export {
  createClientAddressResolver,
  parseTrustProxy,
  type ClientAddressResolver,
  type TrustProxy,
} from './client-address';
export {
  protectedResourceMetadata,
  protectedResourceMetadataPaths,
  type ProtectedResourceMetadataOptions,
} from './resource-metadata';

/** Package version, kept in step with package.json. */
export const VERSION = '0.1.0';
