// Checks the sessions of the Streamable HTTP endpoint on their own (the HTTP round trips are in
// shared-sessions.spec.ts): a session opened on one replica is served by another from its record; what a request
// changed is written back; cancels and answers meant for another replica are routed there; DELETE ends it
// everywhere; a full table refuses with 503.
import { type Logger } from '@agent-mcp/context';
import { JsonRpcErrorCode } from '../../errors';
import { type McpServer } from '../../server';
import { InMemorySessionHub } from '../../session-bus';
import { InMemorySessionStore } from '../../session-store';
import { eventually, testServer } from '../../spec-helpers/clients';
import { Refusal } from './http-replies';
import { HttpSessions } from './http-sessions';
import { SharedStateGuard } from './shared-state';

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

function replica(
  server: McpServer,
  shared: { store?: InMemorySessionStore; hub?: InMemorySessionHub; replicaId?: string },
  maxSessions = 10,
): HttpSessions {
  return new HttpSessions({
    server,
    maxSessions,
    idleTimeoutMs: 60_000,
    store: shared.store,
    bus: shared.hub?.connect(shared.replicaId),
    shared: new SharedStateGuard({ timeoutMs: 500, logger: silent }),
  });
}

const INITIALIZED = { clientInfo: { name: 'c', version: '1' }, protocolVersion: '2025-11-25' };

describe('HttpSessions', () => {
  const open: HttpSessions[] = [];
  afterEach(() => {
    for (const sessions of open.splice(0)) sessions.close();
  });

  it('without a store, finds only the sessions it holds', async () => {
    const sessions = replica(testServer(), {});
    open.push(sessions);
    const session = sessions.open('s1', '127.0.0.1');
    expect(await sessions.find('s1', undefined)).toBeUndefined();
    sessions.add(session);
    expect(await sessions.find('s1', undefined)).toBe(session);
    expect(sessions.forwardOf(session, { jsonrpc: '2.0', method: 'notifications/cancelled' })).toBeUndefined();
    await sessions.end(session);
    expect(sessions.size).toBe(0);
    expect(session.closed).toBe(true);
  });

  it('refuses a new session with 503 when the table is full of busy sessions', () => {
    const sessions = replica(testServer(), {}, 1);
    open.push(sessions);
    const first = sessions.open('s1', undefined);
    sessions.add(first);
    sessions.streamOpened(first);
    let refused: unknown;
    try {
      sessions.open('s2', undefined);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(Refusal);
    expect(refused).toMatchObject({ status: 503, code: JsonRpcErrorCode.Unavailable, headers: { 'retry-after': '5' } });
  });

  it('serves a session opened on another replica from its record, and writes back what changed', async () => {
    const store = new InMemorySessionStore();
    const hub = new InMemorySessionHub();
    const a = replica(testServer(), { store, hub, replicaId: 'a' });
    const b = replica(testServer(), { store, hub, replicaId: 'b' });
    open.push(a, b);
    const opened = a.open('s1', undefined);
    a.add(opened);
    Object.assign(opened, INITIALIZED, { initialized: true });
    await a.persist(opened);
    expect(opened.serverRequestPrefix).toBe('srv-a-');

    const there = await b.find('s1', undefined);
    expect(there).toBeDefined();
    expect(there?.clientInfo).toEqual(INITIALIZED.clientInfo);
    expect(there?.serverRequestPrefix).toBe('srv-b-');
    expect(b.size).toBe(1);
    (there as NonNullable<typeof there>).logLevel = 'warning';
    await b.persist(there as NonNullable<typeof there>);
    expect((await store.get('s1'))?.logLevel).toBe('warning');
    expect((await a.find('s1', undefined))?.logLevel).toBe('warning');
  });

  it('routes a cancel of a call running elsewhere to every replica, and an answer to the replica that asked', async () => {
    const store = new InMemorySessionStore();
    const hub = new InMemorySessionHub();
    const a = replica(testServer(), { store, hub, replicaId: 'a' });
    open.push(a);
    const session = a.open('s1', undefined);
    const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'stop' } };
    expect(a.forwardOf(session, cancel)).toEqual({
      to: '*',
      message: { type: 'cancel', sessionId: 's1', requestId: 7, reason: 'stop' },
    });
    const answer = { jsonrpc: '2.0', id: 'srv-b-3', result: {} };
    expect(a.forwardOf(session, answer)).toMatchObject({ to: 'b', message: { type: 'response', sessionId: 's1' } });
    expect(a.forwardOf(session, { jsonrpc: '2.0', id: 'srv-a-3', result: {} })).toBeUndefined();
  });

  it('a DELETE on one replica ends the session on every replica and in the store', async () => {
    const store = new InMemorySessionStore();
    const hub = new InMemorySessionHub();
    const a = replica(testServer(), { store, hub, replicaId: 'a' });
    const b = replica(testServer(), { store, hub, replicaId: 'b' });
    open.push(a, b);
    const opened = a.open('s1', undefined);
    a.add(opened);
    Object.assign(opened, INITIALIZED);
    await a.persist(opened);
    const there = await b.find('s1', undefined);
    await a.end(opened);
    // The hub tells b after a turn or more: a fixed pause was too short on a loaded machine.
    await eventually(() => there?.closed === true && b.size === 0);
    expect(there?.closed).toBe(true);
    expect(b.size).toBe(0);
    expect(await store.get('s1')).toBeUndefined();
  });
});
