import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { chatFrames, chatJson } from './chat-wire';
import { responsesFrames, responsesJson } from './responses-wire';
import { type ScriptedTurn, answerOf, errorTypeFor } from './script';

/** Options of {@link createScriptedServer}. */
export interface ScriptedServerOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get a 401, as OpenAI does. */
  readonly apiKey?: string;
  /** Turns to start with; more can be added with `enqueue`. */
  readonly turns?: readonly ScriptedTurn[];
  /**
   * Answers a request from what it carries, before the queue is consulted (`undefined`: the queue's next turn).
   * For concurrent conversations, whose requests arrive in no fixed order: each gets the turn of its own script.
   * It may return a promise: the request is held until it settles (a test holds a turn while it does something,
   * such as killing the process that asked).
   */
  readonly respond?: (request: RecordedRequest) => ScriptedTurn | undefined | Promise<ScriptedTurn | undefined>;
}

/** A request the server received. */
export interface RecordedRequest {
  /** Which endpoint was called. */
  readonly api: 'responses' | 'chat' | 'other';
  readonly method: string;
  /** Path, e.g. `/v1/responses`. */
  readonly path: string;
  /** Request headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body text. */
  readonly rawBody: string;
  /** The body parsed as JSON (`undefined` if it was not JSON). */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary wire fields
  /** Whether the client asked for SSE (`"stream": true`). */
  readonly stream: boolean;
  /** The turn that answered it, `undefined` when the queue was empty. */
  readonly turn: ScriptedTurn | undefined;
  /** `performance.now()` when the request arrived. */
  readonly receivedAt: number;
  /** `performance.now()` when the client closed the connection before the answer was complete, if it did. */
  readonly clientClosedAt: number | undefined;
}

/**
 * An OpenAI-compatible HTTP server on 127.0.0.1 for tests: point the real `openai` client (or agent-core's
 * provider) at `url` and script what the "model" answers. It speaks the Responses API and Chat Completions,
 * JSON and SSE, and records every request.
 *
 * @example
 * const server = await createScriptedServer({ apiKey: 'test-key' });
 * server.enqueue(toolCallTurn({ name: 'get_weather', arguments: { city: 'Paris' } }), textTurn('Sunny.'));
 * const provider = createOpenAIProvider({ apiKey: 'test-key', baseURL: server.url, env: {} });
 * // ... run an agent, then:
 * expect(server.requests[1].body.input).toContainEqual(expect.objectContaining({ type: 'function_call_output' }));
 * await server.close();
 */
export interface ScriptedServer {
  /** Base URL for the client, e.g. `http://127.0.0.1:43123/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request received so far, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Turns not consumed yet. */
  readonly pending: number;
  /** Appends turns to the script. */
  enqueue(...turns: ScriptedTurn[]): void;
  /** Resolves with request number `index` (0-based) once it arrived; rejects after `timeoutMs` (default 2000). */
  waitForRequest(index: number, timeoutMs?: number): Promise<RecordedRequest>;
  /**
   * Resolves with request number `index` (0-based) once the client closed its connection before the answer
   * completed (an abort reaching the server); rejects after `timeoutMs` (default 2000).
   */
  waitForClientClose(index: number, timeoutMs?: number): Promise<RecordedRequest>;
  /** Empties the script and the records. */
  reset(): void;
  /** Stops the server, cutting any connection still open (hung requests included). */
  close(): Promise<void>;
}

type MutableRecord = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] };

