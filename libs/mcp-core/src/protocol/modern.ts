import { z } from 'zod';
import { LOG_LEVELS, type LogLevel } from '@agent-mcp/context';
import { MCP_ERRORS, ProtocolError } from '../errors';
import { isPlainObject } from './params';
import { SUPPORTED_PROTOCOL_VERSIONS } from './versions';

/**
 * MCP 2026-07-28, the stateless revision: no `initialize`, the protocol version and the client's capabilities
 * ride in every request's `params._meta` (the envelope), and results say what they are (`resultType`) and how
 * long they may be cached. This module holds the revision's wire rules; the server and the transports apply
 * them to requests that carry the envelope, while `initialize` keeps opening 2025-11-25 sessions.
 */

/** The newest revision, first; the stateless revisions this server speaks. */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = Object.freeze(['2026-07-28']);
export const MODERN_PROTOCOL_VERSION = MODERN_PROTOCOL_VERSIONS[0];
/** Every revision this server speaks, newest first: `server/discover`'s `supportedVersions`. */
export const ALL_PROTOCOL_VERSIONS: readonly string[] = Object.freeze([
  ...MODERN_PROTOCOL_VERSIONS,
  ...SUPPORTED_PROTOCOL_VERSIONS,
]);

/** Keys of the request envelope and of the result's `_meta`. */
export const META = Object.freeze({
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
});

/**
 * The methods a modern request may name. Everything else, including what 2026-07-28 removed (`initialize`,
 * `ping`, `logging/setLevel`, `resources/subscribe`, the 2025-11-25 task methods), is -32601 (404 over HTTP).
 */
export const MODERN_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
]);

/** Results a client may cache: they carry `ttlMs` and `cacheScope`. */
const CACHEABLE: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

/** What a modern request's envelope says about its client. */
export interface Envelope {
  readonly protocolVersion: string;
  readonly clientCapabilities: Record<string, unknown>;
  readonly clientInfo: { readonly name: string; readonly version: string } | undefined;
  /** The log level the client asked for on this request; none: no log notifications. */
  readonly logLevel: LogLevel | undefined;
}

const EnvelopeSchema = z.looseObject({
  [META.protocolVersion]: z.string().min(1).max(64),
  [META.clientCapabilities]: z.looseObject({}),
  [META.clientInfo]: z.looseObject({ name: z.string(), version: z.string() }).optional(),
  [META.logLevel]: z.enum(LOG_LEVELS).optional(),
});

/** The envelope's `protocolVersion` when `params._meta` names one (the request opts into the modern era). */
export function envelopeVersion(params: unknown): string | undefined {
  const meta = metaOf(params);
  const version = meta?.[META.protocolVersion];
  return typeof version === 'string' ? version : undefined;
}

/** Whether `version` is a stateless revision (or one this server does not know: it is answered as modern). */
export function isLegacyVersion(version: string): boolean {
  return SUPPORTED_PROTOCOL_VERSIONS.includes(version);
}

/**
 * Reads and checks a modern request's envelope: missing or malformed keys are -32602, a version this server
 * does not speak is -32022 naming the ones it does.
 */
