import { type Logger } from '@agent-mcp/context';
import type pg from 'pg';
import { RUN_SIGNAL_CHANNEL } from './run-signal-ddl';
import { type RunSignals, type SignalFeed } from './run-signals';

/** The `application_name` of the listening connection, so it can be told apart in `pg_stat_activity`. */
export const SIGNAL_LISTENER_NAME = 'agent-runs-signals';

/** First and longest pause before connecting again after the connection dropped, ms. */
const RECONNECT_MS = { first: 100, max: 5000 } as const;

/**
 * The wakes of other replicas: one dedicated connection per process (a `pg.Client` of its own, never a pool's
 * connection held forever) that `LISTEN`s on {@link RUN_SIGNAL_CHANNEL} and hands each notice to the signals. When
 * it drops, it connects again with a growing pause; once (re)connected it wakes every watch, since notices sent while
 * nobody listened are lost and the waiters must look again. Closed with the runs (`close`), so no socket or timer of
 * it keeps a process alive.
 */
export class SignalListener implements SignalFeed {
  private client: pg.Client | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private pauseMs: number = RECONNECT_MS.first;
  private down = false;
  private closed = false;

  constructor(
    private readonly options: { readonly databaseUrl: string; readonly signals: RunSignals; readonly logger: Logger },
  ) {
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    // Loaded here, as the runs' pool is: a process that never waits on a recorded run never loads pg for it.
    const { Client } = (await import('pg')).default;
    if (this.closed) return;
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: SIGNAL_LISTENER_NAME,
      // A connection that hangs, or a peer gone without a word, must end in an error that starts a reconnection.
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    this.client = client;
    client.on('notification', (notice) => this.deliver(notice.payload));
    // A server restart or a terminated backend: an 'error', then an 'end'; either starts the reconnection once.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${RUN_SIGNAL_CHANNEL}"`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.client !== client) return;
    if (this.down) this.options.logger.info('agent runs: listening for run signals again');
    this.down = false;
    this.pauseMs = RECONNECT_MS.first;
    this.options.signals.wakeAll();
  }

  private deliver(payload: string | undefined): void {
    const at = payload?.indexOf('\n') ?? -1;
    if (!payload || at <= 0) return;
    this.options.signals.wake(payload.slice(0, at), payload.slice(at + 1));
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.closed) return;
    if (!this.down) {
      // Said once per outage: waiters fall back to looking every few seconds meanwhile.
      this.options.logger.warn('agent runs: the run signals connection dropped; reconnecting', { err: error });
      this.down = true;
    }
    const pause = this.pauseMs;
    this.pauseMs = Math.min(RECONNECT_MS.max, this.pauseMs * 2);
    this.retry = setTimeout(() => void this.connect(), pause);
    this.retry.unref();
  }
}
