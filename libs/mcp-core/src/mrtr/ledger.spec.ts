// The ledgers of used requestState ids, on each store: in memory, the real Redis server (a key prefix of this
// file's own) and PostgreSQL (the real test server, in a throwaway database). Each id is claimed once, by one of
// several concurrent claimers.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type SqlClient } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { createPgSqlClient } from '@agent-mcp/store';
import {
  InMemoryRequestStateLedger,
  RedisRequestStateLedger,
  type RequestStateLedger,
  SqlRequestStateLedger,
} from './ledger';

jest.setTimeout(30_000);

const prefix = `spec:request-state:${process.pid}:`;
let redis: Redis;
let db: ThrowawayDatabase;
let sql: SqlClient;

beforeAll(async () => {
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  db = await createThrowawayDatabase({ prefix: 'tledger' });
  sql = createPgSqlClient({ connectionString: db.url });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await sql?.close();
  await db?.drop();
});

const ledgers: Array<[string, () => RequestStateLedger]> = [
  ['in memory', () => new InMemoryRequestStateLedger()],
  ['Redis', () => new RedisRequestStateLedger({ redis, prefix })],
  ['PostgreSQL', () => new SqlRequestStateLedger({ sql })],
];

describe.each(ledgers)('%s ledger', (_name, make) => {
  it('grants the first claim of an id and refuses the next', async () => {
    const ledger = make();
    const id = randomUUID();
    await expect(ledger.claim(id, Date.now() + 60_000)).resolves.toBe(true);
    await expect(ledger.claim(id, Date.now() + 60_000)).resolves.toBe(false);
    await expect(ledger.claim(randomUUID(), Date.now() + 60_000)).resolves.toBe(true);
  });

  it('grants exactly one of many concurrent claims, from two instances sharing the store', async () => {
    const [a, b] = [make(), make()];
    const id = randomUUID();
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).claim(id, Date.now() + 60_000)),
    );
    const granted = claims.filter(Boolean).length;
    // Two in-memory ledgers share nothing: each grants once. The shared stores grant once in all.
    expect(granted).toBe(_name === 'in memory' ? 2 : 1);
  });
});

describe('InMemoryRequestStateLedger', () => {
  it('stays within its bound, dropping the oldest ids first', async () => {
    const ledger = new InMemoryRequestStateLedger({ maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) await ledger.claim(id, Date.now() + 60_000);
    await expect(ledger.claim('d', Date.now() + 60_000)).resolves.toBe(false);
    await expect(ledger.claim('a', Date.now() + 60_000)).resolves.toBe(true);
  });
});
