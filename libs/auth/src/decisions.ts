import { type Principal } from '@agent-mcp/context';
import { AuthError } from './errors';

/** Why a presented credential was refused. Stable strings, for logs and metrics; not shown to clients in detail. */
export type InvalidCredentialReason =
  | 'malformed'
  | 'unknown_api_key'
  | 'algorithm_refused'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'inactive';

/**
 * The outcome of authenticating one request:
 * - `authenticated`: the caller is `principal`;
 * - `missing`: the request carries no credential (401 with a challenge, so the client can start OAuth);
 * - `invalid`: a credential was presented and refused (401 `invalid_token`, or `invalid_request` when malformed);
 * - `unavailable`: the credential could not be checked now (JWKS or introspection endpoint down): 503, not 401,
 *   so that a client does not throw away a good token because our authorization server is unreachable.
 */
export type AuthDecision =
  | { readonly outcome: 'authenticated'; readonly principal: Principal }
  | { readonly outcome: 'missing' }
  | { readonly outcome: 'invalid'; readonly reason: InvalidCredentialReason }
  | { readonly outcome: 'unavailable'; readonly detail: string };

/** Which limit refused a request. */
export type RateLimitName = 'ip' | 'auth_failures' | 'principal' | 'tool' | 'model_tokens';

/** A rate limiter's answer; `retryAfterSeconds` is a whole number of seconds, at least 1. */
export type RateLimitDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly limit: RateLimitName; readonly retryAfterSeconds: number };

/**
 * Whether a principal may use a tool, resource or prompt:
 * - `disabled`: switched off by policy; hidden from everyone, and using it fails as if it did not exist;
 * - `insufficient_scope`: hidden from this principal; using it gets 403 naming `requiredScopes`, so that the
 *   client can ask the authorization server for them (MCP scope step-up).
 */
export type AccessDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'disabled' }
  | { readonly allowed: false; readonly reason: 'insufficient_scope'; readonly requiredScopes: readonly string[] };

/** Raised at start when an auth file or setting is unusable; its message says which and why. */
export class AuthConfigError extends AuthError {
  readonly code = 'AUTH_CONFIG_INVALID' as const;
}
