import { type IncomingMessage } from 'node:http';
import { type CheckedHop } from './check-hop';
import { pinnedLookup } from './resolve';

const ACCEPT = 'text/html, application/xhtml+xml, text/markdown, text/plain;q=0.9, application/json;q=0.8, */*;q=0.1';

/** Sends one GET to a checked hop, connecting only to its pinned address; resolves with the response head. */
export async function httpGet(hop: CheckedHop, userAgent: string, signal: AbortSignal): Promise<IncomingMessage> {
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
      headers: { 'user-agent': userAgent, accept: ACCEPT, 'accept-encoding': 'gzip, deflate, br' },
    });
    req.once('response', resolveResponse);
    req.once('error', reject);
    req.end();
  });
}

/** Reads a response body, decompressed, up to `maxBytes`; the rest is dropped and the body marked truncated. */
export async function readBody(
  response: IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
): Promise<{ body: Buffer; truncated: boolean }> {
  const stream = await decompressed(response);
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

async function decompressed(response: IncomingMessage): Promise<NodeJS.ReadableStream> {
  const zlib = await import('node:zlib');
  const encoding = (response.headers['content-encoding'] ?? '').toLowerCase().trim();
  if (encoding === 'gzip' || encoding === 'x-gzip') return response.pipe(zlib.createGunzip());
  if (encoding === 'deflate') return response.pipe(zlib.createInflate());
  if (encoding === 'br') return response.pipe(zlib.createBrotliDecompress());
  return response;
}

/** A `Content-Type` header's media type (lower case, no parameters) and charset. */
export function mediaType(header: string | undefined): { type: string; charset: string | undefined } {
  const [type = '', ...params] = (header ?? '').split(';');
  const charset = params
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice(8)
    .replace(/"/g, '');
  return { type: type.trim().toLowerCase(), charset };
}

/** Decodes a body in its charset, or UTF-8 when the charset is unknown. */
export function decode(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
