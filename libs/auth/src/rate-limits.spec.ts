// Rate limits with rate-limiter-flexible: in memory, shared through the real Redis at 127.0.0.1:6379 (unique
// key prefix per run), and falling back to in-memory counting when Redis dies, never throwing.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { createRateLimits, createRedisClient, type RateLimitRedis, type RateLimitsOptions } from './rate-limits';

const PREFIX = `test:auth:rl:${randomBytes(4).toString('hex')}:`;
const base: RateLimitsOptions = {
  windowSeconds: 60,
  ipPoints: 0,
  authFailurePoints: 0,
  principalPoints: 0,
  toolPoints: 0,
};

describe('rate limits in memory', () => {
  it('refuses call N+1 in a window with a whole-second Retry-After, and allows again after it', async () => {
    const limits = createRateLimits({ ...base, windowSeconds: 1, principalPoints: 3 });
    for (let i = 0; i < 3; i++) expect(await limits.checkPrincipal('t:alice')).toEqual({ allowed: true });
    const refused = await limits.checkPrincipal('t:alice');
    expect(refused).toEqual({ allowed: false, limit: 'principal', retryAfterSeconds: 1 });
    expect(await limits.checkPrincipal('t:bob')).toEqual({ allowed: true });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await limits.checkPrincipal('t:alice')).toEqual({ allowed: true });
  });

  it("limits each tool per principal, with a tool's own limit from the policy", async () => {
    const limits = createRateLimits({
      ...base,
      toolPoints: 2,
      toolLimit: (tool) => (tool === 'research' ? { points: 1, windowSeconds: 30 } : undefined),
    });
    expect((await limits.checkTool('a', 'research')).allowed).toBe(true);
    expect(await limits.checkTool('a', 'research')).toMatchObject({
      allowed: false,
      limit: 'tool',
      retryAfterSeconds: 30,
    });
    expect((await limits.checkTool('a', 'echo')).allowed).toBe(true);
    expect((await limits.checkTool('a', 'echo')).allowed).toBe(true);
    expect((await limits.checkTool('a', 'echo')).allowed).toBe(false);
    expect((await limits.checkTool('b', 'research')).allowed).toBe(true);
  });

  it('counts refused credentials per address and only reads when checking', async () => {
    const limits = createRateLimits({ ...base, authFailurePoints: 2 });
    expect(await limits.checkAuthFailures('10.0.0.1')).toEqual({ allowed: true });
    await limits.recordAuthFailure('10.0.0.1');
    expect(await limits.checkAuthFailures('10.0.0.1')).toEqual({ allowed: true });
    await limits.recordAuthFailure('10.0.0.1');
    expect(await limits.checkAuthFailures('10.0.0.1')).toMatchObject({ allowed: false, limit: 'auth_failures' });
    expect(await limits.checkAuthFailures('10.0.0.2')).toEqual({ allowed: true });
  });

  it('keeps a budget of model tokens per principal', async () => {
    const limits = createRateLimits({ ...base, modelTokens: { budget: 1000, windowSeconds: 60 } });
    await limits.chargeModelTokens('a', 600);
    expect(await limits.checkModelTokens('a')).toEqual({ allowed: true });
    await limits.chargeModelTokens('a', 500);
    expect(await limits.checkModelTokens('a')).toMatchObject({ allowed: false, limit: 'model_tokens' });
  });

  it('charges a keyed charge once per key: a run replayed after a crash is not charged twice', async () => {
    const limits = createRateLimits({ ...base, modelTokens: { budget: 1000, windowSeconds: 60 } });
    await limits.chargeModelTokens('a', 600, 'run:r1');
    await limits.chargeModelTokens('a', 600, 'run:r1');
    expect(await limits.checkModelTokens('a')).toEqual({ allowed: true });
    // Another run, and the same key of another principal, are charges of their own.
    await limits.chargeModelTokens('b', 600, 'run:r1');
    expect(await limits.checkModelTokens('b')).toEqual({ allowed: true });
    await limits.chargeModelTokens('a', 600, 'run:r2');
    expect(await limits.checkModelTokens('a')).toMatchObject({ allowed: false, limit: 'model_tokens' });
  });
});

describe('rate limits in Redis', () => {
  const clients: RateLimitRedis[] = [];
  afterAll(async () => {
    const cleanup = new Redis('redis://127.0.0.1:6379');
    await new Promise((r) => cleanup.once('ready', r));
    const keys = await cleanup.keys(`${PREFIX}*`);
    if (keys.length > 0) await cleanup.del(...keys);
    cleanup.disconnect();
    for (const c of clients) c.disconnect();
  });

  const client = async (url: string) => {
    const c = createRedisClient(url);
    clients.push(c);
    await new Promise((r, j) => {
      c.once('ready', r);
      setTimeout(() => j(new Error('redis not ready')), 5000).unref();
    });
    return c;
  };

  it('shares counts between two replicas', async () => {
    const prefix = `${PREFIX}shared:`;
    const a = createRateLimits({
      ...base,
      principalPoints: 4,
      redis: await client('redis://127.0.0.1:6379'),
      keyPrefix: prefix,
    });
    const b = createRateLimits({
      ...base,
      principalPoints: 4,
      redis: await client('redis://127.0.0.1:6379'),
      keyPrefix: prefix,
    });
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push((await a.checkPrincipal('x')).allowed, (await b.checkPrincipal('x')).allowed);
    expect(answers).toEqual([true, true, true, true, false, false]);
  });

  it('falls back to in-memory counting when Redis dies, without an error', async () => {
    const redis = await startRedis();
    try {
      const errors: unknown[] = [];
      const limits = createRateLimits({
        ...base,
        principalPoints: 5,
        redis: await client(redis.url),
        keyPrefix: `${PREFIX}down:`,
        onStoreError: (e) => errors.push(e),
      });
      for (let i = 0; i < 3; i++) expect((await limits.checkPrincipal('y')).allowed).toBe(true);
      redis.process.kill('SIGKILL');
      await new Promise((r) => redis.process.once('exit', r));
      const started = Date.now();
      const after = [];
      for (let i = 0; i < 6; i++) after.push((await limits.checkPrincipal('y')).allowed);
      // The insurance limiter counts from zero on this replica: five more, then refused.
      expect(after).toEqual([true, true, true, true, true, false]);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(errors).toEqual([]);
    } finally {
      redis.process.kill('SIGKILL');
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A throw-away redis-server of our own, so that stopping it disturbs nobody else's tests. */
async function startRedis(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const probe = createRedisClient(url);
  try {
    await new Promise((resolve, reject) => {
      probe.once('ready', resolve);
      setTimeout(() => reject(new Error('own redis-server did not start')), 5000).unref();
    });
  } finally {
    probe.disconnect();
  }
  return { url, process: child };
}
