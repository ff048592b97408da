import { type IncomingMessage } from 'node:http';
import { isIP, type LookupFunction } from 'node:net';
import { FetchFailedError, FetchRefusedError } from '../errors';
import { htmlToText } from '../html-text';
import { type AddressPolicy, createAddressPolicy } from './address-policy';
import { createHostPolicy, type HostPolicy, normaliseHost } from './host-policy';

/** One address a name resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to its addresses; the default is the system resolver (`dns.lookup`, every address). */
export type Resolver = (hostname: string, signal: AbortSignal) => Promise<readonly ResolvedAddress[]>;

/** Media types the fetcher reads by default. */
export const DEFAULT_CONTENT_TYPES: readonly string[] = [
  'text/html',
  'application/xhtml+xml',
  'text/plain',
  'text/markdown',
  'application/json',
];

/** Options of {@link createGuardedFetcher}. */
export interface GuardedFetcherOptions {
  /** Networks allowed although not public (CIDR). Default none. */
  readonly allowNetworks?: readonly string[];
  /** When non-empty, only these hosts (`example.com`, `*.example.com`). */
  readonly allowHosts?: readonly string[];
  /** Hosts never fetched. */
  readonly denyHosts?: readonly string[];
  /** Most bytes of (decompressed) body read; the rest is dropped and the page marked truncated. Default 2 MiB. */
  readonly maxBytes?: number;
  /** Deadline of one fetch, redirects included. Default 15 000 ms. */
  readonly timeoutMs?: number;
  /** Most redirects followed. Default 5. */
  readonly maxRedirects?: number;
  /** Media types accepted. Default {@link DEFAULT_CONTENT_TYPES}. */
  readonly contentTypes?: readonly string[];
  readonly userAgent?: string;
  /** Name resolution; default the system resolver. Tests pass their own to script DNS answers. */
  readonly resolve?: Resolver;
}

/** A fetched page as text. */
export interface FetchedPage {
  /** The URL asked for. */
  readonly url: string;
  /** The URL the text came from, after redirects. */
  readonly finalUrl: string;
  readonly status: number;
  /** Media type without parameters, e.g. `text/html`. */
  readonly contentType: string;
  /** The page's title; for non-HTML, the first Markdown heading or empty. */
  readonly title: string;
  readonly text: string;
  /** Bytes of body read (after decompression). */
  readonly bytes: number;
  /** The body was longer than the size cap; `text` is its beginning. */
  readonly truncated: boolean;
  /** URLs redirected through, in order. */
  readonly redirects: readonly string[];
}

