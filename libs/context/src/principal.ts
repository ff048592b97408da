/**
 * Who is calling. Produced by authentication (see `@agent-mcp/auth`), carried by every request context, and
 * used to key everything that must not leak between callers: memory, threads, tasks, rate limits.
 */
export interface Principal {
  /** Stable identifier of the caller (subject of a token, owner of an API key, `anonymous` locally). */
  readonly id: string;
  /** Tenant the caller belongs to; data of other tenants is invisible to it. */
  readonly tenantId?: string;
  /** Scopes granted to the caller, checked by the permission stage. */
  readonly scopes: readonly string[];
  /** How the caller authenticated. */
  readonly via: 'none' | 'api_key' | 'oauth';
  /** Verified claims of the credential, for policies that need more than scopes. Never secrets. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** The principal of an unauthenticated local caller (stdio, or HTTP on loopback with `AUTH_MODE=none`). */
export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  id: 'anonymous',
  scopes: Object.freeze(['*']) as readonly string[],
  via: 'none',
});

/** The storage namespace of a principal: tenant and id, so two tenants' `alice` never share memory. */
export function principalKey(principal: Principal): string {
  return `${principal.tenantId ?? '-'}:${principal.id}`;
}
