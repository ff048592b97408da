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

/** How one catalogued code travels: its kind, its JSON-RPC code and, where it ends an HTTP exchange, its status. */
export interface McpErrorSpec {
  readonly kind: ErrorKind;
  /** JSON-RPC `error.code` when the error answers a request. */
  readonly rpcCode: number;
  /**
   * HTTP status the error carries (the transport answers a POST with it while the response is unsent). Without
   * one, the JSON-RPC error travels in a 200 response (a refused POST body: 400).
   */
  readonly httpStatus?: number;
  /** A different status for 2026-07-28 requests only (the revision maps an unknown method to 404). */
  readonly modernHttpStatus?: number;
}

const protocol = (rpcCode: number, httpStatus?: number) =>
  ({ kind: 'protocol', rpcCode, ...(httpStatus === undefined ? {} : { httpStatus }) }) as const;

/**
 * The catalogue of the MCP layer: every code an {@link McpCoreError} can carry, one naming style
 * (`UPPER_SNAKE`), each with how it travels. The README's "Errors" table is this object, held equal by
 * `errors.spec.ts`. A tool library's own codes (`SQL_REFUSED`, `FETCH_FAILED`...) are its catalogue, carried by a
 * {@link ToolError} with the `TOOL_FAILED` spec.
 */
export const MCP_ERRORS = Object.freeze({
  PARSE_ERROR: protocol(JsonRpcErrorCode.ParseError),
  INVALID_REQUEST: protocol(JsonRpcErrorCode.InvalidRequest),
  BATCH_NOT_SUPPORTED: protocol(JsonRpcErrorCode.InvalidRequest),
  MESSAGE_TOO_LARGE: protocol(JsonRpcErrorCode.InvalidRequest),
  DUPLICATE_REQUEST_ID: protocol(JsonRpcErrorCode.InvalidRequest),
  CAPABILITY_NOT_SUPPORTED: protocol(JsonRpcErrorCode.InvalidRequest),
  METHOD_NOT_FOUND: { ...protocol(JsonRpcErrorCode.MethodNotFound), modernHttpStatus: 404 },
  TASK_NOT_SUPPORTED: protocol(JsonRpcErrorCode.MethodNotFound),
  TASK_REQUIRED: protocol(JsonRpcErrorCode.MethodNotFound),
  INVALID_ENVELOPE: protocol(JsonRpcErrorCode.InvalidParams, 400),
  INVALID_CURSOR: protocol(JsonRpcErrorCode.InvalidParams),
  INVALID_SAMPLING_RESULT: protocol(JsonRpcErrorCode.InvalidParams),
  TOO_MANY_SUBSCRIPTIONS: protocol(JsonRpcErrorCode.InvalidParams),
  TASK_NOT_FOUND: protocol(JsonRpcErrorCode.InvalidParams),
  TASK_TERMINAL: protocol(JsonRpcErrorCode.InvalidParams),
  /** `tasks/result` of a failed task: the JSON-RPC code is the one the call failed with, kept in the task. */
  TASK_FAILED: protocol(JsonRpcErrorCode.InternalError),
  TOO_MANY_TASKS: protocol(JsonRpcErrorCode.Unavailable),
  /** A listen stream over the limits: 429 for a principal over its own, 503 (given) for a full server. */
  TOO_MANY_LISTENS: protocol(JsonRpcErrorCode.Unavailable, 429),
  SESSION_CLOSED: protocol(JsonRpcErrorCode.SessionNotFound),
  HEADER_MISMATCH: protocol(JsonRpcErrorCode.HeaderMismatch, 400),
  MISSING_CLIENT_CAPABILITY: protocol(JsonRpcErrorCode.MissingRequiredClientCapability, 400),
  UNSUPPORTED_PROTOCOL_VERSION: protocol(JsonRpcErrorCode.UnsupportedProtocolVersion, 400),
  CLIENT_REQUEST_FAILED: protocol(JsonRpcErrorCode.InternalError),
  CLIENT_REQUEST_TIMEOUT: protocol(JsonRpcErrorCode.InternalError),
  CLIENT_UNREACHABLE: protocol(JsonRpcErrorCode.InternalError),
  CLIENT_REQUEST_UNAVAILABLE: protocol(JsonRpcErrorCode.InternalError),
  INVALID_INPUT_RESPONSE: protocol(JsonRpcErrorCode.InvalidParams),
  INVALID_REQUEST_STATE: protocol(JsonRpcErrorCode.InvalidParams),
  REQUEST_STATE_EXPIRED: protocol(JsonRpcErrorCode.InvalidParams),
  REQUEST_STATE_MISMATCH: protocol(JsonRpcErrorCode.InvalidParams),
  REQUEST_STATE_REPLAYED: protocol(JsonRpcErrorCode.InvalidParams),
  REQUEST_STATE_TOO_LARGE: protocol(JsonRpcErrorCode.InternalError),
  TASK_ELSEWHERE: protocol(JsonRpcErrorCode.Unavailable),
  VALIDATION_FAILED: { kind: 'validation', rpcCode: JsonRpcErrorCode.InvalidParams },
  TOOL_NOT_FOUND: { kind: 'not_found', rpcCode: JsonRpcErrorCode.InvalidParams },
  PROMPT_NOT_FOUND: { kind: 'not_found', rpcCode: JsonRpcErrorCode.InvalidParams },
  RESOURCE_NOT_FOUND: { kind: 'not_found', rpcCode: JsonRpcErrorCode.ResourceNotFound },
  SESSION_NOT_FOUND: { kind: 'not_found', rpcCode: JsonRpcErrorCode.SessionNotFound, httpStatus: 404 },
  AUTHENTICATION_REQUIRED: { kind: 'authentication', rpcCode: JsonRpcErrorCode.AccessDenied, httpStatus: 401 },
  RATE_LIMITED: { kind: 'rate_limit', rpcCode: JsonRpcErrorCode.AccessDenied, httpStatus: 429 },
  PERMISSION_DENIED: { kind: 'permission', rpcCode: JsonRpcErrorCode.AccessDenied, httpStatus: 403 },
  UNAVAILABLE: { kind: 'unavailable', rpcCode: JsonRpcErrorCode.Unavailable, httpStatus: 503 },
  CANCELLED: { kind: 'cancelled', rpcCode: JsonRpcErrorCode.InternalError },
  /** Inside a tool call these three are tool results with `isError: true`, `_meta.error.code` the code. */
  TOOL_FAILED: { kind: 'tool', rpcCode: JsonRpcErrorCode.InternalError },
  UPSTREAM_MODEL_ERROR: { kind: 'upstream_model', rpcCode: JsonRpcErrorCode.InternalError },
  INVALID_TOOL_OUTPUT: { kind: 'system', rpcCode: JsonRpcErrorCode.InternalError },
  INTERNAL_ERROR: { kind: 'system', rpcCode: JsonRpcErrorCode.InternalError },
} satisfies Record<string, McpErrorSpec>);

