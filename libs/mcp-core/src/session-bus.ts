import { McpLocalError } from './errors';
import { z } from 'zod';
import { type JSONRPCMessage } from './protocol/messages';

const RequestIdSchema = z.union([z.string().max(512), z.number().int()]);
const MessageSchema = z.looseObject({ jsonrpc: z.literal('2.0') });

/**
 * What replicas tell each other about the sessions they share:
 * - `cancel`: the client cancelled a request that runs on some replica (sent to every replica);
 * - `response`: the client's answer to a server request made on the replica it is sent to;
 * - `stream`: a message unrelated to any request, for the session's standalone stream on that replica;
 * - `ended`: the client ended the session (sent to every replica).
 */
export const SessionBusMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('cancel'),
    sessionId: z.string().max(256),
    requestId: RequestIdSchema,
    reason: z.string().max(1024).optional(),
  }),
  z.object({ type: z.literal('response'), sessionId: z.string().max(256), message: MessageSchema }),
  z.object({ type: z.literal('stream'), sessionId: z.string().max(256), message: MessageSchema }),
  z.object({ type: z.literal('ended'), sessionId: z.string().max(256) }),
]);

/** One message between replicas; see {@link SessionBusMessageSchema}. */
export type SessionBusMessage =
  | {
      readonly type: 'cancel';
      readonly sessionId: string;
      readonly requestId: string | number;
      readonly reason?: string;
    }
  | { readonly type: 'response'; readonly sessionId: string; readonly message: JSONRPCMessage }
  | { readonly type: 'stream'; readonly sessionId: string; readonly message: JSONRPCMessage }
  | { readonly type: 'ended'; readonly sessionId: string };

/** Addresses a message to every replica but the sender. */
export const EVERY_REPLICA = '*';

/** Largest bus message; bigger ones are not sent (and dropped when received). */
export const MAX_BUS_MESSAGE_BYTES = 1024 * 1024;

/**
 * Routes what the client sends to one replica to the replica it concerns, for transports that share sessions
 * (no sticky sessions behind a load balancer). Each replica has an id; a session's standalone stream is
 * claimed by the replica that holds it, so messages for it can find it.
 */
export interface SessionBus {
  /** This replica's id: short, lowercase letters and digits. */
  readonly replicaId: string;
  /** Starts delivering the messages addressed to this replica (or to all) to `handler`. */
  listen(handler: (message: SessionBusMessage) => void): void;
  /** Sends `message` to replica `to`, or to every other replica with {@link EVERY_REPLICA}. */
  publish(to: string, message: SessionBusMessage): Promise<void>;
  /** Records that this replica holds the standalone stream of `sessionId`, for `ttlMs` (claim again to extend). */
  claimStream(sessionId: string, ttlMs: number): Promise<void>;
  /** Drops this replica's claim on the stream of `sessionId` (another replica's claim is left alone). */
  releaseStream(sessionId: string): Promise<void>;
  /** The replica holding the standalone stream of `sessionId`, if any. */
  streamHolder(sessionId: string): Promise<string | undefined>;
  /** Stops listening. */
  close(): Promise<void>;
}

/** A new replica id. */
export function newReplicaId(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12);
}

const REPLICA_ID = /^[a-z0-9]{1,32}$/;

/** Reads a bus message off the wire; undefined for anything malformed or oversized. */
export function decodeBusMessage(text: string): SessionBusMessage | undefined {
  if (text.length > MAX_BUS_MESSAGE_BYTES) return undefined;
  try {
    const parsed = SessionBusMessageSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as SessionBusMessage) : undefined;
  } catch {
    return undefined;
  }
}

/** The bus message too large to send. */
export class BusMessageTooLargeError extends McpLocalError {
  constructor(bytes: number) {
    super('BUS_MESSAGE_TOO_LARGE', `bus message of ${bytes} bytes exceeds ${MAX_BUS_MESSAGE_BYTES}`);
  }
}

function encodeBusMessage(message: SessionBusMessage): string {
  const text = JSON.stringify(message);
  if (text.length > MAX_BUS_MESSAGE_BYTES) throw new BusMessageTooLargeError(text.length);
  return text;
}

/**
 * Replicas in one process (tests, an embedding with several handlers): `hub.connect()` gives each its bus.
 * Messages go through the same encoding and validation as on Redis, and are delivered asynchronously.
 */
export class InMemorySessionHub {
  private readonly handlers = new Map<string, (message: SessionBusMessage) => void>();
  private readonly holders = new Map<string, { replicaId: string; expiresAt: number }>();

