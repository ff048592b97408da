import { type JSONRPCMessage } from '../../protocol/messages';

/**
 * Resumable Streamable HTTP: every SSE event carries an id `<stream>:<n>`, and the events of a stream are kept
 * for a while, so a client whose connection dropped reconnects with `Last-Event-ID` and receives what it
 * missed. The store is in memory on one replica, or in Redis for several.
 */
export interface EventStore {
  /** Keeps event `seq` of `streamId`. Events of one stream are appended in order. */
  append(streamId: string, seq: number, message: JSONRPCMessage): Promise<void>;
  /** The kept events of `streamId` after `seq`, in order (empty when the stream is unknown or expired). */
  after(
    streamId: string,
    seq: number,
  ): Promise<ReadonlyArray<{ readonly seq: number; readonly message: JSONRPCMessage }>>;
}

/** An SSE event id: the stream it belongs to and its position. */
export interface EventId {
  readonly streamId: string;
  readonly seq: number;
}

export function formatEventId(streamId: string, seq: number): string {
  return `${streamId}:${seq}`;
}

/** Parses a `Last-Event-ID`; undefined for anything this server did not issue. */
export function parseEventId(value: string): EventId | undefined {
  const colon = value.lastIndexOf(':');
  if (colon <= 0 || value.length > 512) return undefined;
  const seq = Number(value.slice(colon + 1));
  if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
  return { streamId: value.slice(0, colon), seq };
}

/** Options of {@link InMemoryEventStore}. */
export interface InMemoryEventStoreOptions {
  /** Events kept per stream (the newest). Default 1000. */
  readonly maxEventsPerStream?: number;
  /** Streams kept; the least recently written go first. Default 10 000. */
  readonly maxStreams?: number;
  /** A stream is forgotten this long after its last event. Default 5 minutes. */
  readonly ttlMs?: number;
}

interface KeptStream {
  events: Array<{ seq: number; message: JSONRPCMessage }>;
  expiresAt: number;
}

/** Events in this process's memory, bounded in streams, events and time. */
export class InMemoryEventStore implements EventStore {
  private readonly streams = new Map<string, KeptStream>();
  private readonly maxEvents: number;
  private readonly maxStreams: number;
  private readonly ttlMs: number;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.maxEvents = options.maxEventsPerStream ?? 1000;
    this.maxStreams = options.maxStreams ?? 10_000;
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
  }

  async append(streamId: string, seq: number, message: JSONRPCMessage): Promise<void> {
    let stream = this.streams.get(streamId);
    if (stream) {
      // Map order is insertion order: re-inserting keeps the least recently written first, for eviction.
      this.streams.delete(streamId);
    } else {
      this.evict();
      stream = { events: [], expiresAt: 0 };
    }
    stream.events.push({ seq, message });
    if (stream.events.length > this.maxEvents) stream.events.splice(0, stream.events.length - this.maxEvents);
    stream.expiresAt = Date.now() + this.ttlMs;
    this.streams.set(streamId, stream);
  }

  async after(streamId: string, seq: number): Promise<ReadonlyArray<{ seq: number; message: JSONRPCMessage }>> {
    const stream = this.streams.get(streamId);
    if (!stream || stream.expiresAt <= Date.now()) return [];
    return stream.events.filter((e) => e.seq > seq);
  }

  private evict(): void {
    const now = Date.now();
    for (const [id, stream] of this.streams) {
      if (this.streams.size < this.maxStreams && stream.expiresAt > now) break;
      this.streams.delete(id);
    }
  }
}

/** What {@link RedisEventStore} needs of a Redis client; `ioredis` has it. */
export interface RedisListClient {
  multi(): RedisListPipeline;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
}
export interface RedisListPipeline {
  rpush(key: string, value: string): RedisListPipeline;
  ltrim(key: string, start: number, stop: number): RedisListPipeline;
  pexpire(key: string, ms: number): RedisListPipeline;
  exec(): Promise<unknown>;
}

/** Options of {@link RedisEventStore}. */
export interface RedisEventStoreOptions {
  readonly redis: RedisListClient;
  /** Key prefix. Default `agent-mcp:events:`. */
  readonly prefix?: string;
  /** Events kept per stream. Default 1000. */
  readonly maxEventsPerStream?: number;
  /** A stream is forgotten this long after its last event. Default 5 minutes. */
  readonly ttlMs?: number;
}

/** Events in Redis, one capped list per stream with an expiry: every replica can replay them. */
export class RedisEventStore implements EventStore {
  private readonly redis: RedisListClient;
  private readonly prefix: string;
  private readonly maxEvents: number;
  private readonly ttlMs: number;

  constructor(options: RedisEventStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'agent-mcp:events:';
    this.maxEvents = options.maxEventsPerStream ?? 1000;
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
  }

  async append(streamId: string, seq: number, message: JSONRPCMessage): Promise<void> {
    const key = this.prefix + streamId;
    await this.redis
      .multi()
      .rpush(key, JSON.stringify([seq, message]))
      .ltrim(key, -this.maxEvents, -1)
      .pexpire(key, this.ttlMs)
      .exec();
  }

  async after(streamId: string, seq: number): Promise<ReadonlyArray<{ seq: number; message: JSONRPCMessage }>> {
    const raw = await this.redis.lrange(this.prefix + streamId, 0, -1);
    const events: Array<{ seq: number; message: JSONRPCMessage }> = [];
    for (const item of raw) {
      const [n, message] = JSON.parse(item) as [number, JSONRPCMessage];
      if (n > seq) events.push({ seq: n, message });
    }
    return events;
  }
}
