// A replica of the resume spec, run in a child process (bundled by the spec): it defines the `lookup` kind, starts
// the runs and, when asked, submits one run, then stays up until it is killed. Arguments: database URL, model URL,
// executor id, `submit` or `serve`. Writes one JSON line per event to stdout.
import { createDurableRuns } from '../durable-runs';
import { defineLookupRun } from './lookup-run';

async function main(): Promise<void> {
  const [databaseUrl, modelUrl, executorId, mode] = process.argv.slice(2);
  if (!databaseUrl || !modelUrl || !executorId)
    throw new Error('usage: replica-process <db> <model> <executor> [submit]');
  const runs = createDurableRuns({ databaseUrl, executorId, heartbeatMs: 300, recoveryAfterMs: 1500 });
  defineLookupRun(runs, modelUrl, databaseUrl);
  await runs.start();
  if (mode === 'submit') {
    const handle = await runs.submit('lookup', { question: 'Look up k1, k2 and k3.' }, { principal: 'tenant:alice' });
    process.stdout.write(`${JSON.stringify({ submitted: handle.runId })}\n`);
  }
  process.stdout.write(`${JSON.stringify({ ready: executorId })}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
