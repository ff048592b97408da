// The ledger of used requestState ids of one process (the shared one, in the application database, is
// @agent-mcp/store's SqlRequestStateLedger, checked there): each id is claimed once.
import { randomUUID } from 'node:crypto';
import { InMemoryRequestStateLedger, type RequestStateLedger } from './ledger';

const ledgers: Array<[string, () => RequestStateLedger]> = [['in memory', () => new InMemoryRequestStateLedger()]];

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
