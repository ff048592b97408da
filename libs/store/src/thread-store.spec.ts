// The thread store contract on both stores: in memory, and PostgreSQL (the real test server, in a database
// of this file's own) through createPgSqlClient.
import { randomBytes } from 'node:crypto';
import { createPgSqlClient } from './pg-sql-client';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { SqlThreadStore } from './sql-thread-store';
import {
  InMemoryThreadStore,
  InvalidThreadCursorError,
  InvalidThreadWriteKeyError,
  type SqlClient,
  type ThreadLimits,
  type ThreadStore,
} from '@agent-mcp/context';

jest.setTimeout(30_000);

let db: ThrowawayDatabase;
let sql: SqlClient;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'tthr' });
  sql = createPgSqlClient({ connectionString: db.url });
});
afterAll(async () => {
  await sql?.close();
  await db?.drop();
});

const limits: Partial<ThreadLimits> = { maxMessages: 4, maxTextBytes: 1000, maxMessageChars: 300 };
const user = (text: string) => ({ role: 'user' as const, text, tool: 'research' });
const assistant = (text: string) => ({ role: 'assistant' as const, text, tool: 'research' });

describe.each([
  ['in memory', () => new InMemoryThreadStore({ limits })],
  ['PostgreSQL', () => new SqlThreadStore({ sql, schema: `s_${randomBytes(4).toString('hex')}`, limits })],
])('thread store (%s)', (_name, make: () => ThreadStore) => {
  let store: ThreadStore;
  beforeEach(() => {
    store = make();
  });

  it('keeps a conversation in order, titled by its first question', async () => {
    const { threadId } = await store.create('t1:alice');
    await store.append(threadId, 't1:alice', [user('What were  our refunds in March?'), assistant('42 refunds.')]);
    await store.append(threadId, 't1:alice', [user('And in April?'), assistant('17.')]);
    const thread = await store.get(threadId, 't1:alice');
    expect(thread).toMatchObject({ title: 'What were our refunds in March?', messageCount: 4, droppedCount: 0 });
    expect(thread?.messages.map((m) => `${m.role}:${m.text}`)).toEqual([
      'user:What were  our refunds in March?',
      'assistant:42 refunds.',
      'user:And in April?',
      'assistant:17.',
    ]);
    expect(thread?.messages[0]?.at).toBeInstanceOf(Date);
  });

  it('never shows, changes, forks or deletes a thread for another principal', async () => {
    const { threadId } = await store.create('t1:alice');
    await store.append(threadId, 't1:alice', [user('secret plans')]);
    for (const other of ['t1:bob', 't2:alice']) {
      expect(await store.get(threadId, other)).toBeUndefined();
      expect(await store.append(threadId, other, [user('injected')])).toBeUndefined();
      expect(await store.fork(threadId, other)).toBeUndefined();
      expect(await store.delete(threadId, other)).toBe(false);
      expect((await store.list(other, { limit: 10 })).threads).toEqual([]);
    }
    expect((await store.get(threadId, 't1:alice'))?.messages.map((m) => m.text)).toEqual(['secret plans']);
  });

  it('drops the oldest messages past the count and byte limits, and cuts an over-long message', async () => {
    const { threadId } = await store.create('t1:alice');
    for (let i = 1; i <= 3; i++) await store.append(threadId, 't1:alice', [user(`q${i}`), assistant(`a${i}`)]);
    await store.append(threadId, 't1:alice', [user('x'.repeat(500))]);
    const thread = await store.get(threadId, 't1:alice');
    expect(thread?.messages.map((m) => m.text.slice(0, 3))).toEqual(['a2', 'q3', 'a3', 'xxx']);
    expect(thread?.messages[3]?.text).toMatch(/\[\.\.\. 200 more characters not kept\]$/);
    expect(thread).toMatchObject({ messageCount: 4, droppedCount: 3, title: 'q1' });
    // Two cut messages of ~340 bytes pass the 1000-byte limit with everything before them: only the newest stays.
    await store.append(threadId, 't1:alice', [assistant('y'.repeat(500)), user('z'.repeat(500))]);
    const after = await store.get(threadId, 't1:alice');
    expect(after?.messages.map((m) => m.text.slice(0, 3))).toEqual(['yyy', 'zzz']);
    expect(after).toMatchObject({ messageCount: 2, droppedCount: 7 });
  });

  it('forks a thread into an independent copy', async () => {
    const { threadId } = await store.create('t1:alice');
    await store.append(threadId, 't1:alice', [user('q1'), assistant('a1')]);
    const fork = await store.fork(threadId, 't1:alice');
    expect(fork).toMatchObject({ forkedFrom: threadId, messageCount: 2, title: 'q1' });
    await store.append(fork?.threadId as string, 't1:alice', [user('only in the fork')]);
    expect((await store.get(threadId, 't1:alice'))?.messageCount).toBe(2);
    expect((await store.get(fork?.threadId as string, 't1:alice'))?.messages.at(-1)?.text).toBe('only in the fork');
  });

  it('lists the most recently used first, a page at a time, and forgets deleted threads', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await store.create('t1:alice')).threadId);
    await store.append(ids[0] as string, 't1:alice', [user('bump')]);
    const first = await store.list('t1:alice', { limit: 2 });
    expect(first.threads.map((t) => t.threadId)).toEqual([ids[0], ids[2]]);
    const second = await store.list('t1:alice', { limit: 2, cursor: first.nextCursor });
    expect(second.threads.map((t) => t.threadId)).toEqual([ids[1]]);
    expect(second.nextCursor).toBeUndefined();
    expect(await store.delete(ids[1] as string, 't1:alice')).toBe(true);
    expect(await store.get(ids[1] as string, 't1:alice')).toBeUndefined();
    await expect(store.list('t1:alice', { limit: 2, cursor: 'garbage' })).rejects.toBeInstanceOf(
      InvalidThreadCursorError,
    );
  });

  it('keeps both turns when two calls continue one thread at once', async () => {
    const { threadId } = await store.create('t1:alice');
    await Promise.all([
      store.append(threadId, 't1:alice', [user('one')]),
      store.append(threadId, 't1:alice', [user('two')]),
    ]);
    const texts = (await store.get(threadId, 't1:alice'))?.messages.map((m) => m.text).sort();
    expect(texts).toEqual(['one', 'two']);
  });

  it('creates one thread per owner and key, even when the creators race, and a new one once it is deleted', async () => {
    const [first, second] = await Promise.all([
      store.create('t1:alice', { key: 'run:1' }),
      store.create('t1:alice', { key: 'run:1' }),
    ]);
    expect(second?.threadId).toBe(first?.threadId);
    // The key is the owner's: another principal's same key is another thread.
    expect((await store.create('t1:bob', { key: 'run:1' })).threadId).not.toBe(first?.threadId);
    await store.delete(first?.threadId as string, 't1:alice');
    expect((await store.create('t1:alice', { key: 'run:1' })).threadId).not.toBe(first?.threadId);
  });

  it('appends once per key, even when the appends race', async () => {
    const { threadId } = await store.create('t1:alice');
    await Promise.all([
      store.append(threadId, 't1:alice', [user('q'), assistant('a')], { key: 'run:7' }),
      store.append(threadId, 't1:alice', [user('q'), assistant('a')], { key: 'run:7' }),
    ]);
    const again = await store.append(threadId, 't1:alice', [user('q'), assistant('a')], { key: 'run:7' });
    expect(again?.messageCount).toBe(2);
    await store.append(threadId, 't1:alice', [user('next')], { key: 'run:8' });
    expect((await store.get(threadId, 't1:alice'))?.messages.map((m) => m.text)).toEqual(['q', 'a', 'next']);
  });

  it('refuses an empty or over-long write key', async () => {
    await expect(store.create('t1:alice', { key: '' })).rejects.toBeInstanceOf(InvalidThreadWriteKeyError);
    const { threadId } = await store.create('t1:alice');
    await expect(store.append(threadId, 't1:alice', [user('q')], { key: 'k'.repeat(201) })).rejects.toBeInstanceOf(
      InvalidThreadWriteKeyError,
    );
  });
});
