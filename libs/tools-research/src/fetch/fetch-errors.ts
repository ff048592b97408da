/**
 * The guarded fetcher's errors. They stay local (string codes, no JSON-RPC code): the fetcher is usable alone,
 * and the research tool hands their messages to its model, never to an MCP client as they are.
 */

/** Codes of the fetcher's errors (the README's "Errors" table; `errors.spec.ts` holds them equal). */
export const FETCH_ERROR_CODES = Object.freeze(['FETCH_REFUSED', 'FETCH_FAILED'] as const);

/** One of {@link FETCH_ERROR_CODES}. */
export type FetchErrorCode = (typeof FETCH_ERROR_CODES)[number];

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

/** Why a permitted fetch failed. */
export type FetchFailure =
  'timeout' | 'connection' | 'http_status' | 'too_large' | 'content_type' | 'bad_redirect' | 'cancelled';

/** Base class of the fetcher's errors: a stable `code`, the URL, and log-safe `data`. */
export abstract class FetchError extends Error {
  abstract readonly code: FetchErrorCode;

  constructor(
    message: string,
    /** The URL of the hop that failed, as given (may carry credentials or tokens: not for messages). */
    readonly url: string,
    /** Structured details safe to log or show: the rule or reason, a status, a content type. */
    readonly data: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The guard refused a URL; nothing was sent to it. */
export class FetchRefusedError extends FetchError {
  readonly code = 'FETCH_REFUSED' as const;

  constructor(
    readonly rule: FetchRule,
    detail: string,
    url: string,
  ) {
    super(`Refused to fetch ${safeUrl(url)} (rule ${rule}): ${detail}.`, url, { rule });
  }
}

/** A fetch the guard allowed did not produce a usable page. */
export class FetchFailedError extends FetchError {
  readonly code = 'FETCH_FAILED' as const;

  constructor(
    readonly reason: FetchFailure,
    detail: string,
    url: string,
    data: Readonly<Record<string, unknown>> = {},
  ) {
    super(`Could not fetch ${safeUrl(url)} (${reason}): ${detail}.`, url, { reason, ...data });
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
