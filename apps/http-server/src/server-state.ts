import { Redis } from 'ioredis';
import { type Logger } from '@agent-mcp/context';
import {
  type ChangeFeed,
  type EventStore,
  InMemoryEventStore,
  RedisChangeFeed,
  RedisEventStore,
  RedisSessionBus,
  RedisSessionStore,
  type SessionBus,
  type SessionStore,
} from '@agent-mcp/mcp-core';
import { type HttpServerConfig } from './config';

/** How long start-up waits for Redis before serving without it (it keeps reconnecting). */
const REDIS_CONNECT_WAIT_MS = 3_000;

/**
 * Where the HTTP transport keeps what outlives one request: SSE events for resumption and, with several replicas,
 * session records and the routing between replicas. (Tasks and threads are the composed server's, in the
 * application database.)
 */
export interface ServerState {
  /** Undefined when `RESUMABLE_STREAMS=false`. */
  readonly eventStore: EventStore | undefined;
  /** Shared session records: with `REDIS_URL` in stateful mode, else undefined (sessions live in this process). */
  readonly sessionStore: SessionStore | undefined;
  /** Routing between replicas: with `REDIS_URL` in stateful mode, else undefined. */
  readonly sessionBus: SessionBus | undefined;
  /**
   * Changes of shared state (a task's status, a resource updated) for the 2026-07-28 listen streams of every
   * replica: with `REDIS_URL` (either mode), else undefined (this process's streams hear its own changes).
   */
  readonly changeFeed: ChangeFeed | undefined;
  /** Resolves once Redis is connected, or after a bounded wait (the replica then starts without it). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** The Redis key prefix of one kind of shared state, beside the rate limits' (`agent-mcp:rl:` -> `agent-mcp:sessions:`). */
export function redisPrefix(config: HttpServerConfig, kind: 'events' | 'sessions' | 'bus'): string {
  return `${config.RATE_LIMIT_KEY_PREFIX.replace(/rl:$/, '')}${kind}:`;
}

/**
 * With `REDIS_URL`: SSE events, session records and the session bus go to Redis (any replica serves any
 * request). Without it: events in memory, sessions in this process.
 */
export function createServerState(config: HttpServerConfig, logger: Logger): ServerState {
  let redis: Redis | undefined;
  let subscriber: Redis | undefined;
  let eventStore: EventStore | undefined;
  let sessionStore: SessionStore | undefined;
  let sessionBus: SessionBus | undefined;
  let changeFeed: ChangeFeed | undefined;
  let connected: Promise<void> = Promise.resolve();
  if (config.REDIS_URL) {
    // Commands fail fast while Redis is down: an event that cannot be kept is still sent live, a session is
    // served by the replica that holds it.
    redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on('error', (error: Error) => logger.debug('redis', { err: error.message }));
    connected = redis
      .connect()
      .catch((error: unknown) =>
        logger.warn(
          'Redis unreachable: SSE events are sent but not kept, sessions are served by the replica that opened them',
          { err: error },
        ),
      );
    if (config.RESUMABLE_STREAMS) eventStore = new RedisEventStore({ redis, prefix: redisPrefix(config, 'events') });
    // A connection in subscriber mode does nothing else; it reconnects and subscribes again by itself.
    subscriber = redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null });
    subscriber.on('error', (error: Error) => logger.debug('redis subscriber', { err: error.message }));
    let warnedAt = 0;
    changeFeed = new RedisChangeFeed({
      redis,
      subscriber,
      prefix: redisPrefix(config, 'bus'),
      // At most every 10 s: while Redis is down every change would say it again.
      onError: (error) => {
        if (Date.now() - warnedAt < 10_000) return;
        warnedAt = Date.now();
        logger.warn('change feed: changes do not reach the other replicas (Redis)', { err: error });
      },
    });
    if (config.MCP_HTTP_MODE === 'stateful') {
      sessionStore = new RedisSessionStore({
        redis,
        prefix: redisPrefix(config, 'sessions'),
        ttlMs: config.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
      });
      sessionBus = new RedisSessionBus({
        redis,
        subscriber,
        prefix: redisPrefix(config, 'bus'),
        onError: (error) => logger.warn('session bus: could not subscribe', { err: error }),
      });
    }
  } else if (config.RESUMABLE_STREAMS) {
    eventStore = new InMemoryEventStore();
  }
  return {
    eventStore,
    sessionStore,
    sessionBus,
    changeFeed,
    ready: () =>
      Promise.race([connected, new Promise<void>((resolve) => setTimeout(resolve, REDIS_CONNECT_WAIT_MS).unref())]),
    async close() {
      await sessionBus?.close();
      await changeFeed?.close();
      subscriber?.disconnect();
      redis?.disconnect();
    },
  };
}
