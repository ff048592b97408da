/**
 * The one error model of the MCP layer. Every error that can reach a client is an {@link McpCoreError} with a
 * stable string `code` and a `kind`; anything else is treated as an internal fault and never shown.
 *
 * Two ways out to a client (see {@link toJsonRpcError} and `toToolErrorResult` in tool-registry):
 * - protocol errors (malformed request, unknown method or tool, bad params, access refused) become JSON-RPC
 *   errors with a numeric code;
 * - failures inside a tool (bad arguments, the tool's own error, the model upstream failing) become a tool
 *   result with `isError: true`, so the calling model can read them and recover.
 */

/** Numeric JSON-RPC error codes used on the wire. */
export const JsonRpcErrorCode = Object.freeze({
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP: the session is unknown or has ended. */
  SessionNotFound: -32001,
  /** MCP: the resource does not exist. */
  ResourceNotFound: -32002,
  /** Access refused by the request pipeline (authentication, rate limit, permission). */
  AccessDenied: -32003,
  /** The server is shutting down or over capacity. */
  Unavailable: -32004,
  /** MCP 2026-07-28: an HTTP header disagrees with the body, or a required header is missing (HTTP 400). */
  HeaderMismatch: -32020,
  /** MCP 2026-07-28: the call needs a client capability the request's envelope did not declare (HTTP 400). */
  MissingRequiredClientCapability: -32021,
  /** MCP 2026-07-28: the request's protocol version is not one this server speaks (HTTP 400, `data.supported`). */
  UnsupportedProtocolVersion: -32022,
});

/** What kind of failure an error is; drives how it is shown and logged. */
export type ErrorKind =
  | 'protocol'
  | 'validation'
  | 'not_found'
  | 'tool'
  | 'upstream_model'
  | 'authentication'
  | 'rate_limit'
  | 'permission'
  | 'cancelled'
  | 'unavailable'
  | 'system';

/** Fields of every {@link McpCoreError}. */
export interface McpCoreErrorOptions {
  /** Safe, client-visible structured details. Never secrets, paths or stacks. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** The underlying error, kept for the server log only. */
  readonly cause?: unknown;
  /** HTTP status a transport should use when the error ends an HTTP exchange. */
  readonly httpStatus?: number;
  /** HTTP headers that go with that status (for example `WWW-Authenticate`, `Retry-After`). */
  readonly httpHeaders?: Readonly<Record<string, string>>;
}

/** Base class of every typed error of the MCP layer. Its message is safe to show to a client. */
export class McpCoreError extends Error {
  readonly data?: Readonly<Record<string, unknown>>;
  readonly httpStatus?: number;
  readonly httpHeaders?: Readonly<Record<string, string>>;

  constructor(
    /** Stable, documented code such as `TOOL_NOT_FOUND`. */
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    /** JSON-RPC code used when this error is a protocol error. */
    readonly rpcCode: number,
    options: McpCoreErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.data = options.data;
    this.httpStatus = options.httpStatus;
    this.httpHeaders = options.httpHeaders;
  }
}

/** One problem found while validating input. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** Input did not match its schema (request params or tool arguments). */
export class ValidationError extends McpCoreError {
  constructor(
    message: string,
    readonly issues: readonly ValidationIssue[] = [],
    options: McpCoreErrorOptions = {},
  ) {
    super('VALIDATION_FAILED', 'validation', message, JsonRpcErrorCode.InvalidParams, {
      ...options,
      data: { ...options.data, issues },
    });
  }
}

/** A tool, resource or prompt that does not exist (or that the caller may not see). */
export class NotFoundError extends McpCoreError {
  constructor(
    readonly what: 'tool' | 'resource' | 'prompt' | 'session',
    name: string,
    options: McpCoreErrorOptions = {},
  ) {
    super(
      `${what.toUpperCase()}_NOT_FOUND`,
      'not_found',
      `${what[0].toUpperCase()}${what.slice(1)} not found: ${name}`,
      what === 'resource'
        ? JsonRpcErrorCode.ResourceNotFound
        : what === 'session'
          ? JsonRpcErrorCode.SessionNotFound
          : JsonRpcErrorCode.InvalidParams,
      {
        httpStatus: what === 'session' ? 404 : undefined,
        ...options,
        data: { ...options.data, [what === 'resource' ? 'uri' : 'name']: name },
      },
    );
  }
}

