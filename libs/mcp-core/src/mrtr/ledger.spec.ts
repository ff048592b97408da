// The ledger of used requestState ids of one process: each id is claimed once (the contract every ledger keeps,
// run here as the shared one, @agent-mcp/store's SqlRequestStateLedger, runs it), and it stays within its bound.
import { requestStateLedgerContract } from '@agent-mcp/context/testing';
import { InMemoryRequestStateLedger } from './ledger';

describe('InMemoryRequestStateLedger', () => {
  // Two in-memory ledgers share nothing: each grants its own first claim.
  it.each(
    requestStateLedgerContract(() => new InMemoryRequestStateLedger(), { shared: false }).map((c) => [c.name, c]),
  )('%s', (_name, contractCase) => contractCase.run());

  it('stays within its bound, dropping the oldest ids first', async () => {
    const ledger = new InMemoryRequestStateLedger({ maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) await ledger.claim(id, Date.now() + 60_000);
    await expect(ledger.claim('d', Date.now() + 60_000)).resolves.toBe(false);
    await expect(ledger.claim('a', Date.now() + 60_000)).resolves.toBe(true);
  });
});
