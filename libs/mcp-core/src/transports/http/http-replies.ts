import { type IncomingMessage, type ServerResponse } from 'node:http';
import { JsonRpcErrorCode, McpCoreError, toJsonRpcError } from '../../errors';
import { errorMessage } from '../../protocol/messages';
import { type RequestChannel } from '../../session';

/** HTTP headers to add to an answer (CORS, session id, retry hints). */
export type HeaderBag = Record<string, string>;

/**
 * A request refused before it reaches the server, with its HTTP status: thrown by a collaborator deep in the
 * handling (the session store is down, the table is full) and answered once at the edge.
 */
export class Refusal {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly message: string,
    readonly headers: HeaderBag = {},
  ) {}
}

/** A channel for messages that must not produce a response (notifications, responses). */
export const REJECTING_CHANNEL: RequestChannel = {
  send: () => undefined,
  respond: () => undefined,
};

/** The first value of a request header. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Answers with a JSON-RPC error without id. */
export function fail(res: ServerResponse, status: number, code: number, message: string, headers: HeaderBag): void {
  const body = JSON.stringify(errorMessage(null, { code, message }));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Answers with {@link Refusal}, its own headers over `headers`. */
export function refuse(res: ServerResponse, refusal: Refusal, headers: HeaderBag): void {
  fail(res, refusal.status, refusal.code, refusal.message, { ...headers, ...refusal.headers });
}

/** Answers with `error` mapped to JSON-RPC (internals hidden), plus the error's own HTTP headers. */
export function failWith(res: ServerResponse, status: number, error: unknown, headers: HeaderBag): void {
  const body = JSON.stringify(errorMessage(null, toJsonRpcError(error)));
  const extra = error instanceof McpCoreError ? error.httpHeaders : undefined;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
    ...extra,
  });
  res.end(body);
}

/** 405 naming the methods the endpoint does take. */
export function methodNotAllowed(res: ServerResponse, allow: string, headers: HeaderBag): void {
  fail(res, 405, JsonRpcErrorCode.InvalidRequest, 'Method Not Allowed', { ...headers, allow });
}