/**
 * A tool failed in a way its caller should hear about. The message is shown to the client (and to the model
 * that called the tool), so write it for them.
 */
export class ToolError extends McpCoreError {
  constructor(message: string, options: McpCoreErrorOptions & { readonly code?: string } = {}) {
    super(options.code ?? 'TOOL_FAILED', 'tool', message, JsonRpcErrorCode.InternalError, options);
  }
}

/** The model provider behind a tool failed (status, timeout, refusal). Shown without upstream details. */
export class UpstreamModelError extends McpCoreError {
  constructor(message: string, options: McpCoreErrorOptions & { readonly status?: number } = {}) {
    super('UPSTREAM_MODEL_ERROR', 'upstream_model', message, JsonRpcErrorCode.InternalError, {
      ...options,
      data: { ...options.data, ...(options.status === undefined ? {} : { status: options.status }) },
    });
  }
}

/** The caller could not be authenticated. */
export class AuthenticationError extends McpCoreError {
  constructor(message = 'Authentication required', options: McpCoreErrorOptions = {}) {
    super('AUTHENTICATION_REQUIRED', 'authentication', message, JsonRpcErrorCode.AccessDenied, {
      httpStatus: 401,
      ...options,
    });
  }
}

/** The caller sent too many requests. */
export class RateLimitError extends McpCoreError {
  constructor(
    readonly retryAfterSeconds: number,
    options: McpCoreErrorOptions = {},
  ) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      'RATE_LIMITED',
      'rate_limit',
      `Rate limit exceeded; retry after ${seconds} s`,
      JsonRpcErrorCode.AccessDenied,
      {
        httpStatus: 429,
        httpHeaders: { 'retry-after': String(seconds) },
        ...options,
        data: { ...options.data, retryAfterSeconds: seconds },
      },
    );
  }
}

/** The caller is authenticated but may not do this. */
export class PermissionError extends McpCoreError {
  constructor(message = 'Permission denied', options: McpCoreErrorOptions = {}) {
    super('PERMISSION_DENIED', 'permission', message, JsonRpcErrorCode.AccessDenied, { httpStatus: 403, ...options });
  }
}

/** The request was cancelled by the client or the server. */
export class CancelledError extends McpCoreError {
  constructor(reason = 'Request cancelled', options: McpCoreErrorOptions = {}) {
    super('CANCELLED', 'cancelled', reason, JsonRpcErrorCode.InternalError, options);
  }
}

/** The server cannot take the request now (shutting down, over capacity). */
export class UnavailableError extends McpCoreError {
  constructor(message: string, options: McpCoreErrorOptions = {}) {
    super('UNAVAILABLE', 'unavailable', message, JsonRpcErrorCode.Unavailable, { httpStatus: 503, ...options });
  }
}

/** A request that is not valid JSON-RPC or MCP at the protocol level. */
export class ProtocolError extends McpCoreError {
  constructor(code: string, message: string, rpcCode: number, options: McpCoreErrorOptions = {}) {
    super(code, 'protocol', message, rpcCode, options);
  }
}

/** Our own fault. The message shown to the client is generic; details go to the log under `ref`. */
export class SystemError extends McpCoreError {
  constructor(message = 'Internal error', options: McpCoreErrorOptions = {}) {
    super('INTERNAL_ERROR', 'system', message, JsonRpcErrorCode.InternalError, options);
  }
}

/** The JSON-RPC `error` member for an error: typed errors keep their message, anything else is hidden. */
export function toJsonRpcError(
  error: unknown,
  ref?: string,
): { code: number; message: string; data?: Record<string, unknown> } {
  if (error instanceof McpCoreError && error.kind !== 'system') {
    return { code: error.rpcCode, message: error.message, data: { code: error.code, ...error.data } };
  }
  return {
    code: JsonRpcErrorCode.InternalError,
    message: 'Internal error',
    data: { code: 'INTERNAL_ERROR', ...(ref ? { ref } : {}) },
  };
}

/** True for errors whose message may be shown to a client. */
export function isExposable(error: unknown): error is McpCoreError {
  return error instanceof McpCoreError && error.kind !== 'system';
}
