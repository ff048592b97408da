/**
 * The auth library's own errors. They stay local (string codes): auth is neutral, it answers requests with
 * decisions (`AuthDecision`, `RateLimitDecision`, `AccessDecision`), and the MCP layer's composition turns those
 * into MCP errors. These two are for the code that sets auth up.
 */

/** Codes of {@link AuthError} (the README's "Errors" table; `errors.spec.ts` holds them equal). */
export const AUTH_ERROR_CODES = Object.freeze(['AUTH_CONFIG_INVALID', 'ISSUER_DISCOVERY_FAILED'] as const);

/** One of {@link AUTH_ERROR_CODES}. */
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/** Base class of the auth library's errors: a stable `code`; the message names the setting or issuer and why. */
export abstract class AuthError extends Error {
  abstract readonly code: AuthErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