/** Starts a {@link ScriptedServer} on an ephemeral port of 127.0.0.1. */
export async function createScriptedServer(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  const queue: ScriptedTurn[] = [...(options.turns ?? [])];
  const requests: MutableRecord[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  let ids = 0;
  const nextId = () => ++ids;
  const changed = () => {
    for (const w of [...waiters]) w();
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record = await readRequest(req);
    const { api, path, headers } = record;
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) {
        record.clientClosedAt = performance.now();
        changed();
      }
    });
    changed();

    if (options.apiKey !== undefined && headers['authorization'] !== `Bearer ${options.apiKey}`) {
      return sendError(res, 401, 'Incorrect API key provided.', 'invalid_api_key', { 'x-should-retry': 'false' });
    }
    if (req.method !== 'POST' || api === 'other') {
      return sendError(res, 404, `Unknown endpoint ${req.method} ${path}.`, 'not_found', {});
    }
    const turn = (await options.respond?.(record)) ?? queue.shift();
    record.turn = turn;
    if (!turn) {
      return sendError(res, 500, 'Scripted server: no turn queued for this request.', 'script_exhausted', {
        'x-should-retry': 'false',
      });
    }
    if (turn.type === 'hang') return; // The response stays open until the client gives up or the server closes.
    if ('delayMs' in turn && turn.delayMs) await sleep(turn.delayMs);
    if (turn.type === 'error') {
      return sendError(
        res,
        turn.status,
        turn.message ?? `Scripted ${turn.status} error.`,
        turn.code ?? null,
        turn.headers ?? {},
      );
    }

    await writeAnswer(res, record, turn, nextId);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const done = check();
      if (done !== undefined) return resolve(done);
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`Scripted server: timed out after ${timeoutMs} ms waiting for ${what}.`));
      }, timeoutMs);
      const waiter = () => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(value);
      };
      waiters.add(waiter);
    });

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    get requests() {
      return requests;
    },
    get pending() {
      return queue.length;
    },
    enqueue(...turns) {
      queue.push(...turns);
    },
    waitForRequest(index, timeoutMs = 2000) {
      return waitFor(() => requests[index], timeoutMs, `request #${index + 1}`);
    },
    waitForClientClose(index, timeoutMs = 2000) {
      return waitFor(
        () => (requests[index]?.clientClosedAt !== undefined ? requests[index] : undefined),
        timeoutMs,
        `the client to close request #${index + 1}`,
      );
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads a request to the end and records what a test may ask about it. */
async function readRequest(req: IncomingMessage): Promise<MutableRecord> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks).toString('utf8');
  let body: unknown;
  try {
    body = rawBody ? JSON.parse(rawBody) : undefined;
  } catch {
    body = undefined;
  }
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const api = path.endsWith('/responses') ? 'responses' : path.endsWith('/chat/completions') ? 'chat' : 'other';
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const json = (body ?? {}) as Record<string, unknown>;
  return {
    api,
    method: req.method ?? 'GET',
    path,
    headers,
    rawBody,
    body,
    stream: json['stream'] === true,
    turn: undefined,
    receivedAt: performance.now(),
    clientClosedAt: undefined,
  };
}

/** Answers `record` with `turn` (a text or tool-call answer, possibly cut), as JSON or as a stream of frames. */
async function writeAnswer(
  res: ServerResponse,
  record: MutableRecord,
  turn: Exclude<ScriptedTurn, { type: 'hang' } | { type: 'error' }>,
  nextId: () => number,
): Promise<void> {
  const { api, rawBody } = record;
  const json = (record.body ?? {}) as Record<string, unknown>;
  const { text, calls } = answerOf(turn.type === 'cut_stream' ? { type: 'text', text: turn.text } : turn);
  const usage = 'usage' in turn && turn.usage ? turn.usage : undefined;
  const model = typeof json['model'] === 'string' ? json['model'] : 'scripted-model';
  const answer = {
    id: api === 'responses' ? `resp_${nextId()}` : `chatcmpl-${nextId()}`,
    model,
    text,
    calls,
    inputTokens: usage?.inputTokens ?? Math.ceil(rawBody.length / 4),
    outputTokens: usage?.outputTokens ?? Math.max(1, Math.ceil((text.length + JSON.stringify(calls).length) / 4)),
    nextId,
  };
  const cut = turn.type === 'cut_stream';

  if (!record.stream) {
    const payload = JSON.stringify(api === 'responses' ? responsesJson(answer) : chatJson(answer));
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${nextId()}` });
    if (cut) {
      res.write(payload.slice(0, Math.floor(payload.length / 2)));
      res.destroy();
      return;
    }
    res.end(payload);
    return;
  }

  const includeUsage = (json['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage === true;
  const frames = api === 'responses' ? responsesFrames(answer, cut) : chatFrames(answer, includeUsage, cut);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': `req_${nextId()}`,
  });
  const chunkDelay = 'chunkDelayMs' in turn ? (turn.chunkDelayMs ?? 0) : 0;
  if (chunkDelay === 0) {
    res.write(frames.join(''));
  } else {
    for (const frame of frames) {
      if (res.destroyed) return;
      res.write(frame);
      await sleep(chunkDelay);
    }
  }
  if (cut && (turn.mode ?? 'destroy') === 'destroy') {
    // Let the written frames reach the client before the reset, so that it sees the partial text.
    await sleep(20);
    res.destroy();
    return;
  }
  res.end();
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  code: string | null,
  headers: Readonly<Record<string, string>>,
): void {
  const body = JSON.stringify({ error: { message, type: errorTypeFor(status), param: null, code } });
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_err_${status}`, ...headers });
  res.end(body);
}

/** Unref'd: a scripted delay still pending when its request was aborted must not hold the test process open. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
