import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;
type Cidr = [IPv4 | IPv6, number];

/** The outcome of checking one IP address. */
export type AddressVerdict =
  | { readonly allowed: true; readonly address: string; readonly family: 4 | 6; readonly viaAllowList: boolean }
  | { readonly allowed: false; readonly address: string; readonly range: string };

/** Decides whether the fetcher may connect to an IP address. */
export interface AddressPolicy {
  check(address: string): AddressVerdict;
}

/** Options of {@link createAddressPolicy}. */
export interface AddressPolicyOptions {
  /**
   * Networks to allow although they are not public (CIDR, e.g. `127.0.0.1/32`, `10.20.0.0/16`, `fd00::/8`),
   * for tests and intranets. An address in one of them is allowed whatever its range.
   */
  readonly allowNetworks?: readonly string[];
}

// ipaddr.js names the IANA special-purpose ranges; only plain unicast is public. These are special-purpose
// blocks it files under `unicast` that no public web server lives in.
const EXTRA_BLOCKED_V4: ReadonlyArray<[string, Cidr]> = [
  ['benchmarking', ipaddr.IPv4.parseCIDR('198.18.0.0/15')],
  ['reserved', ipaddr.IPv4.parseCIDR('192.0.0.0/24')],
];
const EXTRA_BLOCKED_V6: ReadonlyArray<[string, Cidr]> = [
  ['siteLocal', ipaddr.IPv6.parseCIDR('fec0::/10')],
  ['discardOnly', ipaddr.IPv6.parseCIDR('100::/64')],
  ['ietfProtocolAssignments', ipaddr.IPv6.parseCIDR('2001::/23')],
  // The deprecated IPv4-compatible form ::a.b.c.d, which ipaddr.js files under unicast.
  ['ipv4Compatible', ipaddr.IPv6.parseCIDR('::/96')],
];

const WELL_KNOWN_NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const LOCAL_NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b:1::/48');

/**
 * Parses a list of CIDR networks (a bare address means just that address).
 * @throws Error naming the entry that is not a network.
 */
export function parseNetworks(entries: readonly string[]): Cidr[] {
  return entries.map((entry) => {
    const text = entry.trim();
    try {
      if (text.includes('/')) return ipaddr.parseCIDR(text);
      const address = ipaddr.parse(text);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    } catch {
      throw new Error(`"${text}" is not an IP network in CIDR notation (e.g. 127.0.0.1/32 or fd00::/8)`);
    }
  });
}

function inNetworks(address: IPv4 | IPv6, networks: readonly Cidr[]): boolean {
  return networks.some(([net, bits]) => net.kind() === address.kind() && address.match([net, bits] as never));
}

/** The IPv4 address an IPv6 address carries, for the forms that route to it (mapped, translated, NAT64, 6to4). */
function embeddedIPv4(address: IPv6): IPv4 | undefined {
  const range = address.range();
  const [, p1 = 0, p2 = 0, , , , p6 = 0, p7 = 0] = address.parts;
  const fromParts = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (range === 'ipv4Mapped' || range === 'rfc6145' || address.match(WELL_KNOWN_NAT64)) return fromParts(p6, p7);
  if (range === '6to4') return fromParts(p1, p2);
  return undefined;
}

function blockedRangeV4(address: IPv4): string | undefined {
  const range = address.range();
  if (range !== 'unicast') return range;
  return EXTRA_BLOCKED_V4.find(([, cidr]) => address.match(cidr as [IPv4, number]))?.[0];
}

function blockedRangeV6(address: IPv6): string | undefined {
  // The local-use NAT64 prefix (RFC 8215) translates into the operator's own networks.
  if (address.match(LOCAL_NAT64)) return 'localNat64';
  const embedded = embeddedIPv4(address);
  if (embedded) {
    const inner = blockedRangeV4(embedded);
    return inner ? `${address.range()} of ${inner} ${embedded.toString()}` : undefined;
  }
  const range = address.range();
  // Teredo hides the client's IPv4 address; no reason to reach it from a server.
  if (range !== 'unicast') return range;
  return EXTRA_BLOCKED_V6.find(([, cidr]) => address.match(cidr as [IPv6, number]))?.[0];
}

/**
 * The address rule of the fetcher: only public unicast addresses, unless an address is in a network the
 * operator allowed. Refused: loopback, private (10/8, 172.16/12, 192.168/16), CGNAT 100.64/10, link-local
 * 169.254/16 (cloud metadata at 169.254.169.254), multicast, broadcast, unspecified, reserved and
 * documentation ranges, benchmarking 198.18/15; IPv6 ::1, ::, fc00::/7, fe80::/10, fec0::/10, ff00::/8,
 * 2001::/23, 2001:db8::/32; and IPv6 forms that carry an IPv4 address (::ffff:a.b.c.d, ::a.b.c.d,
 * 64:ff9b::/96, 2002::/16) when that address is refused.
 */
export function createAddressPolicy(options: AddressPolicyOptions = {}): AddressPolicy {
  const allowed = parseNetworks(options.allowNetworks ?? []);
  return {
    check(raw) {
      const text = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
      let address: IPv4 | IPv6;
      try {
        address = ipaddr.parse(text.replace(/%.*$/, ''));
      } catch {
        return { allowed: false, address: raw, range: 'unparseable' };
      }
      const normalised = address.toString();
      const family = address.kind() === 'ipv4' ? 4 : 6;
      const candidates: Array<IPv4 | IPv6> = [address];
      if (address.kind() === 'ipv6') {
        const inner = embeddedIPv4(address as IPv6);
        if (inner) candidates.push(inner);
      }
      if (candidates.some((c) => inNetworks(c, allowed)))
        return { allowed: true, address: normalised, family, viaAllowList: true };
      // Zone ids (fe80::1%eth0) only exist on link-local addresses, refused anyway.
      if (text.includes('%')) return { allowed: false, address: normalised, range: 'scoped' };
      const blocked = address.kind() === 'ipv4' ? blockedRangeV4(address as IPv4) : blockedRangeV6(address as IPv6);
      return blocked
        ? { allowed: false, address: normalised, range: blocked }
        : { allowed: true, address: normalised, family, viaAllowList: false };
    },
  };
}