  connect(replicaId: string = newReplicaId()): SessionBus {
    if (!REPLICA_ID.test(replicaId)) throw new Error(`invalid replica id ${JSON.stringify(replicaId)}`);
    const { handlers, holders } = this;
    return {
      replicaId,
      listen(handler) {
        handlers.set(replicaId, handler);
      },
      async publish(to, message) {
        const text = encodeBusMessage(message);
        const targets = to === EVERY_REPLICA ? [...handlers.keys()].filter((id) => id !== replicaId) : [to];
        for (const target of targets) {
          const handler = handlers.get(target);
          const decoded = decodeBusMessage(text);
          if (handler && decoded) setImmediate(() => handler(decoded));
        }
      },
      async claimStream(sessionId, ttlMs) {
        holders.set(sessionId, { replicaId, expiresAt: Date.now() + ttlMs });
      },
      async releaseStream(sessionId) {
        if (holders.get(sessionId)?.replicaId === replicaId) holders.delete(sessionId);
      },
      async streamHolder(sessionId) {
        const held = holders.get(sessionId);
        return held && held.expiresAt > Date.now() ? held.replicaId : undefined;
      },
      async close() {
        handlers.delete(replicaId);
      },
    };
  }
}

/** What {@link RedisSessionBus} needs of the Redis client it sends with; `ioredis` has it. */
export interface RedisBusClient {
  publish(channel: string, message: string): Promise<unknown>;
  set(key: string, value: string, mode: 'PX', ms: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
}

/** What it needs of the connection it listens on (a connection in subscriber mode can do nothing else). */
export interface RedisSubscriberClient {
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
}

/** Options of {@link RedisSessionBus}. */
export interface RedisSessionBusOptions {
  /** The connection commands and publications go through. */
  readonly redis: RedisBusClient;
  /** A connection of its own for listening (`redis.duplicate()` with ioredis). */
  readonly subscriber: RedisSubscriberClient;
  /** Key and channel prefix. Default `agent-mcp:bus:`. */
  readonly prefix?: string;
  /** This replica's id. Default: a new random one (each process is a replica of its own). */
  readonly replicaId?: string;
  /** Told of failures to subscribe (the bus keeps trying through the client's reconnects). */
  readonly onError?: (error: unknown) => void;
}

// Deletes the holder key only while it still names this replica: a client that reconnected elsewhere keeps its claim.
const RELEASE_IF_MINE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Redis pub/sub: two channels per replica set in all, whatever the number of sessions: `<prefix>all`, which
 * every replica listens on, and `<prefix>r:<replicaId>`, its own. Who holds a session's standalone stream is
 * a key `<prefix>stream:<sessionId>` naming the replica, with an expiry the holder extends.
 */
export class RedisSessionBus implements SessionBus {
  readonly replicaId: string;
  private readonly redis: RedisBusClient;
  private readonly subscriber: RedisSubscriberClient;
  private readonly prefix: string;
  private readonly channels: readonly string[];
  private handler: ((message: SessionBusMessage) => void) | undefined;

  constructor(options: RedisSessionBusOptions) {
    this.replicaId = options.replicaId ?? newReplicaId();
    if (!REPLICA_ID.test(this.replicaId)) throw new Error(`invalid replica id ${JSON.stringify(this.replicaId)}`);
    this.redis = options.redis;
    this.subscriber = options.subscriber;
    this.prefix = options.prefix ?? 'agent-mcp:bus:';
    this.channels = [`${this.prefix}all`, this.channelOf(this.replicaId)];
    this.subscriber.on('message', (channel, text) => {
      if (!this.handler || !this.channels.includes(channel)) return;
      const message = decodeBusMessage(text);
      if (message) this.handler(message);
    });
    // ioredis subscribes again by itself after a reconnect; a first failure is only reported.
    this.subscriber.subscribe(...this.channels).catch((error: unknown) => options.onError?.(error));
  }

  listen(handler: (message: SessionBusMessage) => void): void {
    this.handler = handler;
  }

  async publish(to: string, message: SessionBusMessage): Promise<void> {
    const text = encodeBusMessage(message);
    // Every replica listens on `all`, the sender too; what it sends there it acted on already, so hearing it
    // again is harmless (no such request runs here, the session is gone here).
    await this.redis.publish(to === EVERY_REPLICA ? `${this.prefix}all` : this.channelOf(to), text);
  }

  async claimStream(sessionId: string, ttlMs: number): Promise<void> {
    await this.redis.set(`${this.prefix}stream:${sessionId}`, this.replicaId, 'PX', ttlMs);
  }

  async releaseStream(sessionId: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_MINE, 1, `${this.prefix}stream:${sessionId}`, this.replicaId);
  }

  async streamHolder(sessionId: string): Promise<string | undefined> {
    const holder = await this.redis.get(`${this.prefix}stream:${sessionId}`);
    return holder && REPLICA_ID.test(holder) ? holder : undefined;
  }

  async close(): Promise<void> {
    this.handler = undefined;
    await this.subscriber.unsubscribe(...this.channels).catch(() => undefined);
  }

  private channelOf(replicaId: string): string {
    if (!REPLICA_ID.test(replicaId)) throw new Error(`invalid replica id ${JSON.stringify(replicaId)}`);
    return `${this.prefix}r:${replicaId}`;
  }
}
