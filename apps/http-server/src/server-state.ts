import { Redis } from 'ioredis';
import { type Logger, type SqlClient, type ThreadStore } from '@agent-mcp/context';
import { type EventStore, InMemoryEventStore, RedisEventStore, type TaskOptions } from '@agent-mcp/mcp-core';
import { type HttpServerConfig } from './config';
import { stateStores } from './register-tools';

/** Where the server keeps what outlives one request: tasks, conversation threads, SSE events for resumption. */
export interface ServerState {
  readonly tasks: TaskOptions;
  readonly threads: ThreadStore;
  /** Undefined when `RESUMABLE_STREAMS=false`. */
  readonly eventStore: EventStore | undefined;
  close(): Promise<void>;
}

/**
 * SSE events go to Redis when `REDIS_URL` is set (any replica can replay them), else to memory. Tasks and
 * threads go to the application database `sql` when there is one, else to memory.
 */
export function createServerState(config: HttpServerConfig, logger: Logger, sql: SqlClient | undefined): ServerState {
  let redis: Redis | undefined;
  let eventStore: EventStore | undefined;
  if (config.RESUMABLE_STREAMS) {
    if (config.REDIS_URL) {
      // Commands fail fast while Redis is down: an event that cannot be kept is still sent live.
      redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
      redis.on('error', (error: Error) => logger.debug('event store redis', { err: error.message }));
      void redis.connect().catch((error: unknown) => logger.warn('event store: Redis unreachable; SSE events are sent but not kept', { err: error }));
      eventStore = new RedisEventStore({ redis, prefix: `${config.RATE_LIMIT_KEY_PREFIX.replace(/rl:$/, '')}events:` });
    } else {
      eventStore = new InMemoryEventStore();
    }
  }
  const { taskStore, threads } = stateStores(sql);
  return {
    tasks: { defaultTtlMs: config.TASK_TTL_SECONDS * 1000, maxTtlMs: config.TASK_MAX_TTL_SECONDS * 1000, ...(taskStore ? { store: taskStore } : {}) },
    threads,
    eventStore,
    async close() {
      redis?.disconnect();
    },
  };
}
