/** The outcome of checking a host name against the allow and deny lists. */
export type HostVerdict =
  { readonly allowed: true } | { readonly allowed: false; readonly rule: 'host_denied' | 'host_not_allowed' };

/** Options of {@link createHostPolicy}. Patterns: `example.com` (that host) or `*.example.com` (its subdomains). */
export interface HostPolicyOptions {
  /** When non-empty, only hosts matching one of these may be fetched. */
  readonly allowHosts?: readonly string[];
  /** Hosts never fetched; wins over the allow list. */
  readonly denyHosts?: readonly string[];
}

/** Decides by name whether a host may be fetched; addresses are checked separately, after DNS. */
export interface HostPolicy {
  check(hostname: string): HostVerdict;
}

const PATTERN = /^(\*\.)?[a-z0-9_.:[\]-]+$/;

/** Lower case, no trailing dot, no IPv6 brackets: the form patterns are compared in. */
export function normaliseHost(hostname: string): string {
  const lower = hostname.toLowerCase().replace(/\.$/, '');
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

function compile(patterns: readonly string[]): (host: string) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of patterns) {
    const pattern = raw.trim().toLowerCase();
    if (!pattern) continue;
    if (!PATTERN.test(pattern)) throw new Error(`"${raw}" is not a host pattern (use example.com or *.example.com)`);
    if (pattern.startsWith('*.')) suffixes.push(pattern.slice(1));
    else exact.add(normaliseHost(pattern));
  }
  return (host) => exact.has(host) || suffixes.some((s) => host.endsWith(s));
}

/** Creates the host rule from allow and deny lists. @throws Error naming a malformed pattern. */
export function createHostPolicy(options: HostPolicyOptions = {}): HostPolicy {
  const denied = compile(options.denyHosts ?? []);
  const allowList = (options.allowHosts ?? []).filter((h) => h.trim());
  const allowed = compile(allowList);
  return {
    check(hostname) {
      const host = normaliseHost(hostname);
      if (denied(host)) return { allowed: false, rule: 'host_denied' };
      if (allowList.length > 0 && !allowed(host)) return { allowed: false, rule: 'host_not_allowed' };
      return { allowed: true };
    },
  };
}
