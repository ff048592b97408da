import { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { type RateLimitDecision, type RateLimitName } from './decisions';
import { type CallLimit } from './policy';

/**
 * A Redis connection for rate limits, made by {@link createRedisClient}: what a caller may do with it (wait until
 * it is ready, close it). The client underneath is ioredis's, which this library's API does not expose.
 */
export interface RateLimitRedis {
  /** `ready` once connected. */
  readonly status: string;
  once(event: 'ready', listener: (...args: unknown[]) => void): unknown;
  off(event: 'ready', listener: (...args: unknown[]) => void): unknown;
  /** Closes the connection at once. */
  disconnect(): void;
}

/** Options of {@link createRateLimits}. A limit of 0 points is off. */
export interface RateLimitsOptions {
  /** Shared store across replicas ({@link createRedisClient}); without it every replica counts on its own. */
  readonly redis?: RateLimitRedis;
  /** Prefix of every Redis key. Default `agent-mcp:rl:`. */
  readonly keyPrefix?: string;
  /** Window of the server-wide limits. */
  readonly windowSeconds: number;
  /** Requests per window from one address, counted before authentication. */
  readonly ipPoints: number;
  /** Refused credentials per window from one address; past it the address gets 429 without any check. */
  readonly authFailurePoints: number;
  /** Requests per window per principal. */
  readonly principalPoints: number;
  /** Calls per window per principal and tool, unless {@link toolLimit} gives the tool its own. */
  readonly toolPoints: number;
  /** A tool's own limit (from the policy). */
  readonly toolLimit?: (tool: string) => CallLimit | undefined;
  /** Model tokens per window per principal, charged with {@link RateLimits.chargeModelTokens}. */
  readonly modelTokens?: { readonly budget: number; readonly windowSeconds: number };
  /** Told when the shared store fails and the in-memory insurance limiter answered instead. */
  readonly onStoreError?: (error: unknown) => void;
}

/** The server's rate limits, keyed by address, principal key and tool. */
export interface RateLimits {
  /** Counts one request from `address`. */
  checkIp(address: string): Promise<RateLimitDecision>;
  /** Whether `address` has used up its refused credentials (reads only). */
  checkAuthFailures(address: string): Promise<RateLimitDecision>;
  /** Counts one refused credential from `address`. */
  recordAuthFailure(address: string): Promise<void>;
  /** Counts one request of a principal (see `principalKey`). */
  checkPrincipal(principal: string): Promise<RateLimitDecision>;
  /** Counts one call of `tool` by a principal. */
  checkTool(principal: string, tool: string): Promise<RateLimitDecision>;
  /** Whether a principal has model tokens left in this window (reads only). */
  checkModelTokens(principal: string): Promise<RateLimitDecision>;
  /**
   * Charges model tokens a principal's call used; with `key`, once per key and window (a run replayed after a
   * crash charges again under the same key).
   */
  chargeModelTokens(principal: string, tokens: number, key?: string): Promise<void>;
}

const ALLOW: RateLimitDecision = Object.freeze({ allowed: true });

/**
 * Rate limits on `rate-limiter-flexible`. With Redis, each limiter is a Redis limiter with an in-memory
 * insurance limiter of the same size: when Redis is down or slow, counting goes on per replica instead of
 * failing, so the server never answers 5xx because of its limiter.
 */
export function createRateLimits(options: RateLimitsOptions): RateLimits {
  const prefix = options.keyPrefix ?? 'agent-mcp:rl:';
  const limiters = new Map<string, RateLimiterAbstract>();

  const limiter = (name: string, points: number, windowSeconds: number): RateLimiterAbstract => {
    const id = `${name}:${points}:${windowSeconds}`;
    let found = limiters.get(id);
    if (!found) {
      const keyPrefix = `${prefix}${name}`;
      const memory = new RateLimiterMemory({ points, duration: windowSeconds, keyPrefix });
      found = options.redis
        ? new RateLimiterRedis({
            storeClient: options.redis,
            points,
            duration: windowSeconds,
            keyPrefix,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          })
        : memory;
      limiters.set(id, found);
    }
    return found;
  };

  const consume = async (
    name: RateLimitName,
    rl: RateLimiterAbstract,
    key: string,
    points = 1,
  ): Promise<RateLimitDecision> => {
    try {
      await rl.consume(key, points);
      return ALLOW;
    } catch (error) {
      if (error instanceof RateLimiterRes) return refuse(name, error.msBeforeNext);
      // Both the store and its insurance failed: letting the request through beats failing it.
      options.onStoreError?.(error);
      return ALLOW;
    }
  };

  const exhausted = async (
    name: RateLimitName,
    rl: RateLimiterAbstract,
    key: string,
    budget: number,
  ): Promise<RateLimitDecision> => {
    try {
      const res = await rl.get(key);
      return res && res.consumedPoints >= budget ? refuse(name, res.msBeforeNext) : ALLOW;
    } catch (error) {
      options.onStoreError?.(error);
      return ALLOW;
    }
  };

  const { windowSeconds } = options;
  const ip = options.ipPoints > 0 ? limiter('ip', options.ipPoints, windowSeconds) : undefined;
  const failures =
    options.authFailurePoints > 0 ? limiter('authfail', options.authFailurePoints, windowSeconds) : undefined;
  const principals =
    options.principalPoints > 0 ? limiter('principal', options.principalPoints, windowSeconds) : undefined;
  const tokens =
    options.modelTokens && options.modelTokens.budget > 0
      ? limiter('tokens', options.modelTokens.budget, options.modelTokens.windowSeconds)
      : undefined;
  // One point per charge key and window, in the same store: the first charge under a key takes it, a repeat finds
  // it taken. Kept a window, as long as the charge it guards counts.
  const charged = options.modelTokens && tokens ? limiter('charged', 1, options.modelTokens.windowSeconds) : undefined;
  /** Whether a charge under `key` was made already (a store failure counts as not: charging beats losing it). */
  const chargedBefore = async (principal: string, key: string): Promise<boolean> => {
    if (!charged) return false;
    try {
      await charged.consume(`${principal}:${key}`, 1);
      return false;
    } catch (error) {
      if (error instanceof RateLimiterRes) return true;
      options.onStoreError?.(error);
      return false;
    }
  };

  return {
    checkIp: async (address) => (ip ? consume('ip', ip, address) : ALLOW),
    checkAuthFailures: async (address) =>
      failures ? exhausted('auth_failures', failures, address, options.authFailurePoints) : ALLOW,
    recordAuthFailure: async (address) => {
      if (failures) await consume('auth_failures', failures, address);
    },
    checkPrincipal: async (principal) => (principals ? consume('principal', principals, principal) : ALLOW),
    checkTool: async (principal, tool) => {
      const own = options.toolLimit?.(tool);
      const points = own?.points ?? options.toolPoints;
      if (points <= 0) return ALLOW;
      return consume('tool', limiter(`tool:${tool}`, points, own?.windowSeconds ?? windowSeconds), principal);
    },
    checkModelTokens: async (principal) =>
      tokens && options.modelTokens ? exhausted('model_tokens', tokens, principal, options.modelTokens.budget) : ALLOW,
    chargeModelTokens: async (principal, used, key) => {
      if (!tokens || used <= 0) return;
      if (key !== undefined && (await chargedBefore(principal, key))) return;
      try {
        await tokens.penalty(principal, Math.ceil(used));
      } catch (error) {
        options.onStoreError?.(error);
      }
    },
  };
}

function refuse(limit: RateLimitName, msBeforeNext: number): RateLimitDecision {
  return { allowed: false, limit, retryAfterSeconds: Math.max(1, Math.ceil(msBeforeNext / 1000)) };
}

/** Options of {@link createRedisClient}. */
export interface RedisClientOptions {
  /** Longest wait for one command before the insurance limiter answers. Default 500 ms. */
  readonly commandTimeoutMs?: number;
  /** Told about connection errors (at most once per second, so an outage does not flood the log). */
  readonly onError?: (error: Error) => void;
}

/**
 * A Redis client for rate limiting: commands fail at once while disconnected (no offline queue) and time out
 * quickly, so a Redis outage costs a request nothing but a fall-back to in-memory counting.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): RateLimitRedis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let lastReport = 0;
  client.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastReport < 1000) return;
    lastReport = now;
    options.onError?.(error);
  });
  return client;
}

/**
 * Resolves once the client is connected, or after `timeoutMs` at the latest: a server waits this long at start
 * so that its first requests are counted in Redis with the other replicas, not in its local insurance limiter.
 * Never rejects; a Redis that is down is the insurance limiter's business.
 */
export function redisReady(client: RateLimitRedis, timeoutMs = 2000): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    client.once('ready', onReady);
  });
}
