import { BlockList, isIP } from 'node:net';
import { AuthConfigError } from './decisions';

/**
 * Which proxies in front of the server are trusted to say who the client is (`X-Forwarded-For`):
 * - `false`: none; the client is the socket's peer (the default, and the only safe choice without a proxy);
 * - a number `n`: the `n` hops nearest the server are proxies (1: one proxy, whose peer is the client);
 * - a list of addresses or CIDR ranges (`10.0.0.0/8`, `::1`, the keyword `loopback`): every hop in it is a proxy.
 */
export type TrustProxy = false | number | readonly string[];

/** Answers who the client of a request is, given the socket's peer and the request's `X-Forwarded-For`. */
export type ClientAddressResolver = (
  socketAddress: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
) => string;

const LOOPBACK_RANGES = ['127.0.0.0/8', '::1/128'];

/**
 * Parses `TRUST_PROXY`: `false`/`0`/empty, a hop count, or a comma-separated list of addresses and CIDR ranges.
 * Throws {@link AuthConfigError} naming the bad entry.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'false' || text === '0') return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 32) throw new AuthConfigError(`TRUST_PROXY: ${hops} hops is not a plausible proxy chain (at most 32)`);
    return hops;
  }
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) compileEntry(new BlockList(), entry);
  return entries;
}

/**
 * The client address the limits and logs should use. Walks the chain from the server outwards (the socket's
 * peer, then `X-Forwarded-For` from right to left) past trusted proxies and returns the first hop that is not
 * one: entries further left were written by the client itself and prove nothing. A malformed entry ends the
 * walk at the last address that was well formed.
 */
export function createClientAddressResolver(trust: TrustProxy): ClientAddressResolver {
  const unknown = 'unknown';
  if (trust === false || trust === 0) return (socket) => normalize(socket ?? '') ?? unknown;
  let trusted: (address: string, hop: number) => boolean;
  if (typeof trust === 'number') {
    trusted = (_address, hop) => hop < trust;
  } else {
    const list = new BlockList();
    for (const entry of trust) compileEntry(list, entry);
    trusted = (address) => list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
  return (socket, forwardedFor) => {
    const first = normalize(socket ?? '');
    if (!first) return unknown;
    const forwarded = (
      Array.isArray(forwardedFor) ? forwardedFor.join(',') : ((forwardedFor as string | undefined) ?? '')
    )
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .reverse();
    let current = first;
    for (let hop = 0; hop < forwarded.length && trusted(current, hop); hop++) {
      const next = normalize(forwarded[hop]);
      if (!next) break;
      current = next;
    }
    return current;
  };
}

/** A bare IPv4 or IPv6 address (IPv4-mapped IPv6 as IPv4), or undefined when `value` is not one. */
function normalize(value: string): string | undefined {
  let v = value.trim();
  if (v.startsWith('[') && v.includes(']')) v = v.slice(1, v.indexOf(']'));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v);
  if (mapped) v = mapped[1];
  return isIP(v) ? v.toLowerCase() : undefined;
}

function compileEntry(list: BlockList, entry: string): void {
  if (entry === 'loopback') {
    for (const range of LOOPBACK_RANGES) compileEntry(list, range);
    return;
  }
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
  if (
    !family ||
    extra !== undefined ||
    !Number.isInteger(bits) ||
    bits < 0 ||
    bits > (family === 6 ? 128 : 32) ||
    (prefix !== undefined && !/^\d+$/.test(prefix))
  ) {
    throw new AuthConfigError(`TRUST_PROXY: ${JSON.stringify(entry)} is not an address, a CIDR range or "loopback"`);
  }
  list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
}
