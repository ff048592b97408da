import { McpLocalError } from '../../errors';
import { type IncomingMessage } from 'node:http';

/** Names a local server answers to by default: DNS-rebinding protection allows nothing else. */
export const LOOPBACK_HOSTS: readonly string[] = Object.freeze(['localhost', '127.0.0.1', '[::1]']);

/** Which `Host` and `Origin` values are accepted (DNS-rebinding protection). */
export interface OriginPolicy {
  /** Host names (no port) accepted in `Host`, or `'*'` to accept any. Default: {@link LOOPBACK_HOSTS}. */
  readonly allowedHosts?: readonly string[] | '*';
  /**
   * Origins (`scheme://host[:port]`) accepted when a request carries `Origin`, or `'*'`. Default: any origin
   * whose host is a loopback name. Requests without `Origin` (non-browser clients) are not affected.
   */
  readonly allowedOrigins?: readonly string[] | '*';
}

/** The host name of a `Host` header, lower-cased, without its port; IPv6 keeps its brackets. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** Compiled {@link OriginPolicy}: answers in O(1) per request. */
export class OriginGuard {
  private readonly hosts: Set<string> | undefined;
  private readonly origins: Set<string> | undefined;
  private readonly loopbackOrigins: boolean;

  constructor(policy: OriginPolicy = {}) {
    const hosts = policy.allowedHosts ?? LOOPBACK_HOSTS;
    this.hosts = hosts === '*' ? undefined : new Set(hosts.map((h) => hostName(h)));
    const origins = policy.allowedOrigins;
    this.loopbackOrigins = origins === undefined;
    this.origins =
      origins === undefined || origins === '*'
        ? undefined
        : new Set(origins.map((o) => o.toLowerCase().replace(/\/$/, '')));
    if (origins === '*') this.loopbackOrigins = false;
  }

  /** Undefined when the request may proceed, else the reason to refuse it with 403. */
  check(req: IncomingMessage): string | undefined {
    if (this.hosts) {
      const host = req.headers.host;
      if (!host || !this.hosts.has(hostName(host))) return `Host ${JSON.stringify(host ?? '')} is not allowed`;
    }
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    if (this.loopbackOrigins) {
      let name: string;
      try {
        name = new URL(origin).hostname.toLowerCase();
      } catch {
        return 'Origin is malformed';
      }
      const bracketed = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
      return LOOPBACK_HOSTS.includes(bracketed) ? undefined : `Origin ${JSON.stringify(origin)} is not allowed`;
    }
    if (this.origins && !this.origins.has(origin.toLowerCase()))
      return `Origin ${JSON.stringify(origin)} is not allowed`;
    return undefined;
  }

  /** Whether CORS headers may name this origin. */
  allowsOrigin(origin: string): boolean {
    if (this.loopbackOrigins) {
      try {
        return LOOPBACK_HOSTS.includes(new URL(origin).hostname.toLowerCase()) || new URL(origin).hostname === '[::1]';
      } catch {
        return false;
      }
    }
    return !this.origins || this.origins.has(origin.toLowerCase());
  }
}

/** True when an `Accept` header admits both JSON and SSE, as Streamable HTTP requires of a POST. */
export function acceptsJsonAndSse(accept: string | undefined): boolean {
  if (!accept) return false;
  if (accept.includes('*/*')) return true;
  return (
    (accept.includes('application/json') || accept.includes('application/*')) &&
    (accept.includes('text/event-stream') || accept.includes('text/*'))
  );
}

export function acceptsSse(accept: string | undefined): boolean {
  return !!accept && (accept.includes('text/event-stream') || accept.includes('text/*') || accept.includes('*/*'));
}

export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/** Raised while reading a body that is larger than allowed. */
export class BodyTooLargeError extends McpLocalError {
  constructor(readonly limit: number) {
    super('BODY_TOO_LARGE', `Request body larger than ${limit} bytes`);
  }
}

/** Raised when a request body does not arrive in full within the allowed time (a slow or stalled client). */
export class BodyTimeoutError extends McpLocalError {
  constructor(readonly timeoutMs: number) {
    super('BODY_TIMEOUT', `Request body not received within ${timeoutMs} ms`);
  }
}

/**
 * Reads a request body, refusing it as soon as it passes `limit` bytes or, with `timeoutMs`, when it has not
 * arrived in full by then: a deadline for the whole body, not an idle timer, so dribbling bytes does not help.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs = 0): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            cleanup();
            reject(new BodyTimeoutError(timeoutMs));
          }, timeoutMs)
        : undefined;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
