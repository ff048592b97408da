// The session bus between replicas on the real Redis server: a message reaches the replica it is addressed
// to and no other, a broadcast reaches every replica, malformed messages are dropped, and a stream claim names
// its holder until that holder (and only it) releases it.
import { Redis } from 'ioredis';
import { EVERY_REPLICA, RedisSessionBus, type SessionBus, type SessionBusMessage } from './session-bus';
import { sleep } from './spec-helpers/clients';

const prefix = `spec:bus:${process.pid}:`;

describe('RedisSessionBus (real Redis)', () => {
  const connections: Redis[] = [];
  const buses: SessionBus[] = [];
  const connect = () => {
    const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    connections.push(redis);
    return redis;
  };
  const subscribed = async (channels: string[], counts: number[]) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const reply = (await connections[0].pubsub('NUMSUB', ...channels)) as Array<string | number>;
      if (channels.every((_, i) => Number(reply[2 * i + 1]) >= counts[i])) return;
      if (Date.now() > deadline) throw new Error(`subscriptions not in place after 10 s: ${reply.join(' ')}`);
      await sleep(20);
    }
  };
  const replica = (replicaId: string) => {
    const received: SessionBusMessage[] = [];
    const bus = new RedisSessionBus({ redis: connect(), subscriber: connect(), prefix, replicaId });
    bus.listen((message) => received.push(message));
    buses.push(bus);
    return { bus, received };
  };
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    const keys = await connections[0].keys(`${prefix}*`);
    if (keys.length) await connections[0].del(...keys);
    for (const redis of connections) redis.disconnect();
  });

  it('delivers to the addressed replica, broadcasts to all, and drops what does not validate', async () => {
    const a = replica('aaa');
    const b = replica('bbb');
    const c = replica('ccc');
    // Pub/sub drops what is published before a subscription is in place: wait until Redis counts them all.
    await subscribed([`${prefix}all`, `${prefix}r:aaa`, `${prefix}r:bbb`, `${prefix}r:ccc`], [3, 1, 1, 1]);
    await a.bus.publish('bbb', {
      type: 'response',
      sessionId: 's1',
      message: { jsonrpc: '2.0', id: 'srv-bbb-1', result: {} },
    });
    await a.bus.publish(EVERY_REPLICA, { type: 'cancel', sessionId: 's1', requestId: 7, reason: 'gave up' });
    await connections[0].publish(`${prefix}r:ccc`, JSON.stringify({ type: 'cancel', sessionId: 's1' }));
    await connections[0].publish(`${prefix}r:ccc`, 'not json');
    const deadline = Date.now() + 3000;
    while ((b.received.length < 2 || c.received.length < 1) && Date.now() < deadline) await sleep(20);
    await sleep(100);
    expect(b.received).toEqual([
      { type: 'response', sessionId: 's1', message: { jsonrpc: '2.0', id: 'srv-bbb-1', result: {} } },
      { type: 'cancel', sessionId: 's1', requestId: 7, reason: 'gave up' },
    ]);
    expect(c.received).toEqual([{ type: 'cancel', sessionId: 's1', requestId: 7, reason: 'gave up' }]);
  });

  it('names the holder of a stream until it releases it; another replica cannot release it', async () => {
    const a = replica('ddd');
    const b = replica('eee');
    await a.bus.claimStream('s2', 5000);
    expect(await b.bus.streamHolder('s2')).toBe('ddd');
    await b.bus.releaseStream('s2');
    expect(await b.bus.streamHolder('s2')).toBe('ddd');
    await a.bus.releaseStream('s2');
    expect(await b.bus.streamHolder('s2')).toBeUndefined();
  });
});
