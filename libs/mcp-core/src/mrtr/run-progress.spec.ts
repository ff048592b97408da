// A parked run's progress on its way to the request waiting on it: straight to a request waiting in the run's own
// process, else published (at most every 250 ms, the latest of a burst last) for a request waiting on another
// replica, which forwards each report once under its own token with values that keep increasing.
import { type Call } from '../call-context';
import { type JSONRPCMessage } from '../protocol/messages';
import { type ParkedProgress, ProgressForwarder, ProgressPublisher, RelayChannel } from './run-progress';

/** A request waiting on a run: what it was sent, under `token`. */
function waitingRequest(token: string | number | null = 'p1') {
  const sent: JSONRPCMessage[] = [];
  const call = {
    sent: false,
    params: token === null ? {} : { _meta: { progressToken: token } },
    signal: new AbortController().signal,
    channel: { send: (message: JSONRPCMessage) => sent.push(message), respond: () => undefined },
  } as unknown as Call;
  return { call, sent };
}

const progress = (params: Record<string, unknown>): JSONRPCMessage =>
  ({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'parked-run', ...params } }) as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RelayChannel', () => {
  it('relays the run’s progress to a request waiting in this process, under that request’s token', () => {
    const { call, sent } = waitingRequest('mine');
    const published: ParkedProgress[] = [];
    const publisher = new ProgressPublisher(
      async (r) => void published.push(r),
      () => undefined,
    );
    new RelayChannel(() => call, publisher).send(progress({ progress: 1, message: 'turn 1' }));
    expect(sent).toEqual([progress({ progressToken: 'mine', progress: 1, message: 'turn 1' })]);
    expect(call.sent).toBe(true);
    expect(published).toEqual([]);
  });

  it('publishes the run’s progress when no request waits in this process', () => {
    const published: ParkedProgress[] = [];
    const publisher = new ProgressPublisher(
      async (r) => void published.push(r),
      () => undefined,
    );
    const relay = new RelayChannel(() => undefined, publisher);
    relay.send(progress({ progress: 2, total: 8, message: 'turn 2' }));
    relay.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } });
    expect(published).toEqual([{ id: expect.any(String), progress: 2, total: 8, message: 'turn 2' }]);
    publisher.close();
  });
});

describe('ProgressPublisher', () => {
  it('publishes the first report at once and the latest of a burst at the end of it', async () => {
    const published: ParkedProgress[] = [];
    const publisher = new ProgressPublisher(
      async (r) => void published.push(r),
      () => undefined,
    );
    for (let n = 1; n <= 5; n++) publisher.offer({ progress: n });
    expect(published.map((r) => r.progress)).toEqual([1]);
    await sleep(400);
    expect(published.map((r) => r.progress)).toEqual([1, 5]);
    expect(new Set(published.map((r) => r.id)).size).toBe(2);
    publisher.close();
  });

  it('drops what is pending when the run ends', async () => {
    const published: ParkedProgress[] = [];
    const publisher = new ProgressPublisher(
      async (r) => void published.push(r),
      () => undefined,
    );
    publisher.offer({ progress: 1 });
    publisher.offer({ progress: 2 });
    publisher.close();
    await sleep(400);
    expect(published.map((r) => r.progress)).toEqual([1]);
  });

  it('reports a failed write and goes on', async () => {
    const errors: unknown[] = [];
    const publisher = new ProgressPublisher(
      () => Promise.reject(new Error('database down')),
      (error) => errors.push(error),
    );
    publisher.offer({ progress: 1 });
    await sleep(10);
    expect(errors).toEqual([new Error('database down')]);
    publisher.close();
  });
});

describe('ProgressForwarder', () => {
  it('forwards each report once, under the request’s token', () => {
    const { call, sent } = waitingRequest(7);
    const forwarder = ProgressForwarder.of(call);
    const report = { id: 'a.1', progress: 3, total: 8, message: 'turn 3' };
    forwarder?.forward(report);
    forwarder?.forward(report);
    forwarder?.forward(undefined);
    forwarder?.forward({ id: 'a.2', progress: 'four' });
    expect(sent).toEqual([progress({ progressToken: 7, progress: 3, total: 8, message: 'turn 3' })]);
  });

  it('keeps the values increasing when a run resumed elsewhere counts again from the start', () => {
    const { call, sent } = waitingRequest();
    const forwarder = ProgressForwarder.of(call);
    forwarder?.forward({ id: 'a.5', progress: 5, total: 8, message: 'turn 5' });
    forwarder?.forward({ id: 'b.1', progress: 1, total: 8, message: 'turn 5 again' });
    forwarder?.forward({ id: 'b.9', progress: 9, message: 'turn 6' });
    expect(sent.map((m) => ('params' in m ? m.params : undefined))).toEqual([
      { progressToken: 'p1', progress: 5, total: 8, message: 'turn 5' },
      { progressToken: 'p1', progress: 6, message: 'turn 5 again' },
      { progressToken: 'p1', progress: 9, message: 'turn 6' },
    ]);
  });

  it('is not made for a request that asked for no progress', () => {
    expect(ProgressForwarder.of(waitingRequest(null).call)).toBeUndefined();
  });
});
