import { z } from 'zod';
import { type RedisBusClient, type RedisSubscriberClient, newReplicaId } from '../session-bus';

/**
 * A change a `subscriptions/listen` stream may report (MCP 2026-07-28): a list changed, a resource was updated, a
 * task's status moved. It names what changed, never its content: the listener reads the rest with its own
 * credentials.
 */
export type ServerChange =
  | { readonly kind: 'list_changed'; readonly list: 'tools' | 'resources' | 'prompts' }
  | { readonly kind: 'resource_updated'; readonly uri: string }
  | { readonly kind: 'task_changed'; readonly taskId: string };

const ServerChangeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('list_changed'), list: z.enum(['tools', 'resources', 'prompts']) }),
  z.object({ kind: z.literal('resource_updated'), uri: z.string().min(1).max(2048) }),
  z.object({ kind: z.literal('task_changed'), taskId: z.string().min(1).max(256) }),
]);

const WireSchema = z.object({ from: z.string().max(64), change: ServerChangeSchema });

/**
 * Where the changes of shared state meet the listen streams: what one replica publishes reaches the listeners of
 * every replica (a resource updated, a task finished through another replica). A process on its own needs nothing
 * more than {@link LocalChangeFeed}; replicas share {@link RedisChangeFeed}.
 */
export interface ChangeFeed {
  /** Tells every listener of every replica, this one first. Never throws: a replica that cannot be told is logged. */
  publish(change: ServerChange): void;
  /** Calls `listener` with every change published anywhere; the returned function stops it. */
  subscribe(listener: (change: ServerChange) => void): () => void;
  close(): Promise<void>;
}

/** The changes of one process, delivered at once to its own listeners. */
export class LocalChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<(change: ServerChange) => void>();

  publish(change: ServerChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }

  subscribe(listener: (change: ServerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

/** Options of {@link RedisChangeFeed}. */
export interface RedisChangeFeedOptions {
  /** The connection publications go through. */
  readonly redis: Pick<RedisBusClient, 'publish'>;
  /** A connection in subscriber mode (it may listen on other channels too). */
  readonly subscriber: RedisSubscriberClient;
  /** Channel prefix; the channel is `<prefix>changes`. Default `agent-mcp:bus:`. */
  readonly prefix?: string;
  /** Told of a publication or subscription that failed (the change still reached this replica's listeners). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Redis pub/sub on one channel for the whole replica set. A change reaches this replica's listeners at once and
 * the others through Redis; each replica ignores its own publications when they come back. With Redis down, this
 * replica's listeners still hear its own changes.
 */
export class RedisChangeFeed implements ChangeFeed {
  private readonly local = new LocalChangeFeed();
  private readonly channel: string;
  private readonly origin = newReplicaId();
  private readonly onMessage: (channel: string, text: string) => void;

  constructor(private readonly options: RedisChangeFeedOptions) {
    this.channel = `${options.prefix ?? 'agent-mcp:bus:'}changes`;
    this.onMessage = (channel, text) => {
      if (channel !== this.channel || text.length > 4096) return;
      let parsed;
      try {
        parsed = WireSchema.safeParse(JSON.parse(text));
      } catch {
        return;
      }
      if (parsed.success && parsed.data.from !== this.origin) this.local.publish(parsed.data.change as ServerChange);
    };
    options.subscriber.on('message', this.onMessage);
    options.subscriber.subscribe(this.channel).catch((error: unknown) => options.onError?.(error));
  }

  publish(change: ServerChange): void {
    this.local.publish(change);
    this.options.redis
      .publish(this.channel, JSON.stringify({ from: this.origin, change }))
      .catch((error: unknown) => this.options.onError?.(error));
  }

  subscribe(listener: (change: ServerChange) => void): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    await this.local.close();
    await this.options.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}
