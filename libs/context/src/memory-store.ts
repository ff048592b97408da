import { ContextError } from './errors';
/**
 * Long-lived memory of agents, per principal. The in-process store below is the default; Redis and
 * PostgreSQL stores implement the same interface for servers with several replicas.
 */
export interface MemoryStore {
  get<T = unknown>(namespace: string, key: string): Promise<T | undefined>;
  set(namespace: string, key: string, value: unknown, options?: MemorySetOptions): Promise<void>;
  delete(namespace: string, key: string): Promise<boolean>;
  /** Keys of one namespace, oldest first. */
  keys(namespace: string): Promise<string[]>;
}

export interface MemorySetOptions {
  /** Time to live in milliseconds; the entry disappears after it. */
  readonly ttlMs?: number;
}

/** Options of {@link InMemoryMemoryStore}. */
export interface InMemoryMemoryStoreOptions {
  /** Most entries kept across all namespaces; the least recently written go first. Default 10 000. */
  readonly maxEntries?: number;
  /** Largest serialised value accepted, in bytes. Default 64 KiB. */
  readonly maxValueBytes?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/** Raised when a value is larger than the store accepts. */
export class MemoryValueTooLargeError extends ContextError {
  readonly code = 'MEMORY_VALUE_TOO_LARGE';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`Memory value of ${bytes} bytes exceeds the limit of ${limit} bytes`);
  }
}

interface Entry {
  readonly json: string;
  readonly expiresAt: number;
}

/**
 * A bounded in-process {@link MemoryStore}. Values are stored serialised, so a caller can never mutate
 * what another reads, and their size is known.
 */
export class InMemoryMemoryStore implements MemoryStore {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxValueBytes: number;
  private readonly now: () => number;

  constructor(options: InMemoryMemoryStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxValueBytes = options.maxValueBytes ?? 64 * 1024;
    this.now = options.now ?? Date.now;
  }

  async get<T = unknown>(namespace: string, key: string): Promise<T | undefined> {
    const id = entryId(namespace, key);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return JSON.parse(entry.json) as T;
  }

  async set(namespace: string, key: string, value: unknown, options: MemorySetOptions = {}): Promise<void> {
    const json = JSON.stringify(value ?? null);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxValueBytes) throw new MemoryValueTooLargeError(bytes, this.maxValueBytes);
    const id = entryId(namespace, key);
    // Re-insertion moves the key to the end, so Map order is write recency and eviction is O(1).
    this.entries.delete(id);
    this.entries.set(id, { json, expiresAt: options.ttlMs ? this.now() + options.ttlMs : Number.POSITIVE_INFINITY });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    return this.entries.delete(entryId(namespace, key));
  }

  async keys(namespace: string): Promise<string[]> {
    const prefix = `${namespace}\u0000`;
    const now = this.now();
    const keys: string[] = [];
    for (const [id, entry] of this.entries) {
      if (id.startsWith(prefix) && entry.expiresAt > now) keys.push(id.slice(prefix.length));
    }
    return keys;
  }

  /** Number of live entries, expired ones included until they are next touched. */
  get size(): number {
    return this.entries.size;
  }
}

function entryId(namespace: string, key: string): string {
  return `${namespace}\u0000${key}`;
}
