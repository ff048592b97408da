import { Agent, createOpenAIProvider, run, type RunLimits, tool } from '@agent-mcp/agent-core';
import pg from 'pg';
import { z } from 'zod';
import { type DurableRuns } from '../durable-runs';

/** The table the lookup tool writes a row to per call it runs, so a spec can count calls across processes. */
export const LOOKUPS_DDL =
  'CREATE TABLE IF NOT EXISTS lookups (key text NOT NULL, step_key text, pid int NOT NULL, at timestamptz NOT NULL DEFAULT now())';

/**
 * Defines the run kind `lookup` on `runs`, the same in every process of a spec: an agent on the scripted server at
 * `modelUrl` whose tool `lookup` records each call it runs in the table `lookups`; the input's `limits`, when given,
 * are the run's (its model turns, tokens, deadline).
 */
export function defineLookupRun(runs: DurableRuns, modelUrl: string, databaseUrl: string): { close(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => undefined);
  const lookup = tool({
    name: 'lookup',
    description: 'Looks a key up.',
    parameters: z.object({ key: z.string() }),
    execute: async ({ key }, context) => {
      await pool.query('INSERT INTO lookups (key, step_key, pid) VALUES ($1, $2, $3)', [
        key,
        context.idempotencyKey ?? null,
        process.pid,
      ]);
      return `value of ${key}`;
    },
  });
  const agent = new Agent({ name: 'lookup', model: 'gpt-test', tools: [lookup] });
  const modelProvider = createOpenAIProvider({ apiKey: 'test-key', baseURL: modelUrl, env: {} });
  runs.define('lookup', async (input: { question: string; limits?: RunLimits }, journal) => {
    const limits = input.limits ?? {};
    // A cancel from any replica aborts the model request in flight.
    const result = await run(agent, input.question, { modelProvider, journal, limits, signal: journal.signal });
    return result.finalOutput;
  });
  return { close: () => pool.end() };
}
