import { InMemoryThreadStore, type Principal } from '@agent-mcp/context';
import { openThreadTurn, ThreadNotFoundError } from './thread-turns';

const alice: Principal = { id: 'alice', tenantId: 't1', scopes: [], via: 'api_key' };
const bob: Principal = { id: 'bob', tenantId: 't1', scopes: [], via: 'api_key' };

describe('openThreadTurn', () => {
  it('starts a thread, then continues it with the earlier turns before the new message', async () => {
    const threads = new InMemoryThreadStore();
    const first = await openThreadTurn(
      { threads, principal: alice },
      undefined,
      'How many orders in March?',
      'database_query',
    );
    expect(first?.input).toBe('How many orders in March?');
    await first?.record('42 orders.');

    const second = await openThreadTurn(
      { threads, principal: alice },
      first?.threadId,
      'And in April?',
      'database_query',
    );
    expect(second?.threadId).toBe(first?.threadId);
    expect(second?.input).toEqual([
      { type: 'message', role: 'user', content: 'How many orders in March?' },
      { type: 'message', role: 'assistant', content: '42 orders.' },
      { type: 'message', role: 'user', content: 'And in April?' },
    ]);
  });

  it('refuses another principal’s thread exactly like a missing one', async () => {
    const threads = new InMemoryThreadStore();
    const mine = await openThreadTurn({ threads, principal: alice }, undefined, 'secret', 'research');
    await mine?.record('noted');
    await expect(openThreadTurn({ threads, principal: bob }, mine?.threadId, 'show me', 'research')).rejects.toEqual(
      new ThreadNotFoundError(mine?.threadId as string),
    );
    await expect(
      openThreadTurn({ threads, principal: bob }, 'no-such-thread', 'show me', 'research'),
    ).rejects.toBeInstanceOf(ThreadNotFoundError);
  });

  it('records a run executed twice (resumed after a crash) once, in one thread, with its write key', async () => {
    const threads = new InMemoryThreadStore();
    const ids: Array<string | undefined> = [];
    for (const execution of [1, 2]) {
      const turn = await openThreadTurn(
        { threads, principal: alice },
        undefined,
        'Top customer?',
        'database_query',
        'run:r1',
      );
      ids.push(await turn?.record(`Acme (execution ${execution}).`));
    }
    expect(ids[1]).toBe(ids[0]);
    const thread = await threads.get(ids[0] as string, 't1:alice');
    expect(thread?.messages.map((m) => m.text)).toEqual(['Top customer?', 'Acme (execution 1).']);
    expect((await threads.list('t1:alice', { limit: 10 })).threads).toHaveLength(1);
  });

  it('keeps no thread where the server has no store', async () => {
    expect(await openThreadTurn({ principal: alice }, undefined, 'hello', 'research')).toBeUndefined();
  });
});
