import type pg from 'pg';
import { RUNS_SCHEMA } from './dbos-engine';

/**
 * The channel the runs' wakes travel on between replicas (`LISTEN`/`NOTIFY`). A payload is `<run id>\n<change>`,
 * the change named as `SIGNAL` names it (`status`, `m:<topic>`, `e:<key>`, or `*` for anything of the run).
 */
export const RUN_SIGNAL_CHANNEL = `${RUNS_SCHEMA}_signals`;

/** `run_signal(run_id, what)`: notifies the channel, in the caller's transaction (delivered at its commit). */
export const RUN_SIGNAL_FUNCTION = `"${RUNS_SCHEMA}".run_signal`;

const STATUS = `"${RUNS_SCHEMA}".workflow_status`;

/**
 * The function that sends a wake, installed with the mailbox's tables (before DBOS is launched: `send` and
 * `publish` call it in their own statement). `pg_notify` refuses a payload of 8000 bytes or more, so a change whose
 * name is that long wakes every waiter of the run instead (`*`), and a run id that long wakes nobody (the waiters'
 * fallback looks find it).
 */
export const RUN_SIGNAL_DDL: readonly string[] = [
  `CREATE OR REPLACE FUNCTION ${RUN_SIGNAL_FUNCTION}(run_id text, what text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  payload text := run_id || chr(10) || what;
BEGIN
  IF octet_length(payload) >= 8000 THEN
    payload := run_id || chr(10) || '*';
  END IF;
  IF octet_length(payload) < 8000 THEN
    PERFORM pg_notify('${RUN_SIGNAL_CHANNEL}', payload);
  END IF;
END
$$`,
];

/**
 * The trigger on DBOS's `workflow_status` that wakes a run's waiters when its status changes in a way they wait for:
 * it leaves `PENDING` (finished, cancelled, or put back on the queue when its replica died: a waiting `receive` then
 * ends), or it ends from the queue. `ENQUEUED` to `PENDING`, every run's start, sends nothing. Installed after DBOS's
 * migrations created the table; the trigger is created only when missing (no lock on a table in use otherwise).
 */
const RUN_STATUS_SIGNAL_DDL: readonly string[] = [
  `CREATE OR REPLACE FUNCTION "${RUNS_SCHEMA}".run_status_signal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ${RUN_SIGNAL_FUNCTION}(NEW.workflow_uuid, 'status');
  RETURN NULL;
END
$$`,
  `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'run_status_signal' AND tgrelid = '${STATUS}'::regclass) THEN
    CREATE TRIGGER run_status_signal AFTER UPDATE OF status ON ${STATUS}
      FOR EACH ROW
      WHEN (OLD.status IS DISTINCT FROM NEW.status
            AND (OLD.status = 'PENDING' OR NEW.status NOT IN ('PENDING', 'ENQUEUED', 'DELAYED')))
      EXECUTE FUNCTION "${RUNS_SCHEMA}".run_status_signal();
  END IF;
END
$$`,
];

/** Installs {@link RUN_STATUS_SIGNAL_DDL}; call it under the launch lock, once DBOS has launched. */
export async function installStatusSignal(pool: pg.Pool): Promise<void> {
  for (const statement of RUN_STATUS_SIGNAL_DDL) await pool.query(statement);
}
