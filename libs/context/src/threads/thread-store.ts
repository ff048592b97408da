import { ContextError } from '../errors';
/**
 * Threads: the seed's conversation and memory, made to last. An agent tool call returns a `threadId`; passing
 * it back continues the conversation with its history. Threads belong to one principal (and so one tenant):
 * another caller's thread is indistinguishable from a missing one.
 */

/** One message of a thread. */
export interface ThreadMessage {
  readonly role: 'user' | 'assistant';
  /** The text as the user wrote it or the agent answered it. */
  readonly text: string;
  /** Which tool call added it (`database_query`, `research`...). */
  readonly tool?: string;
  readonly at: Date;
}

/** A thread without its messages. */
export interface ThreadSummary {
  readonly threadId: string;
  /** Key of the principal that owns it (`principalKey`). */
  readonly owner: string;
  /** The first user message, shortened: what the thread is about. */
  readonly title: string;
  /** Messages kept. */
  readonly messageCount: number;
  /** Older messages dropped by the length rule (see {@link ThreadLimits}). */
  readonly droppedCount: number;
  /** The thread this one was forked from. */
  readonly forkedFrom?: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A thread with its messages, oldest first. */
export interface Thread extends ThreadSummary {
  readonly messages: readonly ThreadMessage[];
}

/**
 * The length rule, documented for users: a thread keeps its last `maxMessages` messages and at most
 * `maxTextBytes` of text; older messages are dropped (counted in `droppedCount`), oldest first, so a
 * continued conversation always sees its most recent turns.
 */
export interface ThreadLimits {
  /** Default 50. */
  readonly maxMessages: number;
  /** Default 256 KiB. */
  readonly maxTextBytes: number;
  /** Longest single message kept, in characters; longer ones are cut with a note. Default 32 000. */
  readonly maxMessageChars: number;
}

export const DEFAULT_THREAD_LIMITS: ThreadLimits = Object.freeze({
  maxMessages: 50,
  maxTextBytes: 256 * 1024,
  maxMessageChars: 32_000,
});

/** A page of threads, most recently updated first. */
export interface ThreadPage {
  readonly threads: readonly ThreadSummary[];
  readonly nextCursor?: string;
}

/**
 * Makes a write happen once: a run that may be executed again (an agent run resumed on another replica after a
 * crash replays its steps) passes the same key each time, and the store does the write only the first time.
 */
export interface ThreadWriteOptions {
  /** The write's key, unique per owner (`create`) or per thread (`append`), e.g. `run:<runId>`. At most 200 characters. */
  readonly key?: string;
}

/** Where threads live: in memory for one process, or PostgreSQL (`SqlThreadStore`). */
export interface ThreadStore {
  /**
   * Starts an empty thread for `owner`. With `options.key`, a thread the same owner already created with that key
   * (and has not deleted) is returned instead of a new one.
   */
  create(owner: string, options?: ThreadWriteOptions): Promise<ThreadSummary>;
  /** The thread with its messages, or undefined when unknown or someone else's. */
  get(threadId: string, owner: string): Promise<Thread | undefined>;
  /**
   * Adds messages at the end and applies the length rule. Returns the updated summary, or undefined when the
   * thread is unknown or someone else's. With `options.key`, messages already appended to this thread with that key
   * are not appended again (the summary is returned as it is).
   */
  append(
    threadId: string,
    owner: string,
    messages: readonly Omit<ThreadMessage, 'at'>[],
    options?: ThreadWriteOptions,
  ): Promise<ThreadSummary | undefined>;
  /** The owner's threads, most recently updated first. */
  list(owner: string, options: { readonly cursor?: string; readonly limit: number }): Promise<ThreadPage>;
  /** A new thread of the same owner with a copy of the messages; undefined when the source is not theirs. */
  fork(threadId: string, owner: string): Promise<ThreadSummary | undefined>;
  /** Deletes the thread; false when it was unknown or someone else's. */
  delete(threadId: string, owner: string): Promise<boolean>;
}

/** A `thread_list` cursor the store did not issue. */
export class InvalidThreadCursorError extends ContextError {
  readonly code = 'THREAD_CURSOR_INVALID';
  constructor() {
    super('Invalid cursor');
  }
}

/** A thread write key ({@link ThreadWriteOptions}) that is empty or longer than 200 characters. */
export class InvalidThreadWriteKeyError extends ContextError {
  readonly code = 'THREAD_WRITE_KEY_INVALID';
  constructor() {
    super('A thread write key must have 1 to 200 characters');
  }
}

/** Throws {@link InvalidThreadWriteKeyError} unless `key` has 1 to 200 characters (stores keep it in a primary key). */
export function checkThreadWriteKey(key: string): void {
  if (key.length === 0 || key.length > 200) throw new InvalidThreadWriteKeyError();
}

/** Cuts a message to the limit, saying so. */
export function clampMessage(text: string, limits: ThreadLimits): string {
  if (text.length <= limits.maxMessageChars) return text;
  return `${text.slice(0, limits.maxMessageChars)}\n[... ${text.length - limits.maxMessageChars} more characters not kept]`;
}

/** How many of the oldest `messages` the length rule drops. */
export function messagesToDrop(messages: readonly { readonly text: string }[], limits: ThreadLimits): number {
  let drop = Math.max(0, messages.length - limits.maxMessages);
  let bytes = 0;
  for (let i = drop; i < messages.length; i++) bytes += Buffer.byteLength((messages[i] as { text: string }).text);
  while (bytes > limits.maxTextBytes && drop < messages.length - 1) {
    bytes -= Buffer.byteLength((messages[drop] as { text: string }).text);
    drop++;
  }
  return drop;
}

/** A thread's title from its first user message. */
export function titleOf(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

export function encodeThreadCursor(seq: number | string): string {
  return Buffer.from(`thread:${String(seq)}`).toString('base64url');
}

export function decodeThreadCursor(cursor: string): string {
  const match = /^thread:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidThreadCursorError();
  return match[1] as string;
}

interface MemoryThread {
  summary: ThreadSummary;
  messages: ThreadMessage[];
  /** Update order, for stable most-recent-first pages. */
  seq: number;
  /** Keys of the keyed appends made to it. */
  readonly appendKeys: Set<string>;
}

/** Options of {@link InMemoryThreadStore}. */
export interface InMemoryThreadStoreOptions {
  readonly limits?: Partial<ThreadLimits>;
  /** Most threads kept in all; the least recently updated go first. Default 10 000. */
  readonly maxThreads?: number;
}

/** Threads in this process's memory (the stdio default when no database is configured). */
export class InMemoryThreadStore implements ThreadStore {
  private readonly threads = new Map<string, MemoryThread>();
  /** `owner\nkey` of a keyed create -> the thread it made. */
  private readonly createKeys = new Map<string, string>();
  private readonly limits: ThreadLimits;
  private readonly maxThreads: number;
  private nextSeq = 1;

  constructor(options: InMemoryThreadStoreOptions = {}) {
    this.limits = { ...DEFAULT_THREAD_LIMITS, ...options.limits };
    this.maxThreads = options.maxThreads ?? 10_000;
  }

  async create(owner: string, options: ThreadWriteOptions = {}): Promise<ThreadSummary> {
    if (options.key === undefined) return this.createThread(owner);
    checkThreadWriteKey(options.key);
    const keyed = `${owner}\n${options.key}`;
    const earlier = this.mine(this.createKeys.get(keyed) ?? '', owner);
    if (earlier) return earlier.summary;
    const created = this.createThread(owner);
    this.createKeys.set(keyed, created.threadId);
    // Bounded like the threads: the oldest key goes first (its thread is the likeliest to be gone already).
    if (this.createKeys.size > this.maxThreads) this.createKeys.delete(this.createKeys.keys().next().value as string);
    return created;
  }

  private createThread(owner: string, forkedFrom?: string): ThreadSummary {
    if (this.threads.size >= this.maxThreads) {
      const oldest = [...this.threads.values()].sort((a, b) => a.seq - b.seq)[0];
      if (oldest) this.threads.delete(oldest.summary.threadId);
    }
    const now = new Date();
    const summary: ThreadSummary = {
      threadId: globalThis.crypto.randomUUID(),
      owner,
      title: '',
      messageCount: 0,
      droppedCount: 0,
      ...(forkedFrom ? { forkedFrom } : {}),
      createdAt: now,
      updatedAt: now,
    };
    this.threads.set(summary.threadId, { summary, messages: [], seq: this.nextSeq++, appendKeys: new Set() });
    return summary;
  }

  async get(threadId: string, owner: string): Promise<Thread | undefined> {
    const thread = this.mine(threadId, owner);
    return thread ? { ...thread.summary, messages: [...thread.messages] } : undefined;
  }

  async append(
    threadId: string,
    owner: string,
    messages: readonly Omit<ThreadMessage, 'at'>[],
    options: ThreadWriteOptions = {},
  ): Promise<ThreadSummary | undefined> {
    const thread = this.mine(threadId, owner);
    if (!thread) return undefined;
    if (options.key !== undefined) {
      checkThreadWriteKey(options.key);
      if (thread.appendKeys.has(options.key)) return thread.summary;
      thread.appendKeys.add(options.key);
    }
    const now = new Date();
    const all = [
      ...thread.messages,
      ...messages.map((m) => ({ ...m, text: clampMessage(m.text, this.limits), at: now })),
    ];
    const drop = messagesToDrop(all, this.limits);
    thread.messages = all.slice(drop);
    const firstUser = thread.summary.title || titleOf(all.find((m) => m.role === 'user')?.text ?? '');
    thread.summary = {
      ...thread.summary,
      title: firstUser,
      messageCount: thread.messages.length,
      droppedCount: thread.summary.droppedCount + drop,
      updatedAt: now,
    };
    thread.seq = this.nextSeq++;
    return thread.summary;
  }

  async list(owner: string, { cursor, limit }: { cursor?: string; limit: number }): Promise<ThreadPage> {
    const before = cursor === undefined ? Number.POSITIVE_INFINITY : Number(decodeThreadCursor(cursor));
    const mine = [...this.threads.values()]
      .filter((t) => t.summary.owner === owner && t.seq < before)
      .sort((a, b) => b.seq - a.seq);
    const page = mine.slice(0, limit);
    const last = page.at(-1);
    return {
      threads: page.map((t) => t.summary),
      ...(mine.length > limit && last ? { nextCursor: encodeThreadCursor(last.seq) } : {}),
    };
  }

  async fork(threadId: string, owner: string): Promise<ThreadSummary | undefined> {
    const source = this.mine(threadId, owner);
    if (!source) return undefined;
    const copy = this.createThread(owner, threadId);
    const thread = this.threads.get(copy.threadId) as MemoryThread;
    thread.messages = [...source.messages];
    thread.summary = {
      ...copy,
      title: source.summary.title,
      messageCount: source.messages.length,
      droppedCount: source.summary.droppedCount,
    };
    return thread.summary;
  }

  async delete(threadId: string, owner: string): Promise<boolean> {
    return this.mine(threadId, owner) ? this.threads.delete(threadId) : false;
  }

  private mine(threadId: string, owner: string): MemoryThread | undefined {
    const thread = this.threads.get(threadId);
    return thread && thread.summary.owner === owner ? thread : undefined;
  }
}
