import { ToolError } from '@agent-mcp/mcp-core';

/**
 * Stable codes of the research tools' errors:
 * - `FETCH_REFUSED`: the URL guard refused a URL before any connection was made; `data.rule` names the rule.
 * - `FETCH_FAILED`: the page could not be fetched (connection, HTTP status, timeout, size, content type);
 *   `data.reason` says which.
 * - `DOCUMENT_NOT_FOUND`: no readable document has that id.
 * - `CORPUS_UNAVAILABLE`: the document index cannot be used (no database, or it failed).
 */
export type ResearchErrorCode = 'FETCH_REFUSED' | 'FETCH_FAILED' | 'DOCUMENT_NOT_FOUND' | 'CORPUS_UNAVAILABLE';

/** Base class of the research tools' errors: a `ToolError`, so MCP callers and the model read its message. */
export class ResearchError extends ToolError {
  declare readonly code: ResearchErrorCode;
  constructor(code: ResearchErrorCode, message: string, data?: Readonly<Record<string, unknown>>, cause?: unknown) {
    super(message, { code, data, cause });
    this.name = 'ResearchError';
  }
}

/**
 * Which guard rule refused a URL; stable identifiers.
 * - `invalid_url`, `scheme` (not http/https), `credentials` (user:password@ in the URL)
 * - `host_denied` (on the deny list), `host_not_allowed` (an allow list is set and the host is not on it)
 * - `address_blocked` (the host is or resolves to a loopback, private, link-local, metadata, multicast,
 *   unspecified or reserved address, IPv6 and IPv4-in-IPv6 forms included)
 * - `dns_failed` (the name does not resolve), `too_many_redirects`
 */
export type FetchRule =
  | 'invalid_url'
  | 'scheme'
  | 'credentials'
  | 'host_denied'
  | 'host_not_allowed'
  | 'address_blocked'
  | 'dns_failed'
  | 'too_many_redirects';

/** The guard refused a URL; nothing was sent to it. */
export class FetchRefusedError extends ResearchError {
  constructor(
    readonly rule: FetchRule,
    detail: string,
    readonly url: string,
  ) {
    super('FETCH_REFUSED', `Refused to fetch ${safeUrl(url)} (rule ${rule}): ${detail}.`, { rule });
    this.name = 'FetchRefusedError';
  }
}

/** Why a permitted fetch failed. */
export type FetchFailure =
  'timeout' | 'connection' | 'http_status' | 'too_large' | 'content_type' | 'bad_redirect' | 'cancelled';

/** A fetch the guard allowed did not produce a usable page. */
export class FetchFailedError extends ResearchError {
  constructor(
    readonly reason: FetchFailure,
    detail: string,
    readonly url: string,
    data: Readonly<Record<string, unknown>> = {},
  ) {
    super('FETCH_FAILED', `Could not fetch ${safeUrl(url)} (${reason}): ${detail}.`, { reason, ...data });
    this.name = 'FetchFailedError';
  }
}

/** A URL for messages: no credentials, no query string (which may carry tokens), bounded length. */
export function safeUrl(raw: string): string {
  try {
    const u = new URL(raw);
    u.username = '';
    u.password = '';
    const shown = `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
    return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
  } catch {
    return JSON.stringify(raw.length > 100 ? `${raw.slice(0, 100)}…` : raw);
  }
}