/** Every code of the MCP layer's catalogue, {@link MCP_ERRORS}. */
export type McpErrorCode = keyof typeof MCP_ERRORS;

/** Fields of every {@link McpCoreError}. */
export interface McpCoreErrorOptions {
  /** Safe, client-visible structured details. Never secrets, paths or stacks. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** The underlying error, kept for the server log only. */
  readonly cause?: unknown;
  /**
   * HTTP status a transport should use when the error ends an HTTP exchange; the catalogue's unless given
   * (`undefined` given: none).
   */
  readonly httpStatus?: number;
  /** HTTP headers that go with that status (for example `WWW-Authenticate`, `Retry-After`). */
  readonly httpHeaders?: Readonly<Record<string, string>>;
}

/**
 * Base class of every typed error of the MCP layer. Its message is safe to show to a client; its code, kind,
 * JSON-RPC code and HTTP status come from {@link MCP_ERRORS}.
 */
export class McpCoreError extends Error {
  /** Stable code: one of {@link McpErrorCode}, or for a {@link ToolError} its tool library's own code. */
  readonly code: string;
  readonly kind: ErrorKind;
  /** JSON-RPC code used when this error is a protocol error. */
  readonly rpcCode: number;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly httpStatus?: number;
  readonly httpHeaders?: Readonly<Record<string, string>>;

  constructor(code: McpErrorCode, message: string, options: McpCoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const spec: McpErrorSpec = MCP_ERRORS[code];
    this.name = new.target.name;
    this.code = code;
    this.kind = spec.kind;
    this.rpcCode = spec.rpcCode;
    this.data = options.data;
    this.httpStatus = 'httpStatus' in options ? options.httpStatus : spec.httpStatus;
    this.httpHeaders = options.httpHeaders;
  }
}

/**
 * Codes of the errors that stay inside this process (a caller's misuse of the library, a limit a store or bus
 * enforces): never serialised as a JSON-RPC error, so they carry a string code only, as the MCP SDK's `SdkError`
 * does beside its wire `ProtocolError`.
 */
export const MCP_LOCAL_ERROR_CODES = Object.freeze([
  'TOOL_REGISTRATION_FAILED',
  'INVALID_HTTP_LIMITS',
  'BODY_TOO_LARGE',
  'BODY_TIMEOUT',
  'SESSION_RECORD_TOO_LARGE',
  'BUS_MESSAGE_TOO_LARGE',
  'INVALID_TASK_RECORD',
] as const);

/** One of {@link MCP_LOCAL_ERROR_CODES}. */
export type McpLocalErrorCode = (typeof MCP_LOCAL_ERROR_CODES)[number];

