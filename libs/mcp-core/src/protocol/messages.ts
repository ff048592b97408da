import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResultResponse,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { isUtf8 } from 'node:buffer';
import { ProtocolError } from '../errors';

export type {
  JSONRPCMessage,
  JSONRPCRequest,
  JSONRPCNotification,
  JSONRPCResultResponse,
  JSONRPCErrorResponse,
  RequestId,
};

/** A response to a request: a result or an error. */
export type JSONRPCResponseMessage = JSONRPCResultResponse | JSONRPCErrorResponse;

/** A message sorted by kind, after {@link classifyMessage}. */
export type ClassifiedMessage =
  | { readonly kind: 'request'; readonly message: JSONRPCRequest }
  | { readonly kind: 'notification'; readonly message: JSONRPCNotification }
  | { readonly kind: 'response'; readonly message: JSONRPCResponseMessage };

/** Limits applied to every incoming message before it is dispatched. */
export interface MessageLimits {
  /** Deepest nesting of arrays and objects accepted. Default 64. */
  readonly maxDepth: number;
  /** Most values (objects, arrays, primitives) in one message. Default 100 000. */
  readonly maxNodes: number;
}

export const DEFAULT_MESSAGE_LIMITS: MessageLimits = Object.freeze({ maxDepth: 64, maxNodes: 100_000 });

/** Decodes strict UTF-8 and parses JSON; raises a JSON-RPC parse error on either failure. */
export function parseJsonMessage(bytes: Buffer | string): unknown {
  // isUtf8 is a native check, cheaper than a fatal TextDecoder on this hot path.
  if (typeof bytes !== 'string' && !isUtf8(bytes)) {
    throw new ProtocolError('PARSE_ERROR', 'Parse error: message is not valid UTF-8');
  }
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError('PARSE_ERROR', 'Parse error: message is not valid JSON');
  }
}

/**
 * Checks the JSON-RPC 2.0 envelope and sorts the message. Hand-written rather than a schema parse: it runs
 * on every message, and only the envelope is checked here (each method validates its own params).
 */
export function classifyMessage(value: unknown, limits: MessageLimits = DEFAULT_MESSAGE_LIMITS): ClassifiedMessage {
  if (Array.isArray(value)) {
    throw new ProtocolError('BATCH_NOT_SUPPORTED', 'Invalid Request: JSON-RPC batches are not supported');
  }
  if (value === null || typeof value !== 'object') {
    throw invalid('a JSON-RPC message must be an object');
  }
  checkShape(value, limits);
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') throw invalid('"jsonrpc" must be "2.0"');
  const hasId = 'id' in m;
  if (typeof m.method === 'string') {
    if (m.params !== undefined && (m.params === null || typeof m.params !== 'object' || Array.isArray(m.params))) {
      throw invalid('"params" must be an object');
    }
    if (!hasId) return { kind: 'notification', message: m as unknown as JSONRPCNotification };
    if (!isRequestId(m.id)) throw invalid('"id" must be a string or an integer');
    return { kind: 'request', message: m as unknown as JSONRPCRequest };
  }
  if (hasId && ('result' in m || 'error' in m)) {
    if ('result' in m && (m.result === null || typeof m.result !== 'object'))
      throw invalid('"result" must be an object');
    if ('error' in m) {
      const e = m.error as Record<string, unknown> | null;
      if (!e || typeof e !== 'object' || typeof e.code !== 'number' || typeof e.message !== 'string') {
        throw invalid('"error" must have a numeric code and a message');
      }
    }
    return { kind: 'response', message: m as unknown as JSONRPCResponseMessage };
  }
  throw invalid('a message must be a request, a notification or a response');
}

function isRequestId(id: unknown): id is RequestId {
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));
}

/**
 * Checks the nesting depth and the number of values so that a hostile, deeply nested body cannot overflow the stack
 * later on. A message within the limits (nearly all) is counted by a bounded recursion, which never goes deeper than
 * `maxDepth` frames and runs on every message; one that breaks a limit is walked again by
 * {@link reportShape}, whose order decides which limit the error names.
 */
function checkShape(root: object, limits: MessageLimits): void {
  if (limits.maxDepth > MAX_RECURSIVE_DEPTH || countValues(root, 1, limits, 0) < 0) reportShape(root, limits);
}

/** Deepest limit the recursion is trusted with; a deeper one (configured, never the default 64) is walked. */
const MAX_RECURSIVE_DEPTH = 1000;

/** How many values `value` (an object at `depth`) holds, itself included, plus `counted`; -1 past a limit. */
function countValues(value: object, depth: number, limits: MessageLimits, counted: number): number {
  if (++counted > limits.maxNodes || depth > limits.maxDepth) return -1;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      counted = item !== null && typeof item === 'object' ? countValues(item, depth + 1, limits, counted) : counted + 1;
      if (counted < 0 || counted > limits.maxNodes) return -1;
    }
    return counted;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    counted = item !== null && typeof item === 'object' ? countValues(item, depth + 1, limits, counted) : counted + 1;
    if (counted < 0 || counted > limits.maxNodes) return -1;
  }
  return counted;
}

/**
 * Walks the value iteratively and throws the first limit it breaks. Two parallel stacks rather than a pair per node.
 */
function reportShape(root: object, limits: MessageLimits): void {
  const values: unknown[] = [root];
  const depths: number[] = [1];
  let nodes = 0;
  while (values.length > 0) {
    const value = values.pop();
    const depth = depths.pop() as number;
    if (++nodes > limits.maxNodes) throw invalid(`message has more than ${limits.maxNodes} values`);
    if (value === null || typeof value !== 'object') continue;
    if (depth > limits.maxDepth) throw invalid(`message is nested deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(value)) {
      for (const item of value) {
        values.push(item);
        depths.push(depth + 1);
      }
    } else {
      for (const key in value) {
        values.push((value as Record<string, unknown>)[key]);
        depths.push(depth + 1);
      }
    }
  }
}

function invalid(reason: string): ProtocolError {
  return new ProtocolError('INVALID_REQUEST', `Invalid Request: ${reason}`);
}

export function resultMessage(id: RequestId, result: Record<string, unknown>): JSONRPCResultResponse {
  return { jsonrpc: '2.0', id, result } as JSONRPCResultResponse;
}

export function errorMessage(
  id: RequestId | null,
  error: { code: number; message: string; data?: unknown },
): JSONRPCErrorResponse {
  // JSON-RPC requires `id: null` when the request's id could not be read.
  return { jsonrpc: '2.0', id, error } as unknown as JSONRPCErrorResponse;
}

export function notificationMessage(method: string, params?: Record<string, unknown>): JSONRPCNotification {
  return params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
}
