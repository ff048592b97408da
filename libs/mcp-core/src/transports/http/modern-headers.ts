import { type IncomingMessage } from 'node:http';
import { envelopeVersion, headerMismatch, isLegacyVersion } from '../../protocol/modern';
import { type ProtocolError } from '../../errors';
import { type ParamHeader } from '../../tool-registry';
import { header } from './http-replies';
import { SESSION_HEADER, VERSION_HEADER } from './endpoint';

/** A POSTed JSON-RPC request, as far as era selection needs it. */
export interface PostedRequest {
  readonly method: string;
  readonly params: unknown;
}

/**
 * Whether a POST opens no session and is served in the 2026-07-28 era: it names no `Mcp-Session-Id` and carries
 * the envelope, or is `server/discover`, or names a protocol version that is not a 2025-11-25-or-older one
 * (then the envelope's checks answer it, with -32022 for a version this server does not speak). `initialize`
 * without the envelope always opens a legacy session.
 */
export function isModernPost(req: IncomingMessage, request: PostedRequest): boolean {
  if (header(req, SESSION_HEADER) !== undefined) return false;
  // An initialize carrying the envelope is a modern client naming a removed method (-32601).
  if (envelopeVersion(request.params) !== undefined) return true;
  if (request.method === 'initialize') return false;
  if (request.method === 'server/discover') return true;
  const version = header(req, VERSION_HEADER);
  return version !== undefined && !isLegacyVersion(version);
}

/** Whether a GET or DELETE comes from a 2026-07-28 client (which has no stream or session to open or end). */
export function isModernClient(req: IncomingMessage): boolean {
  const version = header(req, VERSION_HEADER);
  return header(req, SESSION_HEADER) === undefined && version !== undefined && !isLegacyVersion(version);
}

/**
 * The headers 2026-07-28 requires beside the body, checked against it: `MCP-Protocol-Version` equal to the
 * envelope's version, `Mcp-Method` equal to the method, and `Mcp-Name` equal to the name (tools/call,
 * prompts/get), the uri (resources/read) or the task id (the tasks extension's methods). A problem is -32020 (HeaderMismatch, HTTP 400); undefined when
 * they agree. Values may be sent Base64-wrapped (`=?base64?...?=`) for what a header cannot carry.
 */
export function modernHeaderProblem(
  req: IncomingMessage,
  request: PostedRequest,
  paramHeaders: readonly ParamHeader[] = [],
): ProtocolError | undefined {
  const version = header(req, VERSION_HEADER);
  if (version === undefined) return headerMismatch('Missing MCP-Protocol-Version header');
  const inBody = envelopeVersion(request.params);
  if (inBody !== undefined && inBody !== version)
    return headerMismatch('MCP-Protocol-Version header does not match _meta protocolVersion');
  const method = headerValue(req, 'mcp-method');
  if (method === undefined) return headerMismatch('Missing Mcp-Method header');
  if (method !== request.method) return headerMismatch('Mcp-Method header does not match the request method');
  const name = nameOf(request.method, request.params);
  if (name === undefined) return undefined;
  const named = headerValue(req, 'mcp-name');
  if (named === undefined) return headerMismatch('Missing Mcp-Name header');
  if (named !== name) return headerMismatch('Mcp-Name header does not match the request');
  return paramHeaderProblem(req, request, paramHeaders);
}

/**
 * The `Mcp-Param-<header>` headers of a tool's `x-mcp-header` parameters: present whenever the body has the
 * parameter, and equal to its value (a string as it is, a number or boolean as JSON writes it). A value wrapped as
 * `=?base64?...?=` must be valid Base64 (padding and alphabet); anything else is taken literally.
 */
function paramHeaderProblem(
  req: IncomingMessage,
  request: PostedRequest,
  paramHeaders: readonly ParamHeader[],
): ProtocolError | undefined {
  if (paramHeaders.length === 0) return undefined;
  const args = ((request.params as { arguments?: unknown } | undefined)?.arguments ?? {}) as Record<string, unknown>;
  for (const { param, header: name } of paramHeaders) {
    const inBody = args[param];
    const raw = header(req, `mcp-param-${name.toLowerCase()}`);
    if (inBody === undefined || inBody === null) {
      if (raw !== undefined) return headerMismatch(`Mcp-Param-${name} header names a parameter the body does not have`);
      continue;
    }
    if (raw === undefined) return headerMismatch(`Missing Mcp-Param-${name} header for parameter ${param}`);
    const value = decodeParamValue(raw.trim());
    if (value === undefined) return headerMismatch(`Mcp-Param-${name} header is not valid Base64`);
    const expected = typeof inBody === 'string' ? inBody : JSON.stringify(inBody);
    if (value !== expected) return headerMismatch(`Mcp-Param-${name} header does not match parameter ${param}`);
  }
  return undefined;
}

const BASE64_ENVELOPE = /^=\?base64\?(.*)\?=$/s;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A header value unwrapped from `=?base64?...?=` (undefined when the wrapping holds no valid Base64). */
function decodeParamValue(raw: string): string | undefined {
  const wrapped = BASE64_ENVELOPE.exec(raw);
  if (!wrapped) return raw;
  return STRICT_BASE64.test(wrapped[1]) ? Buffer.from(wrapped[1], 'base64').toString('utf8') : undefined;
}

/** What `Mcp-Name` must carry for `method`, or undefined when the method has no name. */
function nameOf(method: string, params: unknown): string | undefined {
  const p = (params && typeof params === 'object' ? params : {}) as { name?: unknown; uri?: unknown; taskId?: unknown };
  if (method === 'tools/call' || method === 'prompts/get') return typeof p.name === 'string' ? p.name : undefined;
  if (method === 'resources/read') return typeof p.uri === 'string' ? p.uri : undefined;
  // The tasks extension routes by task: tasks/get, tasks/update and tasks/cancel name it.
  if (method === 'tasks/get' || method === 'tasks/update' || method === 'tasks/cancel')
    return typeof p.taskId === 'string' ? p.taskId : undefined;
  return undefined;
}

const BASE64_WRAPPED = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

/** A header's value, unwrapped from `=?base64?...?=`; a malformed wrapping reads as a value that matches nothing. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const raw = header(req, name);
  if (raw === undefined || !raw.startsWith('=?base64?')) return raw;
  const match = BASE64_WRAPPED.exec(raw);
  if (!match || match[1].length % 4 !== 0) return '\u0000malformed';
  return Buffer.from(match[1], 'base64').toString('utf8');
}
