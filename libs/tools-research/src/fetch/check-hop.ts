import { isIP } from 'node:net';
import { type AddressPolicy } from './address-policy';
import { FetchRefusedError } from './fetch-errors';
import { type HostPolicy, normaliseHost } from './host-policy';
import { type ResolvedAddress, type Resolver } from './resolve';

/** Where one checked hop may connect: the URL, its normalised host, and the address to pin (none for a literal). */
export interface CheckedHop {
  readonly url: URL;
  readonly hostname: string;
  readonly pinned: ResolvedAddress | undefined;
}

/** The policies a hop passes. */
export interface HopPolicies {
  readonly hosts: HostPolicy;
  readonly addresses: AddressPolicy;
  readonly resolve: Resolver;
}

/**
 * Checks one hop, in order: an absolute http(s) URL without credentials, the host lists, then one resolution whose
 * every address must be allowed.
 * @throws FetchRefusedError naming the rule that refused it.
 */
export async function checkHop(raw: string, signal: AbortSignal, policies: HopPolicies): Promise<CheckedHop> {
  const url = parseHttpUrl(raw);
  const hostname = normaliseHost(url.hostname);
  const byName = policies.hosts.check(hostname);
  if (!byName.allowed) {
    const why = byName.rule === 'host_denied' ? 'is on the deny list' : 'is not on the allow list';
    throw new FetchRefusedError(byName.rule, `${hostname} ${why}`, raw);
  }
  // The WHATWG parser has already turned decimal, octal and hex IPv4 forms into dotted quads.
  if (isIP(hostname)) {
    const literal = policies.addresses.check(hostname);
    if (!literal.allowed)
      throw new FetchRefusedError('address_blocked', `${hostname} is a ${literal.range} address`, raw);
    return { url, hostname, pinned: undefined };
  }
  const resolved = await resolveOrRefuse(raw, hostname, signal, policies.resolve);
  // Every address must pass: a name that also points inward is refused as a whole.
  for (const answer of resolved) {
    const verdict = policies.addresses.check(answer.address);
    if (!verdict.allowed)
      throw new FetchRefusedError(
        'address_blocked',
        `${hostname} resolves to ${verdict.address}, a ${verdict.range} address`,
        raw,
      );
  }
  return { url, hostname, pinned: resolved[0] };
}

function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefusedError('invalid_url', 'not an absolute URL', raw);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new FetchRefusedError('scheme', `only http and https are fetched, not ${url.protocol.replace(':', '')}`, raw);
  if (url.username || url.password)
    throw new FetchRefusedError('credentials', 'URLs with a user name or password are not fetched', raw);
  return url;
}

async function resolveOrRefuse(
  raw: string,
  hostname: string,
  signal: AbortSignal,
  resolve: Resolver,
): Promise<readonly ResolvedAddress[]> {
  let resolved: readonly ResolvedAddress[];
  try {
    resolved = await resolve(hostname, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw new FetchRefusedError('dns_failed', `${hostname} does not resolve`, raw);
  }
  if (resolved.length === 0) throw new FetchRefusedError('dns_failed', `${hostname} does not resolve`, raw);
  return resolved;
}
