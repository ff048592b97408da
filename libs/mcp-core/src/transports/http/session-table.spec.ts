// Session table: idle expiry and eviction keep abandoned sessions from growing without bound.
import { Session } from '../../session';
import { SessionTable } from './session-table';

function table(now: () => number, maxSessions = 10) {
  const dropped: string[] = [];
  const t = new SessionTable({
    maxSessions,
    idleTimeoutMs: 1000,
    onDrop: (s, reason) => dropped.push(`${s.id}:${reason}`),
    now,
  });
  return { t, dropped };
}

function session(id: string, at: number): Session {
  const s = new Session(id, { kind: 'http' });
  s.lastActiveAt = at;
  return s;
}

describe('SessionTable', () => {
  afterEach(() => jest.useRealTimers());

  it('expires sessions idle past the timeout, but not busy ones', () => {
    let now = 10_000;
    const { t, dropped } = table(() => now);
    t.add(session('old', 8_000));
    const streaming = session('streaming', 8_500);
    t.add(streaming);
    t.streamOpened(streaming);
    t.add(session('fresh', 9_900));
    t.sweep();
    expect(dropped).toEqual(['old:expired: idle']);
    expect(t.size).toBe(2);
    t.streamClosed(streaming);
    now = 20_000;
    t.sweep();
    expect(t.size).toBe(0);
    t.clear('test');
  });

  it('refuses room when every session is busy', () => {
    const { t } = table(() => 0, 1);
    const s = session('busy', 0);
    t.add(s);
    t.streamOpened(s);
    expect(t.makeRoom()).toBe(false);
    t.streamClosed(s);
    expect(t.makeRoom()).toBe(true);
    t.clear('test');
  });
});
