/**
 * Where the ids of used `requestState` values are recorded until they expire, so that each opens once. Shared
 * by every replica that may receive a retry: `@agent-mcp/store`'s `SqlRequestStateLedger` keeps them in the
 * application database; {@link InMemoryRequestStateLedger} serves one process.
 */
export interface RequestStateLedger {
  /** Records `id` as used until `expiresAt` (epoch ms). Resolves true the first time, false on any later claim. */
  claim(id: string, expiresAt: number): Promise<boolean>;
}

/** Options of {@link InMemoryRequestStateLedger}. */
export interface InMemoryRequestStateLedgerOptions {
  /** Most ids held; past it the oldest are dropped (their states may then be replayed once). Default 100,000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** The ledger of one process: enough for stdio and a single HTTP replica. */
export class InMemoryRequestStateLedger implements RequestStateLedger {
  private readonly used = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: InMemoryRequestStateLedgerOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  async claim(id: string, expiresAt: number): Promise<boolean> {
    const now = this.now();
    const held = this.used.get(id);
    if (held !== undefined && held > now) return false;
    this.used.delete(id);
    this.used.set(id, expiresAt);
    if (this.used.size > this.maxEntries) this.prune(now);
    return true;
  }

  /** Drops expired ids, then the oldest claimed while still over the bound (insertion order). */
  private prune(now: number): void {
    for (const [id, expiresAt] of this.used) if (expiresAt <= now) this.used.delete(id);
    for (const id of this.used.keys()) {
      if (this.used.size <= this.maxEntries) break;
      this.used.delete(id);
    }
  }
}
