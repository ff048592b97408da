/** Request headers as `node:http` gives them: lower-cased names. */
export type HeaderMap = Readonly<Record<string, string | string[] | undefined>>;

/** What the `Authorization` header of a request carries. */
export type PresentedCredential =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  /** A header that is there but is not one well-formed `Bearer` credential (RFC 6750 `invalid_request`). */
  | { readonly kind: 'malformed' };

// RFC 6750 §2.1 b64token, bounded so that a huge header cannot make us hash or parse megabytes.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Reads the bearer token of a request, from the `Authorization` header only (RFC 6750 §2.1). Tokens in the
 * query string or the body are never read: they end up in logs, proxies and browser history.
 */
export function readBearerToken(headers: HeaderMap | undefined): PresentedCredential {
  const raw = headers?.authorization;
  if (raw === undefined) return { kind: 'none' };
  // Two Authorization headers are ambiguous; node joins most duplicates but keeps arrays for some.
  if (Array.isArray(raw)) return { kind: 'malformed' };
  const match = /^Bearer +(\S+) *$/i.exec(raw);
  if (!match || match[1].length > MAX_TOKEN_LENGTH || !B64TOKEN.test(match[1])) return { kind: 'malformed' };
  return { kind: 'bearer', token: match[1] };
}

/** Query parameters that carry access tokens in clients that got it wrong (RFC 6750 §2.3, API-key habits). */
const TOKEN_QUERY_PARAMS = ['access_token', 'token', 'api_key', 'apikey', 'key'];

/** True when a request URL carries what looks like a credential in its query string; such requests are refused. */
export function hasTokenInQuery(url: string): boolean {
  const q = url.indexOf('?');
  if (q === -1) return false;
  const params = new URLSearchParams(url.slice(q + 1));
  return TOKEN_QUERY_PARAMS.some((name) => params.has(name));
}

/** True when a token has the shape of a JWS compact serialization (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
