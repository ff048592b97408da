// RunSignals on real PostgreSQL (a database of its own): a run's waiter is woken by a message sent from another
// replica (its own pool and signals: the wake can only come through LISTEN/NOTIFY), by the run's cancellation (the
// status trigger on DBOS's table), and again after its LISTEN connection is terminated; a lost notice is made up by
// the fallback look; a 3 s wait costs a few statements, not one per 100 ms.
import { RunCancelledError } from '@agent-mcp/agent-core';
import { noopLogger } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import pg from 'pg';
import { createDurableRuns, type DurableRuns } from './durable-runs';
import { RunMailbox } from './run-mailbox';
import { RunSignals, SIGNAL, SIGNAL_FALLBACK_MS } from './run-signals';
import { SIGNAL_LISTENER_NAME, SignalListener } from './signal-listener';

let db: ThrowawayDatabase;
let runs: DurableRuns;
/** The waiting replica: its own pool (statements counted) and signals, apart from `runs`. */
let pool: pg.Pool;
let signals: RunSignals;
let mailbox: RunMailbox;
let statements = 0;
const never = new AbortController().signal;

beforeAll(async () => {
  db = await createThrowawayDatabase({ prefix: 'dsig' });
  runs = createDurableRuns({ databaseUrl: db.url });
  // A run that stays PENDING until it is sent `release` or cancelled.
  runs.define('hold', async (_input: unknown, journal) => journal.waitFor('release', 60_000));
  await runs.start();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => undefined);
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    statements += 1;
    return query(...args);
  }) as typeof pool.query;
  signals = new RunSignals((s) => new SignalListener({ databaseUrl: db.url, signals: s, logger: noopLogger }));
  mailbox = new RunMailbox(pool, signals);
  // The first watch opens the LISTEN connection, which wakes every watch once it listens.
  const first = signals.watch('none', { status: true });
  expect(await first.next(10_000)).toBe(true);
  first.close();
});

afterAll(async () => {
  await signals?.close();
  await pool?.end();
  await runs?.close();
  await db?.drop();
});

async function held(): Promise<string> {
  const handle = await runs.startHere('hold', {}, { principal: 'p', signal: never });
  return handle.runId;
}

async function listenerPids(): Promise<number[]> {
  const { rows } = await db.admin((c) =>
    c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [
      db.name,
      SIGNAL_LISTENER_NAME,
    ]),
  );
  return rows.map((r) => r.pid);
}

describe('RunSignals in process', () => {
  it('keeps a wake that came before next, and ends a pending next on close', async () => {
    const local = new RunSignals();
    const watch = local.watch('r1', { messages: ['answer'] });
    local.wake('r1', SIGNAL.message('other'));
    local.wake('r1', SIGNAL.message('answer'));
    expect(await watch.next(5000)).toBe(true);
    const pending = watch.next(5000);
    watch.close();
    expect(await pending).toBe(false);
    expect(local.size).toBe(0);
  });
});

describe('RunSignals across replicas', () => {
  it('wakes a receive when another replica sends, well before the fallback look', async () => {
    const runId = await held();
    statements = 0;
    const waiting = mailbox.receive(runId, 'answer', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sentAt = performance.now();
    await runs.send(runId, 'answer', { yes: true });
    await expect(waiting).resolves.toEqual({ yes: true });
    expect(performance.now() - sentAt).toBeLessThan(SIGNAL_FALLBACK_MS / 3);
    // One look before the send, one after its wake.
    expect(statements).toBeLessThanOrEqual(3);
    await runs.send(runId, 'release', null);
  });

  it('costs a look at the start and one at the end of a 3 s wait that nothing wakes', async () => {
    const runId = await held();
    statements = 0;
    const startedAt = performance.now();
    await expect(mailbox.receive(runId, 'answer', 3000)).resolves.toBeUndefined();
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(2990);
    expect(statements).toBe(2);
    await runs.send(runId, 'release', null);
  });

  it('wakes a waiter with RunCancelledError when the run is cancelled on another replica', async () => {
    const runId = await held();
    const waiting = mailbox.receive(runId, 'answer', 10_000);
    // Handled before the cancel: the notice may wake the waiter before cancel() itself returns.
    const ended = waiting.then(
      () => undefined,
      (error: unknown) => ({ error, at: performance.now() }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cancelledAt = performance.now();
    await runs.cancel(runId);
    const failed = await ended;
    expect(failed?.error).toBeInstanceOf(RunCancelledError);
    expect((failed?.at ?? Number.POSITIVE_INFINITY) - cancelledAt).toBeLessThan(SIGNAL_FALLBACK_MS / 3);
  });

  it('finds a message whose notice was lost at the fallback look', async () => {
    const runId = await held();
    const waiting = mailbox.receive(runId, 'answer', 10_000);
    const startedAt = performance.now();
    // After the receive's first look (which would find it at once): on a loaded machine that look can take a while.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Written behind the mailbox's back: no NOTIFY, as when the listening connection was down at that moment.
    await db.admin((c) =>
      c.query(
        "INSERT INTO agent_runs.run_messages (run_id, message_key, topic, message) VALUES ($1, 'k', 'answer', '42')",
        [runId],
      ),
    );
    await expect(waiting).resolves.toBe(42);
    const waited = performance.now() - startedAt;
    expect(waited).toBeGreaterThan(SIGNAL_FALLBACK_MS - 500);
    expect(waited).toBeLessThan(SIGNAL_FALLBACK_MS + 1500);
    await runs.send(runId, 'release', null);
  });

  it('listens again after its connection is terminated, and a message sent then still wakes the waiter', async () => {
    const runId = await held();
    const before = await listenerPids();
    expect(before.length).toBeGreaterThanOrEqual(1);
    const reconnected = signals.watch('none', { status: true });
    await db.admin((c) => c.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]));
    // Woken once it listens again (every watch looks again then: notices sent meanwhile were lost).
    expect(await reconnected.next(10_000)).toBe(true);
    reconnected.close();
    const after = await listenerPids();
    expect(after.some((pid) => !before.includes(pid))).toBe(true);
    const waiting = mailbox.receive(runId, 'answer', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sentAt = performance.now();
    await runs.send(runId, 'answer', 'again');
    await expect(waiting).resolves.toBe('again');
    expect(performance.now() - sentAt).toBeLessThan(SIGNAL_FALLBACK_MS / 3);
    await runs.send(runId, 'release', null);
  });
});