/** Fetches public web pages as text, refusing URLs that lead into the server's own networks. */
export interface GuardedFetcher {
  /**
   * Fetches `url` (GET), following redirects itself and checking every hop.
   * @throws FetchRefusedError when a rule refuses a hop (nothing was sent to it).
   * @throws FetchFailedError when an allowed fetch fails.
   */
  fetch(url: string, options?: { readonly signal?: AbortSignal }): Promise<FetchedPage>;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const systemResolver: Resolver = async (hostname, signal) => {
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
function pinnedLookup(hostname: string, pinned: ResolvedAddress): LookupFunction {
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

function mediaType(header: string | undefined): { type: string; charset: string | undefined } {
  const [type = '', ...params] = (header ?? '').split(';');
  const charset = params
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice(8)
    .replace(/"/g, '');
  return { type: type.trim().toLowerCase(), charset };
}

function decode(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function markdownTitle(text: string): string {
  return /^#\s+(.+)$/m.exec(text)?.[1]?.trim().slice(0, 300) ?? '';
}

/**
 * Creates the guarded fetcher. Every hop (the first URL and each redirect) passes, in order: http or https
 * only, no credentials in the URL, the host allow and deny lists, then one DNS resolution whose every address
 * must be public (or in an allowed network); the connection is then made to that checked address through a
 * pinned `lookup`, so a second, different DNS answer (rebinding) cannot redirect it. Bodies are bounded in
 * bytes (after decompression) and the whole fetch in time; only the configured media types are read.
 */
export function createGuardedFetcher(options: GuardedFetcherOptions = {}): GuardedFetcher {
  const addresses: AddressPolicy = createAddressPolicy({ allowNetworks: options.allowNetworks });
  const hosts: HostPolicy = createHostPolicy({ allowHosts: options.allowHosts, denyHosts: options.denyHosts });
  const maxBytes = options.maxBytes ?? 2 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const contentTypes = new Set((options.contentTypes ?? DEFAULT_CONTENT_TYPES).map((t) => t.toLowerCase()));
  const resolve = options.resolve ?? systemResolver;
  const userAgent = options.userAgent ?? 'agent-mcp-research/0.1 (+https://github.com/)';

  /** Checks one hop; returns where to connect. */
  async function checkHop(
    raw: string,
    signal: AbortSignal,
  ): Promise<{ url: URL; hostname: string; pinned: ResolvedAddress | undefined }> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new FetchRefusedError('invalid_url', 'not an absolute URL', raw);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new FetchRefusedError(
        'scheme',
        `only http and https are fetched, not ${url.protocol.replace(':', '')}`,
        raw,
      );
    if (url.username || url.password)
      throw new FetchRefusedError('credentials', 'URLs with a user name or password are not fetched', raw);
    const hostname = normaliseHost(url.hostname);
    const byName = hosts.check(hostname);
    if (!byName.allowed) {
      throw new FetchRefusedError(
        byName.rule,
        byName.rule === 'host_denied' ? `${hostname} is on the deny list` : `${hostname} is not on the allow list`,
        raw,
      );
    }
    // The WHATWG parser has already turned decimal, octal and hex IPv4 forms into dotted quads.
    if (isIP(hostname)) {
      const literal = addresses.check(hostname);
      if (!literal.allowed)
        throw new FetchRefusedError('address_blocked', `${hostname} is a ${literal.range} address`, raw);
      return { url, hostname, pinned: undefined };
    }
    let resolved: readonly ResolvedAddress[];
    try {
      resolved = await resolve(hostname, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new FetchRefusedError('dns_failed', `${hostname} does not resolve`, raw);
    }
    if (resolved.length === 0) throw new FetchRefusedError('dns_failed', `${hostname} does not resolve`, raw);
    // Every address must pass: a name that also points inward is refused as a whole.
    for (const answer of resolved) {
      const verdict = addresses.check(answer.address);
      if (!verdict.allowed)
        throw new FetchRefusedError(
          'address_blocked',
          `${hostname} resolves to ${verdict.address}, a ${verdict.range} address`,
          raw,
        );
    }
    return { url, hostname, pinned: resolved[0] };
  }

  async function request(
    hop: { url: URL; hostname: string; pinned: ResolvedAddress | undefined },
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const http = hop.url.protocol === 'https:' ? await import('node:https') : await import('node:http');
    return new Promise<IncomingMessage>((resolveResponse, reject) => {
      const req = http.request({
        protocol: hop.url.protocol,
        host: hop.hostname,
        port: hop.url.port || undefined,
        path: `${hop.url.pathname}${hop.url.search}`,
        method: 'GET',
        agent: false,
        signal,
        ...(hop.pinned ? { lookup: pinnedLookup(hop.hostname, hop.pinned), autoSelectFamily: false } : {}),
        headers: {
          'user-agent': userAgent,
          accept:
            'text/html, application/xhtml+xml, text/markdown, text/plain;q=0.9, application/json;q=0.8, */*;q=0.1',
          'accept-encoding': 'gzip, deflate, br',
        },
      });
      req.once('response', resolveResponse);
      req.once('error', reject);
      req.end();
    });
  }

  async function readBody(
    response: IncomingMessage,
    signal: AbortSignal,
  ): Promise<{ body: Buffer; truncated: boolean }> {
    const zlib = await import('node:zlib');
    const encoding = (response.headers['content-encoding'] ?? '').toLowerCase().trim();
    const stream =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? response.pipe(zlib.createGunzip())
        : encoding === 'deflate'
          ? response.pipe(zlib.createInflate())
          : encoding === 'br'
            ? response.pipe(zlib.createBrotliDecompress())
            : response;
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (signal.aborted) throw signal.reason;
        const room = maxBytes - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          size += room;
          truncated = true;
          break;
        }
        chunks.push(chunk);
        size += chunk.length;
      }
    } finally {
      response.destroy();
      if (stream !== response) (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
    }
    return { body: Buffer.concat(chunks, size), truncated };
  }

  return {
    async fetch(startUrl, { signal: callerSignal } = {}) {
      const deadline = AbortSignal.timeout(timeoutMs);
      const signal = callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline;
      const failure = (error: unknown, url: string): Error => {
        if (error instanceof FetchRefusedError || error instanceof FetchFailedError) return error;
        if (callerSignal?.aborted) return new FetchFailedError('cancelled', 'the request was cancelled', url);
        if (deadline.aborted) return new FetchFailedError('timeout', `no complete answer within ${timeoutMs} ms`, url);
        return new FetchFailedError('connection', (error as { code?: string }).code ?? 'the connection failed', url);
      };
      const redirects: string[] = [];
      let current = startUrl;
      for (;;) {
        let response: IncomingMessage;
        try {
          const hop = await checkHop(current, signal);
          response = await request(hop, signal);
        } catch (error) {
          throw failure(error, current);
        }
        const status = response.statusCode ?? 0;
        if (REDIRECTS.has(status)) {
          response.destroy();
          const location = response.headers.location;
          if (!location) throw new FetchFailedError('bad_redirect', `HTTP ${status} without a Location`, current);
          if (redirects.length >= maxRedirects)
            throw new FetchRefusedError('too_many_redirects', `more than ${maxRedirects} redirects`, startUrl);
          let next: string;
          try {
            next = new URL(location, current).toString();
          } catch {
            throw new FetchFailedError('bad_redirect', 'the Location is not a URL', current);
          }
          redirects.push(next);
          current = next;
          continue;
        }
        if (status < 200 || status > 299) {
          response.destroy();
          throw new FetchFailedError('http_status', `the server answered HTTP ${status}`, current, { status });
        }
        const { type, charset } = mediaType(response.headers['content-type']);
        if (!contentTypes.has(type)) {
          response.destroy();
          throw new FetchFailedError(
            'content_type',
            `${type || 'no content type'} is not one of ${[...contentTypes].join(', ')}`,
            current,
            { contentType: type },
          );
        }
        let body: { body: Buffer; truncated: boolean };
        try {
          body = await readBody(response, signal);
        } catch (error) {
          throw failure(error, current);
        }
        const raw = decode(body.body, charset);
        const isHtml = type === 'text/html' || type === 'application/xhtml+xml';
        const { title, text } = isHtml
          ? htmlToText(raw)
          : { title: type === 'text/markdown' || type === 'text/plain' ? markdownTitle(raw) : '', text: raw.trim() };
        return {
          url: startUrl,
          finalUrl: current,
          status,
          contentType: type,
          title,
          text,
          bytes: body.body.length,
          truncated: body.truncated,
          redirects,
        };
      }
    },
  };
}
