import type pg from 'pg';

/** Most a replica waits for another one's launch to finish before it gives up (the next call tries again). */
const LAUNCH_LOCK_TIMEOUT_MS = 60_000;

/**
 * Holds the runs' launch lock until the returned function is called: replicas starting together launch DBOS one
 * after the other. Measured: two replicas launching at once on a fresh database deadlock in DBOS's migrations
 * (`CREATE INDEX CONCURRENTLY` against the other's transaction), and one fails. The lock is taken by polling
 * `pg_try_advisory_lock` in short statements, because a session blocked in `pg_advisory_lock` holds a snapshot,
 * which the first replica's `CREATE INDEX CONCURRENTLY` would wait for in turn.
 */
export async function holdLaunchLock(pool: pg.Pool): Promise<() => Promise<void>> {
  const client = await pool.connect();
  const deadline = Date.now() + LAUNCH_LOCK_TIMEOUT_MS;
  try {
    for (;;) {
      const { rows } = await client.query<{ held: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext('agent_runs.launch')) AS held",
      );
      if (rows[0]?.held) break;
      if (Date.now() > deadline) {
        throw new Error(`Another replica has held the agent runs' launch lock for ${LAUNCH_LOCK_TIMEOUT_MS} ms.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    client.release();
    throw error;
  }
  return async () => {
    try {
      await client.query("SELECT pg_advisory_unlock(hashtext('agent_runs.launch'))");
    } finally {
      client.release();
    }
  };
}
