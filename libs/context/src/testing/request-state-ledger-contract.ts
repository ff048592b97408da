import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

/**
 * A ledger of used request-state ids, as `@agent-mcp/mcp-core`'s `RequestStateLedger` port declares it (restated
 * here by shape: this package knows no MCP code, and both the port's implementations can reach it).
 */
export interface ClaimLedger {
  /** Records `id` as used until `expiresAt` (epoch ms): true the first time, false on any later claim. */
  claim(id: string, expiresAt: number): Promise<boolean>;
}

/** One behaviour of the contract: its name for the test, and the check, which throws an `AssertionError` on failure. */
export interface ContractCase {
  readonly name: string;
  run(): Promise<void>;
}

/** Options of {@link requestStateLedgerContract}. */
export interface RequestStateLedgerContractOptions {
  /**
   * Whether two ledgers from `make` share their store (two replicas on one database): then of concurrent claims of
   * one id through both, one is granted in all; two unshared ledgers (one process each) grant one each.
   */
  readonly shared: boolean;
}

/**
 * The behaviour every request-state ledger has, written once and run against each implementation (the in-memory
 * one and the application database's), with no test framework of its own: run each case as a test.
 *
 * @example
 * it.each(requestStateLedgerContract(() => new SqlRequestStateLedger({ sql }), { shared: true }).map((c) => [c.name, c]))(
 *   '%s',
 *   (_name, c) => c.run(),
 * );
 */
export function requestStateLedgerContract(
  make: () => ClaimLedger,
  { shared }: RequestStateLedgerContractOptions,
): ContractCase[] {
  const inAMinute = () => Date.now() + 60_000;
  return [
    {
      name: 'grants the first claim of an id and refuses the next',
      async run() {
        const ledger = make();
        const id = randomUUID();
        assert.equal(await ledger.claim(id, inAMinute()), true);
        assert.equal(await ledger.claim(id, inAMinute()), false);
        assert.equal(await ledger.claim(randomUUID(), inAMinute()), true);
      },
    },
    {
      name: shared
        ? 'grants exactly one of many concurrent claims, from two instances sharing the store'
        : 'grants one of many concurrent claims per instance, two instances sharing nothing',
      async run() {
        const [a, b] = [make(), make()];
        const id = randomUUID();
        const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).claim(id, inAMinute())));
        assert.equal(claims.filter(Boolean).length, shared ? 1 : 2);
      },
    },
  ];
}
