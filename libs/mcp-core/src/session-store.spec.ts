// Shared session records: the in-memory and the Redis store (on the real Redis server) keep a session's
// record, push its expiry back on every read, refuse oversized records, and treat anything that does not
// validate as missing; a transport whose Redis is unreachable goes on serving the sessions it holds.
import { Redis } from 'ioredis';
import { Session } from './session';
import {
  applySessionRecord,
  InMemorySessionStore,
  MAX_SESSION_RECORD_BYTES,
  RedisSessionStore,
  type SessionRecord,
  sessionRecordOf,
  type SessionStore,
  SessionRecordTooLargeError,
} from './session-store';
import { sleep, startHttp, testServer } from './spec-helpers/clients';

const RECORD: SessionRecord = {
  v: 1,
  principal: { id: 'alice', tenantId: 'acme', scopes: ['tools:write'], via: 'oauth' },
  protocolVersion: '2025-11-25',
  clientCapabilities: { elicitation: {} },
  clientInfo: { name: 'client', version: '1.0.0' },
  initialized: true,
  logLevel: 'warning',
  subscriptions: ['db://tables/customers'],
};

describe('session records', () => {
  it('carry a session’s shareable state to another Session', () => {
    const from = new Session('s1', { kind: 'http' });
    applySessionRecord(from, RECORD);
    const to = new Session('s1', { kind: 'http' });
    applySessionRecord(to, sessionRecordOf(from));
    expect(sessionRecordOf(to)).toEqual(RECORD);
    expect(to.isSubscribed('db://tables/customers')).toBe(true);
  });
});

const prefix = `spec:sessions:${process.pid}:`;
// Wide against the reads' spacing: on a loaded machine a 300 ms sleep has taken longer than a 300 ms TTL.
const TTL_MS = 1500;
const stores: Array<
  [
    string,
    () => { store: SessionStore; raw?: (id: string, text: string) => Promise<unknown>; done: () => Promise<void> },
  ]
> = [
  ['in memory', () => ({ store: new InMemorySessionStore({ ttlMs: TTL_MS }), done: async () => undefined })],
  [
    'Redis',
    () => {
      const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
      return {
        store: new RedisSessionStore({ redis, prefix, ttlMs: TTL_MS }),
        raw: (id, text) => redis.set(prefix + id, text),
        done: async () => {
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length) await redis.del(...keys);
          redis.disconnect();
        },
      };
    },
  ],
];

describe.each(stores)('%s session store', (_name, make) => {
  let subject: ReturnType<(typeof stores)[number][1]>;
  beforeEach(() => {
    subject = make();
  });
  afterEach(() => subject.done());

  it('reads back what was saved, and forgets it when deleted', async () => {
    await subject.store.save('s1', RECORD);
    expect(await subject.store.get('s1')).toEqual(RECORD);
    await subject.store.delete('s1');
    expect(await subject.store.get('s1')).toBeUndefined();
  });

  it('expires a record unused for its TTL, and a read counts as use', async () => {
    await subject.store.save('s2', RECORD);
    await subject.store.save('s3', RECORD);
    // Read every 300 ms for longer than the TTL: the read one stays, the other expires.
    for (let i = 0; i < 6; i++) {
      await sleep(300);
      expect(await subject.store.get('s2')).toBeDefined();
    }
    expect(await subject.store.get('s3')).toBeUndefined();
  });

  it('refuses a record over the size limit', async () => {
    const huge = { ...RECORD, clientInfo: { name: 'x'.repeat(MAX_SESSION_RECORD_BYTES), version: '1' } };
    await expect(subject.store.save('s4', huge)).rejects.toBeInstanceOf(SessionRecordTooLargeError);
  });

  it('treats a stored value that is not a valid record as missing', async () => {
    if (!subject.raw) return; // only a shared store can hold what another writer put there
    await subject.raw('s5', JSON.stringify({ ...RECORD, principal: { id: 'alice' } }));
    expect(await subject.store.get('s5')).toBeUndefined();
    await subject.raw('s6', 'not json');
    expect(await subject.store.get('s6')).toBeUndefined();
  });
});

describe('a transport whose Redis is unreachable', () => {
  it('serves the sessions it holds, answers 503 for others, and never crashes', async () => {
    // Nothing listens on port 1; commands fail at once instead of queueing.
    const redis = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    const http = await startHttp(testServer(), { sessionStore: new RedisSessionStore({ redis }) });
    try {
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const init = await fetch(http.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
        }),
      });
      expect(init.status).toBe(200);
      const sessionId = init.headers.get('mcp-session-id') as string;
      await init.text();
      const ping = await fetch(http.url, {
        method: 'POST',
        headers: { ...headers, 'mcp-session-id': sessionId },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
      });
      expect(ping.status).toBe(200);
      const other = await fetch(http.url, {
        method: 'POST',
        headers: { ...headers, 'mcp-session-id': 'elsewhere' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }),
      });
      expect(other.status).toBe(503);
      expect(other.headers.get('retry-after')).toBe('1');
    } finally {
      await http.close();
      redis.disconnect();
    }
  });
});
