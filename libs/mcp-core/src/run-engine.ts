import { UnavailableError } from './errors';

/**
 * A call that must be a recorded run (a task of a resumable tool, where tasks are durable; a call of a resumable tool,
 * where calls are recorded runs) waits for the run engine, which starts with the server: a call run unrecorded
 * meanwhile could not be resumed, so it is refused after a bounded wait instead, and the client tries again.
 */

/** What can say whether the run engine is up: the ports of durable tasks and of parked calls. */
export interface RunEngine {
  /** Whether the engine is up, waiting at most `waitMs` for it. */
  ready(waitMs: number): Promise<boolean>;
}

/** How long such a call waits for the engine by default, ms (DBOS migrating a fresh database takes seconds). */
export const RUN_ENGINE_WAIT_MS = 15_000;

/** What the refused client is told to wait before trying again, s (about what a launch still takes then). */
const RETRY_AFTER_SECONDS = 5;

/**
 * Resolves once `engine` is up, waiting at most `waitMs`. `what`: what could not be recorded, for the message
 * (`this task`, `this call`).
 * @throws UnavailableError (503, `Retry-After`) when it is not up by then
 */
export async function requireRunEngine(engine: RunEngine, waitMs: number, what: string): Promise<void> {
  if (await engine.ready(waitMs)) return;
  throw new UnavailableError(
    `The server's run engine is not up yet, so ${what} could not be recorded; try again in ${RETRY_AFTER_SECONDS} s.`,
    {
      httpHeaders: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      data: { retryAfterSeconds: RETRY_AFTER_SECONDS },
    },
  );
}
