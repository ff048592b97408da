// A replica of the resume spec, run in a child process (bundled by the spec): it defines the `lookup` kind, starts
// the runs and, when asked, submits one run (`submit`, with the run's limits as JSON if given), starts an inline
// run that waits forever in its second step (`inline`), starts two calls of the kind `hold` here (`calls`, one
// principal, each waiting forever here), or, with a queue bounded to `maxQueued` and one run at a time per
// principal, submits `submits` runs of `hold` for `principal` at once when it reads a line on stdin and writes how
// many were admitted and refused (`admit`, with those as JSON), or, with RUN_MAX_RESUMES 1, runs the kind `relay`
// (`relay`, `{ submit, finish }`: submits one if `submit`; a relay run started here writes `{ started }` and
// finishes if `finish`, else holds); then stays up until it is killed. SIGTERM closes it gracefully (the runs handed
// over), as a server does. Arguments: database URL, model URL, executor id, mode, the mode's JSON. Writes one JSON line
// per event to stdout.
import { createInterface } from 'node:readline';
import { createDurableRuns } from '../durable-runs';
import { RunQueueFullError } from '../errors';
import { defineLookupRun } from './lookup-run';

async function main(): Promise<void> {
  const [databaseUrl, modelUrl, executorId, mode, argument] = process.argv.slice(2);
  if (!databaseUrl || !modelUrl || !executorId)
    throw new Error('usage: replica-process <db> <model> <executor> [submit]');
  const burst =
    mode === 'admit'
      ? (JSON.parse(argument ?? '{}') as { maxQueued: number; submits: number; principal: string })
      : undefined;
  const relay = mode === 'relay' ? (JSON.parse(argument ?? '{}') as { submit?: boolean; finish?: boolean }) : undefined;
  const bounds = burst ? { maxQueued: burst.maxQueued, concurrencyPerPrincipal: 1 } : relay ? { maxResumes: 1 } : {};
  const runs = createDurableRuns({ databaseUrl, executorId, heartbeatMs: 300, recoveryAfterMs: 1500, ...bounds });
  defineLookupRun(runs, modelUrl, databaseUrl);
  // Holds here until the process is killed; the replica that resumes it defines its own `hold`.
  runs.define('hold', () => new Promise<never>(() => undefined));
  runs.define('relay', async (_input, journal) => {
    process.stdout.write(`${JSON.stringify({ started: journal.runId })}\n`);
    return relay?.finish ? 'relayed' : new Promise<never>(() => undefined);
  });
  process.once('SIGTERM', () => void runs.close().finally(() => process.exit(0)));
  await runs.start();
  if (relay?.submit) {
    const handle = await runs.submit('relay', {}, { principal: 'tenant:alice' });
    process.stdout.write(`${JSON.stringify({ submitted: handle.runId })}\n`);
  }
  if (mode === 'submit') {
    const input = {
      question: 'Look up k1, k2 and k3.',
      ...(argument ? { limits: JSON.parse(argument) as object } : {}),
    };
    const handle = await runs.submit('lookup', input, { principal: 'tenant:alice' });
    process.stdout.write(`${JSON.stringify({ submitted: handle.runId })}\n`);
  }
  if (mode === 'calls') {
    const signal = new AbortController().signal;
    for (const n of [1, 2]) {
      const handle = await runs.startHere('hold', { n }, { principal: 'tenant:alice', signal, label: 'held_call' });
      process.stdout.write(`${JSON.stringify({ submitted: handle.runId })}\n`);
    }
  }
  if (mode === 'inline') {
    const signal = new AbortController().signal;
    let recorded!: () => void;
    const firstStep = new Promise<void>((resolve) => (recorded = resolve));
    void runs.run({ principal: 'tenant:alice', kind: 'lookup_call', signal }, async (journal) => {
      await journal.step('turn.1.model', async () => 'recorded');
      process.stdout.write(`${JSON.stringify({ submitted: journal.runId })}\n`);
      recorded();
      return journal.step('turn.2.model', () => new Promise<never>(() => undefined));
    });
    await firstStep;
  }
  if (burst) {
    createInterface({ input: process.stdin }).once('line', () => {
      const submits = Array.from({ length: burst.submits }, (_, n) =>
        runs.submit('hold', { n }, { principal: burst.principal }),
      );
      void Promise.allSettled(submits).then((settled) => {
        const admitted = settled.filter((s) => s.status === 'fulfilled').length;
        const refused = settled.filter((s) => s.status === 'rejected' && s.reason instanceof RunQueueFullError).length;
        process.stdout.write(`${JSON.stringify({ admitted, refused })}\n`);
      });
    });
  }
  process.stdout.write(`${JSON.stringify({ ready: executorId })}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
