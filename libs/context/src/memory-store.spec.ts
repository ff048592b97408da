// Checks the in-process memory store: isolation, TTL, bounds.
import { InMemoryMemoryStore, MemoryValueTooLargeError } from './memory-store';

describe('InMemoryMemoryStore', () => {
  it('returns a copy, so a reader cannot mutate what another reads', async () => {
    const store = new InMemoryMemoryStore();
    await store.set('ns', 'k', { items: [1] });
    const first = await store.get<{ items: number[] }>('ns', 'k');
    first?.items.push(2);
    expect(await store.get('ns', 'k')).toEqual({ items: [1] });
  });

  it('keeps namespaces apart', async () => {
    const store = new InMemoryMemoryStore();
    await store.set('a', 'k', 1);
    await store.set('b', 'k', 2);
    expect(await store.get('a', 'k')).toBe(1);
    expect(await store.keys('b')).toEqual(['k']);
  });

  it('forgets an entry after its TTL', async () => {
    let now = 1000;
    const store = new InMemoryMemoryStore({ now: () => now });
    await store.set('ns', 'k', 'v', { ttlMs: 50 });
    now += 49;
    expect(await store.get('ns', 'k')).toBe('v');
    now += 1;
    expect(await store.get('ns', 'k')).toBeUndefined();
    expect(await store.keys('ns')).toEqual([]);
  });

  it('evicts the least recently written entry when full', async () => {
    const store = new InMemoryMemoryStore({ maxEntries: 2 });
    await store.set('ns', 'a', 1);
    await store.set('ns', 'b', 2);
    await store.set('ns', 'a', 3);
    await store.set('ns', 'c', 4);
    expect(await store.keys('ns')).toEqual(['a', 'c']);
    expect(store.size).toBe(2);
  });

  it('refuses a value larger than the limit', async () => {
    const store = new InMemoryMemoryStore({ maxValueBytes: 10 });
    await expect(store.set('ns', 'k', 'x'.repeat(20))).rejects.toBeInstanceOf(MemoryValueTooLargeError);
    expect(await store.get('ns', 'k')).toBeUndefined();
  });
});
