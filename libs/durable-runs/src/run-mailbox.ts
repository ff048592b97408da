import { RunCancelledError } from '@agent-mcp/agent-core';
import type pg from 'pg';
import { RUNS_SCHEMA } from './dbos-engine';
import { RunNotFoundError } from './errors';
import { RUN_SIGNAL_DDL, RUN_SIGNAL_FUNCTION } from './run-signal-ddl';
import { SIGNAL, type RunSignals } from './run-signals';

const MESSAGES = `"${RUNS_SCHEMA}".run_messages`;
const EVENTS = `"${RUNS_SCHEMA}".run_events`;
/** The table of the runs' events (a run's latest value per key). */
export const RUN_EVENTS_TABLE = EVENTS;
const STATUS = `"${RUNS_SCHEMA}".workflow_status`;

/** The tables of {@link RunMailbox}, and the function its writes wake waiters with. */
export const RUN_MAILBOX_DDL: readonly string[] = [
  ...RUN_SIGNAL_DDL,
  `CREATE TABLE IF NOT EXISTS ${MESSAGES} (
  run_id text NOT NULL,
  message_key text NOT NULL,
  topic text NOT NULL,
  message text NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (run_id, message_key)
)`,
  `CREATE INDEX IF NOT EXISTS run_messages_by_topic ON ${MESSAGES} (run_id, topic, sent_at)`,
  `CREATE TABLE IF NOT EXISTS ${EVENTS} (
  run_id text NOT NULL,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (run_id, key)
)`,
];

/**
 * The messages and events of recorded runs, in our own tables beside the steps rather than DBOS's `recv` and
 * `setEvent`: DBOS numbers those in call order, and a wait inside a step that a replay reads from its record (an
 * approval, a sampled model turn) is not called again, so every later DBOS operation would meet the record of
 * another one. Here a message is found by its run and topic, whatever ran before it:
 * - `send` inserts a message under an idempotency key, first writer wins, so a repeated key delivers nothing;
 * - `receive` returns the first message sent on the topic (the run records it as its step, so a topic is received
 *   once per run);
 * - an event is the run's latest value under a key, readable by any replica.
 * A wait looks at the tables when {@link RunSignals} wakes it (a send or publish of this process at once; of
 * another replica through `NOTIFY`, sent in the same statement as the write), at least every few seconds in case a
 * notice was lost, and once at the end of its timeout: a parked wait costs a look per change, not one per 100 ms.
 */
export class RunMailbox {
  constructor(
    private readonly pool: pg.Pool,
    private readonly signals: RunSignals,
  ) {}

  /**
   * Sends `message` to the run's `topic`. @returns false when `key` was sent to the run before (nothing delivered)
   * @throws RunNotFoundError when the run is not queued or running (finished, cancelled, or unknown)
   */
  async send(runId: string, topic: string, message: unknown, key: string): Promise<boolean> {
    // The wake is part of the insert's statement: other replicas hear of it at its commit, and only if it inserted.
    const inserted = await this.pool.query(
      `WITH sent AS (
         INSERT INTO ${MESSAGES} (run_id, message_key, topic, message)
           SELECT $1::text, $2::text, $3::text, $4::text WHERE EXISTS (
             SELECT 1 FROM ${STATUS} WHERE workflow_uuid = $1::text AND status IN ('PENDING', 'ENQUEUED'))
           ON CONFLICT (run_id, message_key) DO NOTHING
           RETURNING run_id)
       SELECT ${RUN_SIGNAL_FUNCTION}(run_id, 'm:' || $3::text) FROM sent`,
      [runId, key, topic, JSON.stringify(message ?? null)],
    );
    if (inserted.rowCount === 1) {
      this.signals.wake(runId, SIGNAL.message(topic));
      return true;
    }
    const { rowCount } = await this.pool.query(`SELECT 1 FROM ${MESSAGES} WHERE run_id = $1 AND message_key = $2`, [
      runId,
      key,
    ]);
    if (rowCount === 1) return false;
    throw new RunNotFoundError(runId);
  }

  /** Whether a message under `key` was sent to the run. */
  async sent(runId: string, key: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`SELECT 1 FROM ${MESSAGES} WHERE run_id = $1 AND message_key = $2`, [
      runId,
      key,
    ]);
    return rowCount === 1;
  }

  /**
   * The first message sent to the run on `topic`, or `undefined` after `timeoutMs`.
   * @throws RunCancelledError once the run is no longer pending (cancelled, or taken over and ended elsewhere)
   */
  async receive(runId: string, topic: string, timeoutMs: number): Promise<unknown> {
    const found = await this.signals.lookUntil(runId, { messages: [topic], status: true }, timeoutMs, async () => {
      const { rows } = await this.pool.query<{ status: string; message: string | null }>(
        {
          name: 'agent_runs.receive',
          text: `SELECT s.status, m.message FROM ${STATUS} s
                   LEFT JOIN LATERAL (SELECT message FROM ${MESSAGES}
                                       WHERE run_id = $1 AND topic = $2 ORDER BY sent_at LIMIT 1) m ON true
                  WHERE s.workflow_uuid = $1`,
        },
        [runId, topic],
      );
      const row = rows[0];
      if (row?.message !== null && row?.message !== undefined) return { message: JSON.parse(row.message) as unknown };
      if (row?.status !== 'PENDING')
        throw new RunCancelledError(`The run ${runId} was cancelled or has ended elsewhere while it waited.`);
      return undefined;
    });
    return found?.message;
  }

  /** Sets the run's event `key` to `value`. */
  async publish(runId: string, key: string, value: unknown): Promise<void> {
    await this.pool.query(
      `WITH written AS (
         INSERT INTO ${EVENTS} (run_id, key, value) VALUES ($1::text, $2::text, $3::text)
           ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value
           RETURNING run_id)
       SELECT ${RUN_SIGNAL_FUNCTION}(run_id, 'e:' || $2::text) FROM written`,
      [runId, key, JSON.stringify(value ?? null)],
    );
    this.signals.wake(runId, SIGNAL.event(key));
  }

  /** The run's event `key`: at once if set, else once set, else `undefined` after `timeoutMs`. */
  async readEvent(runId: string, key: string, timeoutMs: number): Promise<unknown> {
    const found = await this.signals.lookUntil(runId, { events: [key] }, timeoutMs, async () => {
      const { rows } = await this.pool.query<{ value: string }>(
        { name: 'agent_runs.read_event', text: `SELECT value FROM ${EVENTS} WHERE run_id = $1 AND key = $2` },
        [runId, key],
      );
      return rows[0] ? { value: JSON.parse(rows[0].value) as unknown } : undefined;
    });
    return found?.value;
  }

  /** Deletes the messages and events of finished runs. */
  async delete(runIds: readonly string[]): Promise<void> {
    await this.pool.query(`DELETE FROM ${MESSAGES} WHERE run_id = ANY($1::text[])`, [runIds]);
    await this.pool.query(`DELETE FROM ${EVENTS} WHERE run_id = ANY($1::text[])`, [runIds]);
  }
}
