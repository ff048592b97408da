import { type ServerResponse } from 'node:http';
import { type Logger } from '@agent-mcp/context';
import { type RequestId } from '../../protocol/messages';
import { type MessageSink, type Session } from '../../session';
import { type EventId, type EventStore, formatEventId } from './event-store';
import { PostResponseChannel, SseWriter } from './response-channel';

/** Options of {@link ResumableStreams}. */
export interface ResumableStreamsOptions {
  /** Where events are kept; none: streams are not resumable (and {@link ResumableStreams.enabled} is false). */
  readonly eventStore?: EventStore;
  /** How long a request may run before its answer switches from JSON to a primed, resumable SSE stream. */
  readonly resumeAfterMs: number;
  /** The reconnection delay suggested to clients (SSE `retry`). */
  readonly retryMs: number;
  /** How long a request whose stream dropped keeps running with nobody resuming it. */
  readonly resumeGraceMs: number;
  /** Interval of SSE keep-alive comments; 0: none. */
  readonly keepAliveMs: number;
  readonly logger: Logger;
}

/** The channel of one POSTed request and how to let go of it once the request is served. */
export interface RequestStream {
  readonly channel: PostResponseChannel;
  /** The request was served: its stream is no longer live (a resume replays it from the store). */
  finish(): void;
}

interface LiveStream {
  readonly channel: PostResponseChannel;
  readonly cancel: () => void;
}

const ABANDONED = 'the client closed its stream and did not resume it';

/**
 * Resumable streams: with an {@link EventStore}, SSE events of requests and of a session's standalone stream
 * carry ids and are kept, a request whose stream drops goes on for a grace period, and a client resumes with
 * `GET` + `Last-Event-ID`. Without one, a dropped request stream cancels its request at once.
 */
export class ResumableStreams {
  // Requests whose streams can be resumed while they run, by stream id; finished ones replay from the store.
  private readonly live = new Map<string, LiveStream>();
  // The standalone stream of a session keeps counting its events across reconnects.
  private readonly standaloneSeq = new WeakMap<Session, number>();
  private readonly nonce = globalThis.crypto.randomUUID().slice(0, 8);
  private counter = 0;
  private readonly onStoreError: (error: unknown) => void;

  constructor(private readonly options: ResumableStreamsOptions) {
    this.onStoreError = (error) => options.logger.warn('event store: could not keep an SSE event', { err: error });
  }

  /** Whether streams are resumable (an event store is configured). */
  get enabled(): boolean {
    return this.options.eventStore !== undefined;
  }

  /**
   * The channel answering request `id` of `session` on `res`. A client that drops the connection before the
   * answer has, in effect, cancelled the request, unless it holds an event id of the stream: then it will
   * resume, and the request goes on.
   */
  openRequest(res: ServerResponse, headers: Record<string, string>, session: Session, id: RequestId): RequestStream {
    const { eventStore, keepAliveMs, resumeAfterMs, retryMs } = this.options;
    const streamId =
      eventStore && session.id !== undefined ? `${session.id}~${this.nonce}.${++this.counter}` : undefined;
    const channel = new PostResponseChannel(
      res,
      headers,
      keepAliveMs,
      eventStore && streamId
        ? { store: eventStore, streamId, primeAfterMs: resumeAfterMs, retryMs, onStoreError: this.onStoreError }
        : undefined,
    );
    const cancel = () => session.cancel(id, ABANDONED);
    if (streamId) this.live.set(streamId, { channel, cancel });
    const onClose = () => {
      // By the time 'close' fires the response is destroyed: what counts is whether the answer went out.
      if (channel.answered) return;
      if (channel.resumable) this.abandoned(channel, cancel);
      else session.cancel(id, 'client closed the connection');
    };
    res.once('close', onClose);
    return {
      channel,
      finish: () => {
        res.off('close', onClose);
        if (streamId) this.live.delete(streamId);
      },
    };
  }

  /** Whether `at` names a stream of `session` that this endpoint can resume. */
  ownsStream(session: Session, at: EventId): boolean {
    return this.enabled && at.streamId.startsWith(`${session.id}~`);
  }

  /** Whether `at` names the session's standalone stream (else one of its requests' streams). */
  isStandalone(session: Session, at: EventId): boolean {
    return at.streamId === standaloneStreamId(session);
  }

  /**
   * `GET` with the `Last-Event-ID` of a request's stream: replays the events after it and, while the request
   * still runs here, continues with its live events up to the response.
   */
  async resumeRequest(res: ServerResponse, at: EventId, headers: Record<string, string>): Promise<void> {
    const writer = new SseWriter(res, headers, this.options.keepAliveMs);
    const live = this.live.get(at.streamId);
    if (live) {
      res.once('close', () => {
        if (!live.channel.finished) this.abandoned(live.channel, live.cancel, writer);
      });
      return live.channel.attach(writer, at.seq);
    }
    for (const event of await (this.options.eventStore as EventStore).after(at.streamId, at.seq))
      writer.send(event.message, formatEventId(at.streamId, event.seq));
    writer.end();
  }

  /** What the client missed when its previous standalone stream dropped, written before the new one goes live. */
  async replayStandalone(session: Session, at: EventId, writer: SseWriter): Promise<void> {
    const eventStore = this.options.eventStore;
    if (!eventStore) return;
    const missed = await eventStore.after(at.streamId, at.seq);
    for (const event of missed) writer.send(event.message, formatEventId(at.streamId, event.seq));
    this.standaloneSeq.set(session, Math.max(this.standaloneSeq.get(session) ?? 0, at.seq, missed.at(-1)?.seq ?? 0));
  }

  /** The sink of the session's standalone stream on `writer`: with an event store its events get ids and are kept. */
  standaloneSink(session: Session, writer: SseWriter): MessageSink {
    const eventStore = this.options.eventStore;
    if (!eventStore) return writer;
    const streamId = standaloneStreamId(session);
    writer.prime(formatEventId(streamId, this.standaloneSeq.get(session) ?? 0), this.options.retryMs);
    const seqs = this.standaloneSeq;
    const onStoreError = this.onStoreError;
    return {
      send(message) {
        const seq = (seqs.get(session) ?? 0) + 1;
        seqs.set(session, seq);
        eventStore.append(streamId, seq, message).catch(onStoreError);
        writer.send(message, formatEventId(streamId, seq));
      },
    };
  }

  /**
   * A request's stream dropped: it goes on for a resume, and is cancelled if nobody resumes it within the
   * grace (a client that went away for good would not want it to run on).
   */
  private abandoned(channel: PostResponseChannel, cancel: () => void, writer?: SseWriter): void {
    channel.detach(writer);
    const timer = setTimeout(() => {
      if (!channel.finished && !channel.listening) cancel();
    }, this.options.resumeGraceMs);
    timer.unref();
  }
}

function standaloneStreamId(session: Session): string {
  return `${session.id}~standalone`;
}
