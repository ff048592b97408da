import { ToolError } from '@agent-mcp/mcp-core';

/**
 * Codes of the support tools' own errors (the README's "Errors" table; `errors.spec.ts` holds them equal). Each
 * reaches the caller as mcp-core's `ToolError`: a tool result with `isError: true` and `_meta.error.code`.
 */
export const SUPPORT_ERROR_CODES = Object.freeze([
  'CUSTOMER_NOT_FOUND',
  'TICKET_NOT_FOUND',
  'INVALID_VALUE',
  'SUPPORT_TIMEOUT',
  'CONFIRMATION_NOT_FOUND',
  'CONFIRMATION_USED',
  'CONFIRMATION_EXPIRED',
  'NOT_APPROVED',
] as const);

/** One of {@link SUPPORT_ERROR_CODES}. */
export type SupportErrorCode = (typeof SUPPORT_ERROR_CODES)[number];

/** A support tool's error with one of the catalogue's codes; `message` is for the caller and never has internals. */
export function supportError(code: SupportErrorCode, message: string): ToolError {
  return new ToolError(message, { code });
}
