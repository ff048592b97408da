/**
 * The store library's own errors. They stay local (string codes, no JSON-RPC code), for the code that calls a
 * store; what fails in SQL is `@agent-mcp/context`'s `SqlError` (both SQL clients here throw it), and a setting
 * that is wrong, its `ConfigError`.
 */

/** Codes of {@link StoreError} (the README's "Errors" table; `errors.spec.ts` holds them equal). */
export const STORE_ERROR_CODES = Object.freeze(['TOO_MANY_PENDING_CONFIRMATIONS'] as const);

/** One of {@link STORE_ERROR_CODES}. */
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

/** Base class of the store library's errors: a stable `code`; the message says what to do. */
export abstract class StoreError extends Error {
  abstract readonly code: StoreErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
