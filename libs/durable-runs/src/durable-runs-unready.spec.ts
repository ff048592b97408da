// A call never waits long on the run engine: while DBOS is loading, or when its database cannot be reached, an
// inline run goes ahead unrecorded (it could not be resumed anyway), with its slot and its step keys, and says so.
import { createJsonLogger } from '@agent-mcp/context';
import { createDurableRuns } from './durable-runs';

it('runs a call unrecorded when the run engine cannot start, and tries again at the next call', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createJsonLogger({ level: 'warning', write: (line) => lines.push(JSON.parse(line)) });
  // Nothing listens on port 1: the launch fails at once.
  const runs = createDurableRuns({ databaseUrl: 'postgres://postgres@127.0.0.1:1/nowhere', logger });
  const never = new AbortController().signal;
  try {
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      const value = await runs.run({ principal: 'p', kind: 'call', signal: never }, async (journal) => ({
        one: await journal.step('one', async () => 1),
        key: journal.stepKey('one'),
      }));
      expect(value).toEqual({ one: 1, key: expect.stringMatching(/^run:[0-9a-f-]{36}:step:one$/) });
      expect(performance.now() - started).toBeLessThan(5000);
    }
    const failures = lines.filter((l) => String(l['msg']).startsWith('agent runs: the run engine did not start'));
    expect(failures).toHaveLength(2);
    expect(runs.stats()).toMatchObject({ running: 0, queued: 0 });
  } finally {
    await runs.close();
  }
});
