import { type ServerResponse } from 'node:http';
import { type McpCoreError } from '../../errors';
import { type JSONRPCMessage, type JSONRPCResponseMessage } from '../../protocol/messages';
import { type MessageSink, type RequestChannel } from '../../session';

const SSE_HEADERS = Object.freeze({
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Tells nginx and similar proxies not to buffer the stream.
  'x-accel-buffering': 'no',
});

/** Writes Server-Sent Events to a response, with a comment line as keep-alive. */
export class SseWriter implements MessageSink {
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private open = true;

  constructor(
    private readonly res: ServerResponse,
    headers: Readonly<Record<string, string>>,
    keepAliveMs: number,
  ) {
    res.writeHead(200, { ...SSE_HEADERS, ...headers });
    res.flushHeaders();
    if (keepAliveMs > 0) {
      this.keepAlive = setInterval(() => this.open && res.write(': keep-alive\n\n'), keepAliveMs);
      this.keepAlive.unref();
    }
    res.once('close', () => this.stop());
  }

  get isOpen(): boolean {
    return this.open && !this.res.destroyed;
  }

  send(message: JSONRPCMessage): void {
    if (!this.isOpen) return;
    this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  end(): void {
    if (this.open) this.res.end();
    this.stop();
  }

  private stop(): void {
    this.open = false;
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }
}

/**
 * The channel of one POSTed request. It answers with plain JSON when the response is the only message, and
 * switches to an SSE stream the moment the handler sends anything before its response (progress, logs,
 * a request to the client). The choice is made as late as possible because JSON is cheaper for both sides.
 */
export class PostResponseChannel implements RequestChannel {
  private sse: SseWriter | undefined;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Readonly<Record<string, string>>,
    private readonly keepAliveMs: number,
  ) {}

  /** True once the response has been sent (or the client went away). */
  get finished(): boolean {
    return this.done || this.res.destroyed;
  }

  send(message: JSONRPCMessage): void {
    if (this.finished) return;
    this.sse ??= new SseWriter(this.res, this.headers, this.keepAliveMs);
    this.sse.send(message);
  }

  respond(message: JSONRPCResponseMessage, error?: McpCoreError): void {
    if (this.finished) return;
    this.done = true;
    if (this.sse) {
      this.sse.send(message);
      this.sse.end();
      return;
    }
    const body = JSON.stringify(message);
    const status = error?.httpStatus ?? 200;
    this.res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...this.headers,
      ...error?.httpHeaders,
    });
    this.res.end(body);
  }
}
