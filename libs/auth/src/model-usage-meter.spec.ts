// The model-token budget as tools see it, on the rate limiter's stores: per principal, and shared by replicas
// through the real Redis at 127.0.0.1:6379 (own key prefix per run).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { type Principal } from '@agent-mcp/context';
import { createModelUsageMeter } from './model-usage-meter';
import { createRateLimits, createRedisClient, type RateLimitsOptions } from './rate-limits';

const PREFIX = `test:auth:tokens:${randomBytes(4).toString('hex')}:`;
const base: RateLimitsOptions = {
  windowSeconds: 60,
  ipPoints: 0,
  authFailurePoints: 0,
  principalPoints: 0,
  toolPoints: 0,
};
const alice: Principal = { id: 'alice', tenantId: 'acme', scopes: [], via: 'oauth' };
const aliceElsewhere: Principal = { id: 'alice', tenantId: 'globex', scopes: [], via: 'oauth' };

describe('createModelUsageMeter', () => {
  it('refuses a principal past its budget with the seconds until the window frees, and no one else', async () => {
    const meter = createModelUsageMeter(
      createRateLimits({ ...base, modelTokens: { budget: 500, windowSeconds: 120 } }),
    );
    await meter.charge(alice, 499);
    expect(await meter.check(alice)).toEqual({ allowed: true });
    await meter.charge(alice, 2);
    const refused = await meter.check(alice);
    expect(refused.allowed).toBe(false);
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThan(100);
    // Same subject in another tenant is another principal.
    expect(await meter.check(aliceElsewhere)).toEqual({ allowed: true });
  });

  it('shares the budget between replicas on one Redis', async () => {
    const clients = [createRedisClient('redis://127.0.0.1:6379'), createRedisClient('redis://127.0.0.1:6379')];
    try {
      await Promise.all(clients.map((c) => new Promise((resolve) => c.once('ready', resolve))));
      const [a, b] = clients.map((redis) =>
        createModelUsageMeter(
          createRateLimits({ ...base, redis, keyPrefix: PREFIX, modelTokens: { budget: 300, windowSeconds: 60 } }),
        ),
      );
      await a.charge(alice, 200, 'run:r1');
      // The same run's charge on another replica (it resumed the run after a crash) is not counted again.
      await b.charge(alice, 200, 'run:r1');
      expect(await b.check(alice)).toEqual({ allowed: true });
      await b.charge(alice, 150);
      expect((await a.check(alice)).allowed).toBe(false);
      // The rate-limit clients expose no commands: the keys are cleared through a client of the test's own.
      const cleanup = new Redis('redis://127.0.0.1:6379');
      const keys = await cleanup.keys(`${PREFIX}*`);
      if (keys.length > 0) await cleanup.del(...keys);
      cleanup.disconnect();
    } finally {
      for (const c of clients) c.disconnect();
    }
  });
});
