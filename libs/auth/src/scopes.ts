/** The scope that stands for every scope (the anonymous local principal holds it). */
export const ALL_SCOPES = '*';

/** True when `granted` holds every scope in `required`. */
export function hasScopes(granted: readonly string[], required: readonly string[]): boolean {
  if (required.length === 0 || granted.includes(ALL_SCOPES)) return true;
  return required.every((scope) => granted.includes(scope));
}

/** The scopes a principal lacks, in the order they are required. */
export function missingScopes(granted: readonly string[], required: readonly string[]): string[] {
  if (granted.includes(ALL_SCOPES)) return [];
  return required.filter((scope) => !granted.includes(scope));
}

/**
 * Scopes of a token: the space-separated `scope` claim (RFC 8693, RFC 9068) or, as some servers issue it, an
 * `scp` array or string. Anything else grants nothing.
 */
export function scopesFromClaims(claims: Readonly<Record<string, unknown>>): string[] {
  const { scope, scp } = claims;
  if (typeof scope === 'string') return splitScopes(scope);
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === 'string' && s.length > 0);
  if (typeof scp === 'string') return splitScopes(scp);
  return [];
}

function splitScopes(value: string): string[] {
  return value.split(' ').filter(Boolean);
}