/** Base class of the MCP layer's local errors (see {@link McpLocalErrorCode}); a client never sees one. */
export class McpLocalError extends Error {
  constructor(
    readonly code: McpLocalErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
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
    super('VALIDATION_FAILED', message, { ...options, data: { ...options.data, issues } });
  }
}

const NOT_FOUND_CODES = {
  tool: 'TOOL_NOT_FOUND',
  resource: 'RESOURCE_NOT_FOUND',
  prompt: 'PROMPT_NOT_FOUND',
  session: 'SESSION_NOT_FOUND',
} as const satisfies Record<string, McpErrorCode>;

/** A tool, resource or prompt that does not exist (or that the caller may not see). */
export class NotFoundError extends McpCoreError {
  constructor(
    readonly what: keyof typeof NOT_FOUND_CODES,
    name: string,
    options: McpCoreErrorOptions = {},
  ) {
    super(NOT_FOUND_CODES[what], `${what[0].toUpperCase()}${what.slice(1)} not found: ${name}`, {
      ...options,
      data: { ...options.data, [what === 'resource' ? 'uri' : 'name']: name },
    });
  }
}

/**
 * A tool failed in a way its caller should hear about. The message is shown to the client (and to the model
 * that called the tool), so write it for them. `Code` is the tool library's own catalogue of codes
 * (`TOOL_FAILED` by default); it travels as `_meta.error.code` of the tool result.
 */
export class ToolError<Code extends string = string> extends McpCoreError {
  declare readonly code: Code;

  constructor(message: string, options: McpCoreErrorOptions & { readonly code?: Code } = {}) {
    super('TOOL_FAILED', message, options);
    // The spec is TOOL_FAILED's; the code the client reads is the tool library's.
    if (options.code !== undefined) (this as { code: string }).code = options.code;
  }
}

/** The model provider behind a tool failed (status, timeout, refusal). Shown without upstream details. */
export class UpstreamModelError extends McpCoreError {
  constructor(message: string, options: McpCoreErrorOptions & { readonly status?: number } = {}) {
    super('UPSTREAM_MODEL_ERROR', message, {
      ...options,
      data: { ...options.data, ...(options.status === undefined ? {} : { status: options.status }) },
    });
  }
}

/** The caller could not be authenticated. */
export class AuthenticationError extends McpCoreError {
  constructor(message = 'Authentication required', options: McpCoreErrorOptions = {}) {
    super('AUTHENTICATION_REQUIRED', message, options);
  }
}

/** The caller sent too many requests. */
export class RateLimitError extends McpCoreError {
  constructor(
    readonly retryAfterSeconds: number,
    options: McpCoreErrorOptions = {},
  ) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super('RATE_LIMITED', `Rate limit exceeded; retry after ${seconds} s`, {
      httpHeaders: { 'retry-after': String(seconds) },
      ...options,
      data: { ...options.data, retryAfterSeconds: seconds },
    });
  }
}

/** The caller is authenticated but may not do this. */
export class PermissionError extends McpCoreError {
  constructor(message = 'Permission denied', options: McpCoreErrorOptions = {}) {
    super('PERMISSION_DENIED', message, options);
  }
}

/** The request was cancelled by the client or the server. */
export class CancelledError extends McpCoreError {
  constructor(reason = 'Request cancelled', options: McpCoreErrorOptions = {}) {
    super('CANCELLED', reason, options);
  }
}

/** The server cannot take the request now (shutting down, over capacity). */
export class UnavailableError extends McpCoreError {
  constructor(message: string, options: McpCoreErrorOptions = {}) {
    super('UNAVAILABLE', message, options);
  }
}

/** The codes of {@link ProtocolError}: those of kind `protocol` in {@link MCP_ERRORS}. */
export type ProtocolErrorCode = {
  [C in McpErrorCode]: (typeof MCP_ERRORS)[C]['kind'] extends 'protocol' ? C : never;
}[McpErrorCode];

/** A request that is not valid JSON-RPC or MCP at the protocol level. */
export class ProtocolError extends McpCoreError {
  declare readonly code: ProtocolErrorCode;

  constructor(
    code: ProtocolErrorCode,
    message: string,
    options: McpCoreErrorOptions & { readonly rpcCode?: number } = {},
  ) {
    super(code, message, options);
    // Only `TASK_FAILED` replays another code: the one its call failed with.
    if (options.rpcCode !== undefined) (this as { rpcCode: number }).rpcCode = options.rpcCode;
  }
}

/**
 * Our own fault, said so on purpose. The message shown to the client is generic ("Internal error"); details go
 * to the log under `ref`. Any error that is not an {@link McpCoreError} is treated the same way.
 */
export class InternalError extends McpCoreError {
  constructor(message = 'Internal error', options: McpCoreErrorOptions = {}) {
    super('INTERNAL_ERROR', message, options);
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