export function readEnvelope(params: unknown): Envelope {
  const meta = metaOf(params);
  // Both keys are there on nearly every request: the list of missing ones is only built for the error.
  if (meta?.[META.protocolVersion] === undefined || meta[META.clientCapabilities] === undefined) {
    const missing = [META.protocolVersion, META.clientCapabilities].filter((key) => meta?.[key] === undefined);
    throw invalidEnvelope(`Invalid params: missing _meta keys: ${missing.join(', ')}`, { missing });
  }
  // Every modern request carries an envelope: the well-formed one is checked by hand (zod's parse of it cost a
  // tenth of an echo call on stdio); zod then only words what is wrong with the others.
  if (!isWellFormedEnvelope(meta as Record<string, unknown>)) {
    const parsed = EnvelopeSchema.safeParse(meta);
    const keys = parsed.success ? [] : [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    throw invalidEnvelope(`Invalid params: malformed _meta keys: ${keys.join(', ')}`, { malformed: keys });
  }
  const data = meta as z.infer<typeof EnvelopeSchema>;
  const version = data[META.protocolVersion];
  if (!MODERN_PROTOCOL_VERSIONS.includes(version)) throw unsupportedVersion(version);
  return {
    protocolVersion: version,
    clientCapabilities: data[META.clientCapabilities],
    clientInfo: data[META.clientInfo],
    logLevel: data[META.logLevel],
  };
}

/** What {@link EnvelopeSchema} accepts, checked without building anything. */
export function isWellFormedEnvelope(meta: Record<string, unknown>): boolean {
  const version = meta[META.protocolVersion];
  if (typeof version !== 'string' || version.length < 1 || version.length > 64) return false;
  if (!isPlainObject(meta[META.clientCapabilities])) return false;
  const info = meta[META.clientInfo];
  if (info !== undefined && !(isPlainObject(info) && typeof info.name === 'string' && typeof info.version === 'string'))
    return false;
  const level = meta[META.logLevel];
  return level === undefined || (LOG_LEVELS as readonly unknown[]).includes(level);
}

/** -32022: the version requested is not one this server speaks (400 over HTTP). */
export function unsupportedVersion(requested: string): ProtocolError {
  return new ProtocolError(
    'UNSUPPORTED_PROTOCOL_VERSION',
    `Unsupported protocol version: ${JSON.stringify(requested.slice(0, 64))}`,
    { data: { supported: [...ALL_PROTOCOL_VERSIONS], requested } },
  );
}

/** -32020: an HTTP header is missing or disagrees with the body (400). */
export function headerMismatch(message: string): ProtocolError {
  return new ProtocolError('HEADER_MISMATCH', message);
}

/** -32601 for a modern request: unknown or removed method (404 over HTTP). */
export function modernMethodNotFound(method: string): ProtocolError {
  return new ProtocolError('METHOD_NOT_FOUND', `Method not found: ${method}`, {
    httpStatus: MCP_ERRORS.METHOD_NOT_FOUND.modernHttpStatus,
  });
}

/** -32021: the call needs a capability the client did not declare in this request's envelope. */
export function missingClientCapability(capability: string): ProtocolError {
  return new ProtocolError(
    'MISSING_CLIENT_CAPABILITY',
    `The client did not declare the ${capability} capability this call needs`,
    { data: { requiredCapabilities: { [capability]: {} } } },
  );
}

/** How long, and for whom, a result may be cached. */
export interface CachePolicy {
  readonly ttlMs: number;
  readonly cacheScope: 'public' | 'private';
}

/**
 * A result as 2026-07-28 shapes it: `resultType`, `ttlMs`/`cacheScope` on list and read results, and the
 * server's identity in `_meta`. The handler's own `_meta` keys are kept.
 */
export function modernResult(
  method: string,
  result: Record<string, unknown>,
  serverInfo: Readonly<Record<string, unknown>>,
  cache: CachePolicy,
): Record<string, unknown> {
  const meta = result._meta as Record<string, unknown> | undefined;
  // Built by assignment into a copy (no spreads of computed keys): this runs on every modern answer.
  const out: Record<string, unknown> = { ...result };
  if (out.resultType === undefined) out.resultType = 'complete';
  if (CACHEABLE.has(method) && result.resultType !== 'input_required') {
    if (out.ttlMs === undefined) out.ttlMs = cache.ttlMs;
    if (out.cacheScope === undefined) out.cacheScope = cache.cacheScope;
  }
  out._meta = meta ? { ...meta, [META.serverInfo]: serverInfo } : serverInfoMeta(serverInfo);
  return out;
}

// `_meta` of an answer whose handler set none: the same for every answer of one server, so built once.
const SERVER_INFO_META = new WeakMap<object, Readonly<Record<string, unknown>>>();
function serverInfoMeta(serverInfo: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  let meta = SERVER_INFO_META.get(serverInfo);
  if (!meta) SERVER_INFO_META.set(serverInfo, (meta = Object.freeze({ [META.serverInfo]: serverInfo })));
  return meta;
}

function metaOf(params: unknown): Record<string, unknown> | undefined {
  if (!params || typeof params !== 'object') return undefined;
  const meta = (params as { _meta?: unknown })._meta;
  return isPlainObject(meta) ? meta : undefined;
}

function invalidEnvelope(message: string, data: Record<string, unknown>): ProtocolError {
  return new ProtocolError('INVALID_ENVELOPE', message, { data });
}
