/**
 * Where a run records its completed steps, so that a run whose process died can be run again on the same journal
 * and continue from its last completed step: a recorded model turn is not requested again, a recorded tool call is
 * not run again.
 *
 * The runner calls {@link RunJournal.step} at each step boundary, with names that are the same on every replay:
 *
 * | step                          | records                                                      |
 * | ----------------------------- | ------------------------------------------------------------ |
 * | `run.deadline`                | the run's absolute deadline (epoch ms), so a replay keeps it |
 * | `guardrails.input`            | that the input guardrails passed                             |
 * | `turn.<n>.model`              | the model's response: output items, usage, response id       |
 * | `turn.<n>.plan`               | which calls of the turn need a person's approval             |
 * | `turn.<n>.approval.<callId>`  | that the call was approved                                   |
 * | `turn.<n>.tool.<callId>`      | the tool's output, whether it is an error, what it kept       |
 * | `guardrails.output`           | that the output guardrails passed                            |
 *
 * An agent used as a tool runs on `child('turn.<n>.tool.<callId>')`. Turn count, usage and the deadline are
 * recomputed from the recorded values as the run replays, so a run's budgets count the steps before a crash.
 * Everything else the runner does (history, handoffs, output parsing) is computed from recorded values and code.
 *
 * Implementations: the pass-through default (records nothing: every run starts afresh), {@link createMemoryJournal}
 * (in memory, for tests and in-process resumes), and `@agent-mcp/durable-runs` (PostgreSQL).
 */
export interface RunJournal {
  /** The run's id, the same on every replay of the run; reported to observers and traces. */
  readonly runId: string;
  /**
   * Runs `fn` as the step `name`, or returns the value recorded when this run completed that step before,
   * without calling `fn`. A value is recorded only when `fn` returns, so it must survive `JSON.stringify`; a step
   * that throws is not recorded, and a replay runs it again. Names are unique within a run.
   */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** The journal of a run started by this run's step `name` (an agent used as a tool). */
  child(name: string): RunJournal;
  /**
   * A key for a write made inside the step `name` (`run:<runId>:step:<name>`), the same on every replay of that
   * step, so a write keyed by it happens once however often the step runs. `undefined` where nothing is recorded
   * (nothing replays there, so there is nothing to deduplicate).
   */
  stepKey(name: string): string | undefined;
}

/** The default journal: records nothing, so a run is exactly what it was before journals existed. */
export function passThroughJournal(): RunJournal {
  // The global Web Crypto, not node:crypto: importing that builtin costs a launch ~20 ms, and stdio clients launch often.
  const runId = globalThis.crypto.randomUUID();
  return {
    runId,
    step: (_name, fn) => fn(),
    child: () => passThroughJournal(),
    stepKey: () => undefined,
  };
}

/** A {@link RunJournal} kept in memory, with what it recorded readable. */
export interface MemoryJournal extends RunJournal {
  /** The recorded steps in completion order, by full name (a child's steps as `<child>/<step>`), as JSON values. */
  readonly steps: ReadonlyMap<string, unknown>;
}

/**
 * A journal in memory: run an agent twice with the same journal and the second run replays the first one's
 * completed steps. Values go through JSON on the way in and out, as they would through a database, so a step
 * that records something JSON cannot carry fails here first.
 */
export function createMemoryJournal(runId: string = globalThis.crypto.randomUUID()): MemoryJournal {
  return memoryJournal(runId, '', new Map<string, string>());
}

function memoryJournal(runId: string, prefix: string, recorded: Map<string, string>): MemoryJournal {
  return {
    runId,
    get steps() {
      const steps = new Map<string, unknown>();
      for (const [key, json] of recorded) {
        if (key.startsWith(prefix)) steps.set(key.slice(prefix.length), JSON.parse(json));
      }
      return steps;
    },
    async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const done = recorded.get(prefix + name);
      if (done !== undefined) return JSON.parse(done) as T;
      const json = JSON.stringify(await fn());
      if (json === undefined) throw new TypeError(`The step "${name}" returned a value JSON cannot record.`);
      recorded.set(prefix + name, json);
      // What the rest of the run sees is what a replay will see.
      return JSON.parse(json) as T;
    },
    child: (name) => memoryJournal(`${runId}/${name}`, `${prefix}${name}/`, recorded),
    stepKey: (name) => `run:${runId}:step:${name}`,
  };
}

/** One run asking {@link RunQueue.run} for a slot. */
export interface RunRequest {
  /** Whose run (a principal key): the queue bounds the runs of one principal. */
  readonly principal: string;
  /** What runs (an agent tool's name), for metrics and logs. */
  readonly kind: string;
  /** Aborts the wait for a slot (and is the run's own signal): a cancelled request leaves the queue at once. */
  readonly signal: AbortSignal;
  /** Called once if the run has to wait for a slot (to tell the caller it is queued). */
  readonly onQueued?: () => void;
}

/**
 * Admits agent runs: each waits for a free slot (bounded per replica and per principal, so a burst queues instead
 * of overloading the replica or the model account), then runs with the journal its steps go through.
 * `@agent-mcp/durable-runs` implements it: `createLocalRuns()` in process.
 */
export interface RunQueue {
  /**
   * Runs `work` once the queue admits it, with the run's journal, and frees the slot when it settles.
   * @throws the signal's reason if it aborts while waiting; the queue's own error when it refuses the run (full).
   */
  run<T>(request: RunRequest, work: (journal: RunJournal) => Promise<T>): Promise<T>;
}
