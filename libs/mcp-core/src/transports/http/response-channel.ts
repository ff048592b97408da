import { type ServerResponse } from 'node:http';
import { type McpCoreError } from '../../errors';
import { type EventStore, formatEventId } from './event-store';
import { type JSONRPCMessage, type JSONRPCResponseMessage } from '../../protocol/messages';
import { type MessageSink, type RequestChannel } from '../../session';
import { endThisTurn } from './turn-ends';

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

  /** Writes one event; `eventId` makes it resumable (`Last-Event-ID`). */
  send(message: JSONRPCMessage, eventId?: string): void {
    if (!this.isOpen) return;
    this.res.write(
      `${eventId === undefined ? '' : `id: ${eventId}\n`}event: message\ndata: ${JSON.stringify(message)}\n\n`,
    );
  }

  /**
   * The priming event of a resumable stream: an id and no data, and how soon to reconnect. A client that
   * loses the stream after it reconnects with `Last-Event-ID` instead of giving the request up.
   */
  prime(eventId: string, retryMs: number): void {
    if (!this.isOpen) return;
    this.res.write(`id: ${eventId}\nretry: ${Math.max(0, Math.floor(retryMs))}\ndata: \n\n`);
  }

  end(): void {
    if (this.open) this.res.end();
    this.stop();
  }

  /**
   * Ends the stream with a final event carrying only SSE's `retry` field, as MCP asks of a server that closes a
   * stream early: the client reconnects after `retryMs` (through a load balancer, to a replica that is up).
   */
  endWithRetry(retryMs: number): void {
    if (this.isOpen) this.res.write(`: server shutting down\nretry: ${Math.max(0, Math.round(retryMs))}\n\n`);
    this.end();
  }

  private stop(): void {
    this.open = false;
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }
}

/** Where the events of a resumable stream are kept, and under which stream id. */
export interface ResumableEvents {
  readonly store: EventStore;
  readonly streamId: string;
  /** How long a request may run before its answer switches to a primed (resumable) SSE stream. */
  readonly primeAfterMs: number;
  /** The `retry` hint sent with the priming event. */
  readonly retryMs: number;
  /** Storing an event failed (the event is still sent live). */
  readonly onStoreError: (error: unknown) => void;
}

interface HeldEvent {
  readonly seq: number;
  readonly message: JSONRPCMessage;
}

/**
 * The channel of one POSTed request. It answers with plain JSON when the response is the only message, and
 * switches to an SSE stream the moment the handler sends anything before its response (progress, logs,
 * a request to the client). The choice is made as late as possible because JSON is cheaper for both sides.
 *
 * With {@link ResumableEvents}, a request still running after `primeAfterMs` switches to a primed SSE stream,
 * every event gets an id and is stored, and when the POST connection drops the request goes on: the client
 * resumes with `GET` + `Last-Event-ID` ({@link attach}) and receives what it missed, the response included.
 */
export class PostResponseChannel implements RequestChannel {
  private sse: SseWriter | undefined;
  private done = false;
  private detached = false;
  private seq = 0;
  private stored: Promise<void> = Promise.resolve();
  private held: HeldEvent[] | undefined;
  private primeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Readonly<Record<string, string>>,
    private readonly keepAliveMs: number,
    private readonly events?: ResumableEvents,
  ) {
    if (events) {
      this.primeTimer = setTimeout(() => {
        if (!this.done && !this.sse && !this.res.destroyed) this.openSse();
      }, events.primeAfterMs);
      this.primeTimer.unref();
    }
  }

  /** True once the response has been sent (or, for a stream that cannot be resumed, the client went away). */
  get finished(): boolean {
    return this.done || (this.res.destroyed && !this.resumable);
  }

  /** True once the response was handed to this channel (sent, or kept for a resume). */
  get answered(): boolean {
    return this.done;
  }

  /** True when the client can resume this request's stream: it received the priming event. */
  get resumable(): boolean {
    return this.events !== undefined && (this.sse !== undefined || this.detached);
  }

  send(message: JSONRPCMessage): void {
    if (this.done) return;
    if (!this.sse && !this.detached) {
      if (this.res.destroyed) return;
      this.openSse();
    }
    this.emit(message);
  }

  respond(message: JSONRPCResponseMessage, error?: McpCoreError): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.primeTimer);
    if (this.sse || this.detached) {
      this.emit(message);
      if (!this.held) this.sse?.end();
      return;
    }
    if (this.res.destroyed) return;
    const body = JSON.stringify(message);
    const status = error?.httpStatus ?? 200;
    // An initialize that failed (refused by authentication, bad params) leaves no session behind: naming one
    // would make the client send it with its retried initialize, which must not carry a session id.
    const { 'mcp-session-id': _failedSession, ...withoutSession } = this.headers;
    this.res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...('error' in message ? withoutSession : this.headers),
      ...error?.httpHeaders,
    });
    endThisTurn(this.res, body);
  }

  /**
   * The stream carrying this request closed before the response; the request goes on, its events kept for a
   * resume. With `writer`, only if that writer is still the one attached (a newer resume may have replaced it).
   */
  detach(writer?: SseWriter): void {
    if (writer && this.sse !== writer) return;
    this.detached = true;
    this.sse = undefined;
  }

  /** True while some stream (the POST's, or a resumed GET's) carries this request's events to the client. */
  get listening(): boolean {
    return this.sse !== undefined || this.held !== undefined;
  }

  /**
   * Continues this request's stream on `writer` (a resumed GET): first the stored events after `afterSeq`,
   * then the live ones. Ends `writer` when the response has been sent.
   */
  async attach(writer: SseWriter, afterSeq: number): Promise<void> {
    const events = this.events;
    if (!events) throw new Error('not a resumable stream');
    this.sse?.end();
    this.sse = undefined;
    this.detached = true;
    const held: HeldEvent[] = (this.held = []);
    try {
      await this.stored;
      const missed = await events.store.after(events.streamId, afterSeq);
      let last = afterSeq;
      for (const event of missed) {
        writer.send(event.message, formatEventId(events.streamId, event.seq));
        last = event.seq;
      }
      for (const event of held)
        if (event.seq > last) writer.send(event.message, formatEventId(events.streamId, event.seq));
    } finally {
      if (this.held === held) this.held = undefined;
    }
    if (this.done) {
      writer.end();
    } else {
      this.sse = writer;
      this.detached = false;
    }
  }

  private openSse(): void {
    this.sse = new SseWriter(this.res, this.headers, this.keepAliveMs);
    if (this.events) this.sse.prime(formatEventId(this.events.streamId, 0), this.events.retryMs);
  }

  private emit(message: JSONRPCMessage): void {
    const events = this.events;
    if (!events) {
      this.sse?.send(message);
      return;
    }
    const seq = ++this.seq;
    this.stored = this.stored.then(() => events.store.append(events.streamId, seq, message)).catch(events.onStoreError);
    if (this.held) this.held.push({ seq, message });
    else this.sse?.send(message, formatEventId(events.streamId, seq));
  }
}
