import { type Logger, type Principal } from '@agent-mcp/context';
import { type ErrorKind, McpCoreError } from './errors';
import { type TransportInfo } from './pipeline';

/**
 * How a request ended: `ok`; `tool_error` for a tool call answered with an `isError` result (the tool failed, the
 * protocol did not); `cancelled` when the client cancelled it; otherwise the {@link ErrorKind} of the error it was
 * answered with (`rate_limit`, `authentication`, `validation`, `system`...). A small, fixed set, fit for a metric label.
 */
export type RequestOutcome = 'ok' | 'tool_error' | ErrorKind;

/** One finished request, reported once to {@link McpObserver.onRequestFinished}. */
export interface RequestFinishedInfo {
  /** The JSON-RPC method. */
  readonly method: string;
  /** The JSON-RPC request id. */
  readonly requestId: string | number;
  readonly sessionId: string | undefined;
  readonly transport: TransportInfo['kind'];
  /**
   * The protocol revision the request was served in: `2026-07-28` for a stateless request (from its envelope), the
   * session's negotiated revision for a 2025-11-25 one. Tells operators which clients still open legacy sessions.
   */
  readonly protocolVersion: string;
  /** The `clientInfo.name` the client announced (envelope or `initialize`), cut to 100 characters. */
  readonly client: string | undefined;
  /** Who called, once authentication ran; undefined when the request was refused before it. */
  readonly principal: Principal | undefined;
  /** The registered tool of a `tools/call`; `(unknown)` for a name no tool has, so labels stay bounded. */
  readonly tool: string | undefined;
  readonly outcome: RequestOutcome;
  /** Stable code of the error (`RATE_LIMITED`, `TOOL_NOT_FOUND`...), when there was one. */
  readonly errorCode: string | undefined;
  /** Wall-clock time from receipt to response, in milliseconds. */
  readonly durationMs: number;
}

/**
 * Observability hooks of the MCP layer: wire them to logs and metrics in the app. Called synchronously on the
 * request's path, so keep them cheap; exceptions they throw are swallowed so that telemetry can never change an
 * answer. The MCP layer itself depends on no metrics or logging library.
 */
export interface McpObserver {
  onRequestFinished?(info: RequestFinishedInfo): void;
}

/** Calls `onRequestFinished`, shielding the request from the observer's failures. */
export function reportRequest(observer: McpObserver | undefined, info: RequestFinishedInfo): void {
  if (!observer?.onRequestFinished) return;
  try {
    observer.onRequestFinished(info);
  } catch {
    // Telemetry must never change the outcome of a request.
  }
}

/** The outcome label of an error a request was answered with. */
export function outcomeOf(error: unknown): { outcome: RequestOutcome; errorCode: string | undefined } {
  if (error instanceof McpCoreError) return { outcome: error.kind, errorCode: error.code };
  return { outcome: 'system', errorCode: undefined };
}

/** Fans one report out to several observers (logs and metrics). */
export function combineObservers(...observers: ReadonlyArray<McpObserver | undefined>): McpObserver {
  const list = observers.filter((o): o is McpObserver => o !== undefined);
  // Nothing to tell, so no callback: the server then neither times nor describes its requests.
  if (list.length === 0) return {};
  return {
    onRequestFinished(info) {
      for (const o of list) reportRequest(o, info);
    },
  };
}

/**
 * An observer that writes one log line per request: request and session id, protocol revision and client, principal
 * and tenant, method, tool, outcome, error code and duration. Server faults log at `warn` (their details are logged apart, with a reference);
 * everything else at `info`.
 */
export function createRequestLogObserver(logger: Logger): McpObserver {
  return {
    onRequestFinished(info) {
      const fields = {
        requestId: info.requestId,
        ...(info.sessionId ? { sessionId: info.sessionId } : {}),
        transport: info.transport,
        protocolVersion: info.protocolVersion,
        ...(info.client ? { client: info.client } : {}),
        ...(info.principal
          ? { principal: info.principal.id, ...(info.principal.tenantId ? { tenant: info.principal.tenantId } : {}) }
          : {}),
        method: info.method,
        ...(info.tool ? { tool: info.tool } : {}),
        outcome: info.outcome,
        ...(info.errorCode ? { errorCode: info.errorCode } : {}),
        durationMs: Math.round(info.durationMs * 100) / 100,
      };
      if (info.outcome === 'system') logger.warn('request', fields);
      else logger.info('request', fields);
    },
  };
}
