// Raw MCP 2026-07-28 requests (no session, the envelope in `_meta`), for tests that check the rounds on the wire
// rather than what an SDK client makes of them.

/** The revision these raw requests speak. */
export const MODERN_VERSION = '2026-07-28';

/** The `_meta` envelope of a 2026-07-28 request: the version, the client's capabilities, and any other field. */
export function modernEnvelope(
  capabilities: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientCapabilities': capabilities,
    ...extra,
  };
}

/** One raw 2026-07-28 request. */
export interface ModernRequest {
  readonly method: string;
  /** The params after the envelope (a `_meta` here replaces it). */
  readonly params?: Record<string, unknown>;
  /** The envelope; default {@link modernEnvelope}`()`. */
  readonly meta?: Record<string, unknown>;
  /** `Mcp-Name`: the tool, resource or task the method names. */
  readonly name?: string;
  /** More headers, or ones that replace those the revision requires. */
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

/** The JSON-RPC message of a reply, loosely typed for assertions. */
export interface ModernBody {
  readonly id?: unknown;
  readonly result?: Record<string, unknown>;
  readonly error?: { readonly code: number; readonly message: string; readonly data?: Record<string, unknown> };
}

let nextId = 1;

/** POSTs `request` with id `id` and the headers the revision requires; the response as it came. */
export function fetchModern(url: URL, id: number, request: ModernRequest): Promise<Response> {
  const { method, params = {}, meta = modernEnvelope(), name, headers = {} } = request;
  return fetch(url, {
    method: 'POST',
    ...(request.signal ? { signal: request.signal } : {}),
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN_VERSION,
      'mcp-method': method,
      ...(name ? { 'mcp-name': name } : {}),
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { _meta: meta, ...params } }),
  });
}

/** The JSON-RPC message of a response: its JSON body, or the data of the last event of its stream. */
export async function readMessage<B = ModernBody>(res: Response): Promise<B> {
  const text = await res.text();
  if (!res.headers.get('content-type')?.includes('text/event-stream')) return JSON.parse(text) as B;
  const data = text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .at(-1);
  return JSON.parse(data?.slice(6) ?? '{}') as B;
}

/** Sends `request` with a fresh id and reads its answer: the id, HTTP status and headers, and the message. */
export async function postModern<B = ModernBody>(
  url: URL,
  request: ModernRequest,
): Promise<{ readonly id: number; readonly status: number; readonly headers: Headers; readonly body: B }> {
  const id = nextId++;
  const res = await fetchModern(url, id, request);
  return { id, status: res.status, headers: res.headers, body: await readMessage<B>(res) };
}
