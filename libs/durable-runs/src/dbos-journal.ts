import { AsyncLocalStorage } from 'node:async_hooks';
import { type Dbos } from './dbos-engine';
import { type RunContextJournal } from './local-runs';
import { type RunMailbox } from './run-mailbox';
import { type StepRecords } from './step-records';

/** How a run's model turns and tool calls are recorded: rows of our own (default), or DBOS steps. */
export type StepRecording = 'table' | 'dbos';

/**
 * The journal of a run that is a DBOS workflow. Its steps are recorded when they return and returned from the
 * record when the run is replayed after a crash:
 * - `table` (default): one row per step in `agent_runs.run_steps`, keyed by the step's name, first writer wins
 *   ({@link StepRecords}); `recorded` holds what the run recorded before (read once when it starts);
 * - `dbos`: each step a DBOS step, numbered in call order with its name checked on replay (seven statements per
 *   step: kept to measure beside the table).
 * Waits and events go through the runs' own mailbox ({@link RunMailbox}), found by name rather than by DBOS's call
 * order: a message received is recorded as the step `wait.<topic>`, so a replay gets the same answer without
 * waiting, and a parked run resumes on any replica.
 */
export function workflowJournal(
  dbos: Dbos,
  runId: string,
  mailbox: RunMailbox,
  recording:
    { readonly kind: 'dbos' } | { readonly kind: 'table'; records: StepRecords; recorded: Map<string, string> },
  signal?: AbortSignal,
): RunContextJournal {
  const recorded: RunContextJournal['step'] =
    recording.kind === 'dbos' ? (name, fn) => dbos.runStep(fn, { name }) : tableStep(runId, recording);
  // The step whose work runs now, for what the run asks inside it (see enclosingStep); steps run concurrently (the
  // calls of one turn), so it is the async context's, not a field.
  const inside = new AsyncLocalStorage<string>();
  const step: RunContextJournal['step'] = (name, fn) => recorded(name, () => inside.run(name, fn));
  const journal: RunContextJournal = {
    runId,
    signal,
    step,
    stepKey: (name) => `run:${runId}:step:${name}`,
    waitFor: async (topic, timeoutMs) => {
      // Recorded as `{ m }`: a wait that timed out is recorded too, so a replay times out at the same place.
      const got = await step(`wait.${topic}`, async () => ({
        m: (await mailbox.receive(runId, topic, timeoutMs)) ?? null,
      }));
      return got.m ?? undefined;
    },
    publish: (key, value) => mailbox.publish(runId, key, value),
    enclosingStep: () => inside.getStore() ?? '',
    child: (name) => nestedJournal(journal, `${runId}/${name}`),
  };
  return journal;
}

function tableStep(
  runId: string,
  { records, recorded }: { records: StepRecords; recorded: Map<string, string> },
): RunContextJournal['step'] {
  return async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const done = recorded.get(name);
    if (done !== undefined) return JSON.parse(done) as T;
    const json = JSON.stringify(await fn());
    if (json === undefined) throw new TypeError(`The step "${name}" returned a value JSON cannot record.`);
    const kept = await records.record(runId, name, json);
    recorded.set(name, kept);
    // What the rest of the run sees is what a replay will see.
    return JSON.parse(kept) as T;
  };
}

/**
 * The journal of a run started inside a step (an agent used as a tool): the enclosing step records the nested run's
 * result as a whole, so the nested steps are direct calls. Keys stay stable, since the names are; waits and events
 * are the root run's, as in the in-process journal.
 */
function nestedJournal(root: RunContextJournal, runId: string): RunContextJournal {
  return {
    runId,
    signal: root.signal,
    step: (_name, fn) => fn(),
    stepKey: (name) => `run:${runId}:step:${name}`,
    waitFor: (topic, timeoutMs) => root.waitFor(topic, timeoutMs),
    publish: (key, value) => root.publish(key, value),
    // Its steps are direct calls: what it asks sits in the root's step that runs it.
    enclosingStep: () => root.enclosingStep(),
    child: (name) => nestedJournal(root, `${runId}/${name}`),
  };
}

/**
 * The journal of an agent run started inside a running recorded run (a tool call executed as a run of its own, whose
 * tool then runs its agent): the same run and records, its step names under `scope`, so that two agent runs of one
 * tool call (numbered in call order, the same on every replay) never read each other's steps.
 */
export function scopedJournal(root: RunContextJournal, scope: string): RunContextJournal {
  const named = (step: string) => `${scope}/${step}`;
  return {
    runId: root.runId,
    signal: root.signal,
    step: (step, fn) => root.step(named(step), fn),
    stepKey: (step) => root.stepKey(named(step)),
    waitFor: (topic, timeoutMs) => root.waitFor(topic, timeoutMs),
    publish: (key, value) => root.publish(key, value),
    enclosingStep: () => root.enclosingStep(),
    child: (step) => root.child(named(step)),
  };
}
