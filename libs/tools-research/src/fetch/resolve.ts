import { type LookupFunction } from 'node:net';
import { normaliseHost } from './host-policy';

/** One address a name resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to its addresses; the default is the system resolver (`dns.lookup`, every address). */
export type Resolver = (hostname: string, signal: AbortSignal) => Promise<readonly ResolvedAddress[]>;

/** The system resolver: every address `dns.lookup` knows, in its order; gives up when `signal` fires. */
export const systemResolver: Resolver = async (hostname, signal) => {
  const { lookup } = await import('node:dns/promises');
  const lookedUp = lookup(hostname, { all: true, verbatim: true });
  const addresses = await raceAbort(lookedUp, signal);
  return addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** A `lookup` that answers only with the address already checked, so the socket cannot go elsewhere. */
export function pinnedLookup(hostname: string, pinned: ResolvedAddress): LookupFunction {
  return (name, options, callback) => {
    if (normaliseHost(name) !== hostname) {
      callback(Object.assign(new Error(`unexpected lookup of ${name}`), { code: 'ENOTFOUND' }), '', 4);
      return;
    }
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
}
