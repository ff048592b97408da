// Checks the request context: progress rules, lazy state, memory scoped to the principal.
import { noopLogger } from './logger';
import { InMemoryMemoryStore } from './memory-store';
import { type Principal } from './principal';
import {
  type ProgressUpdate,
  ProgressOrderError,
  createRequestContext,
  type RequestContextPorts,
} from './request-context';

function ports(overrides: Partial<RequestContextPorts> = {}): RequestContextPorts & { progress: ProgressUpdate[] } {
  const progress: ProgressUpdate[] = [];
  const principal: Principal = { id: 'alice', tenantId: 't1', scopes: [], via: 'api_key' };
  return {
    progress,
    requestId: 1,
    principal,
    signal: new AbortController().signal,
    logger: noopLogger,
    memory: new InMemoryMemoryStore(),
    listRoots: async () => [],
    sendProgress: async (u) => void progress.push(u),
    readResource: async () => [],
    sendLog: async () => undefined,
    ...overrides,
  };
}

describe('createRequestContext', () => {
  it('counts string progress steps up from one', async () => {
    const p = ports();
    const ctx = createRequestContext(p);
    await ctx.reportProgress('searching');
    await ctx.reportProgress('writing');
    expect(p.progress).toEqual([
      { progress: 1, message: 'searching' },
      { progress: 2, message: 'writing' },
    ]);
  });

  it('refuses progress that does not increase', async () => {
    const ctx = createRequestContext(ports());
    await ctx.reportProgress({ progress: 5, total: 10 });
    await expect(ctx.reportProgress({ progress: 5 })).rejects.toBeInstanceOf(ProgressOrderError);
  });

  it('scopes memory to tenant and principal', async () => {
    const memory = new InMemoryMemoryStore();
    const alice = createRequestContext(ports({ memory }));
    const bob = createRequestContext(
      ports({ memory, principal: { id: 'alice', tenantId: 't2', scopes: [], via: 'api_key' } }),
    );
    await alice.state.memory.set('note', 'secret');
    expect(await bob.state.memory.get('note')).toBeUndefined();
    expect(await alice.state.memory.get('note')).toBe('secret');
    expect(alice.state.auth.id).toBe('alice');
  });
});
