import { type IncomingMessage } from 'node:http';
import { htmlToText } from '../html-text';
import { createAddressPolicy } from './address-policy';
import { checkHop, type HopPolicies } from './check-hop';
import { FetchFailedError, FetchRefusedError } from './fetch-errors';
import { createHostPolicy } from './host-policy';
import { decode, httpGet, mediaType, readBody } from './http-get';
import { type Resolver, systemResolver } from './resolve';

export { type ResolvedAddress, type Resolver } from './resolve';

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

/** The settled options of one fetcher. */
interface FetchSettings {
  readonly policies: HopPolicies;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
  readonly contentTypes: ReadonlySet<string>;
  readonly userAgent: string;
}

/** One fetch's signals: the caller's, the deadline, and both together. */
interface FetchSignals {
  readonly caller: AbortSignal | undefined;
  readonly deadline: AbortSignal;
  readonly any: AbortSignal;
}

/**
 * Creates the guarded fetcher. Every hop (the first URL and each redirect) passes, in order: http or https
 * only, no credentials in the URL, the host allow and deny lists, then one DNS resolution whose every address
 * must be public (or in an allowed network); the connection is then made to that checked address through a
 * pinned `lookup`, so a second, different DNS answer (rebinding) cannot redirect it. Bodies are bounded in
 * bytes (after decompression) and the whole fetch in time; only the configured media types are read.
 */
export function createGuardedFetcher(options: GuardedFetcherOptions = {}): GuardedFetcher {
  const settings: FetchSettings = {
    policies: {
      addresses: createAddressPolicy({ allowNetworks: options.allowNetworks }),
      hosts: createHostPolicy({ allowHosts: options.allowHosts, denyHosts: options.denyHosts }),
      resolve: options.resolve ?? systemResolver,
    },
    maxBytes: options.maxBytes ?? 2 * 1024 * 1024,
    timeoutMs: options.timeoutMs ?? 15_000,
    maxRedirects: options.maxRedirects ?? 5,
    contentTypes: new Set((options.contentTypes ?? DEFAULT_CONTENT_TYPES).map((t) => t.toLowerCase())),
    userAgent: options.userAgent ?? 'agent-mcp-research/0.1 (+https://github.com/)',
  };
  return {
    async fetch(startUrl, { signal: caller } = {}) {
      const deadline = AbortSignal.timeout(settings.timeoutMs);
      const signals: FetchSignals = { caller, deadline, any: caller ? AbortSignal.any([caller, deadline]) : deadline };
      const { response, finalUrl, redirects } = await followRedirects(startUrl, settings, signals);
      return readPage(response, { startUrl, finalUrl, redirects }, settings, signals);
    },
  };
}

/** The typed error for what interrupted a hop: a fetch error as it is, else cancellation, timeout or connection. */
function failure(error: unknown, url: string, settings: FetchSettings, signals: FetchSignals): Error {
  if (error instanceof FetchRefusedError || error instanceof FetchFailedError) return error;
  if (signals.caller?.aborted) return new FetchFailedError('cancelled', 'the request was cancelled', url);
  if (signals.deadline.aborted)
    return new FetchFailedError('timeout', `no complete answer within ${settings.timeoutMs} ms`, url);
  return new FetchFailedError('connection', (error as { code?: string }).code ?? 'the connection failed', url);
}

/** Checks and requests each hop until one answers with something other than a redirect. */
async function followRedirects(
  startUrl: string,
  settings: FetchSettings,
  signals: FetchSignals,
): Promise<{ response: IncomingMessage; finalUrl: string; redirects: string[] }> {
  const redirects: string[] = [];
  let current = startUrl;
  for (;;) {
    let response: IncomingMessage;
    try {
      const hop = await checkHop(current, signals.any, settings.policies);
      response = await httpGet(hop, settings.userAgent, signals.any);
    } catch (error) {
      throw failure(error, current, settings, signals);
    }
    const status = response.statusCode ?? 0;
    if (!REDIRECTS.has(status)) return { response, finalUrl: current, redirects };
    response.destroy();
    const location = response.headers.location;
    if (!location) throw new FetchFailedError('bad_redirect', `HTTP ${status} without a Location`, current);
    if (redirects.length >= settings.maxRedirects)
      throw new FetchRefusedError('too_many_redirects', `more than ${settings.maxRedirects} redirects`, startUrl);
    current = resolveLocation(location, current);
    redirects.push(current);
  }
}

function resolveLocation(location: string, current: string): string {
  try {
    return new URL(location, current).toString();
  } catch {
    throw new FetchFailedError('bad_redirect', 'the Location is not a URL', current);
  }
}

/** Reads a final, non-redirect response as a page: a 2xx status and an accepted media type, or a typed error. */
async function readPage(
  response: IncomingMessage,
  where: { startUrl: string; finalUrl: string; redirects: string[] },
  settings: FetchSettings,
  signals: FetchSignals,
): Promise<FetchedPage> {
  const { finalUrl } = where;
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    response.destroy();
    throw new FetchFailedError('http_status', `the server answered HTTP ${status}`, finalUrl, { status });
  }
  const { type, charset } = mediaType(response.headers['content-type']);
  if (!settings.contentTypes.has(type)) {
    response.destroy();
    const accepted = [...settings.contentTypes].join(', ');
    throw new FetchFailedError('content_type', `${type || 'no content type'} is not one of ${accepted}`, finalUrl, {
      contentType: type,
    });
  }
  let body: { body: Buffer; truncated: boolean };
  try {
    body = await readBody(response, settings.maxBytes, signals.any);
  } catch (error) {
    throw failure(error, finalUrl, settings, signals);
  }
  const { title, text } = toText(decode(body.body, charset), type);
  return {
    url: where.startUrl,
    finalUrl,
    status,
    contentType: type,
    title,
    text,
    bytes: body.body.length,
    truncated: body.truncated,
    redirects: where.redirects,
  };
}

function toText(raw: string, type: string): { title: string; text: string } {
  if (type === 'text/html' || type === 'application/xhtml+xml') return htmlToText(raw);
  return { title: type === 'text/markdown' || type === 'text/plain' ? markdownTitle(raw) : '', text: raw.trim() };
}

function markdownTitle(text: string): string {
  return /^#\s+(.+)$/m.exec(text)?.[1]?.trim().slice(0, 300) ?? '';
}
