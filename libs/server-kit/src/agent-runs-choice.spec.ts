// Which queue carries the agent runs: over HTTP with DATABASE_URL, runs recorded in PostgreSQL (createDurableRuns:
// its replica row while it serves, handed over at close); over stdio, even with DATABASE_URL, the in-process queue.
// Each says so at start-up.
import { z } from 'zod';
import { createJsonLogger, parseConfig } from '@agent-mcp/context';
import { createThrowawayDatabase, type ThrowawayDatabase } from '@agent-mcp/context/testing';
import { createAgentMcpServer } from './create-agent-mcp-server';
import { sharedSettingsShape } from './settings';

let db: ThrowawayDatabase;
beforeAll(async () => (db = await createThrowawayDatabase({ prefix: 'kit_runs' })));
afterAll(() => db?.drop());

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createJsonLogger({ level: 'info', write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const heartbeats = () =>
  db.admin(async (c) => (await c.query('SELECT executor_id FROM agent_runs.replica_heartbeats')).rows);

it('records the runs in PostgreSQL over HTTP with DATABASE_URL, and hands the replica over at close', async () => {
  const env = { DATABASE_URL: db.url, LOG_LEVEL: 'info' };
  const { logger, lines } = capturingLogger();
  const composed = await createAgentMcpServer({
    env,
    settings: parseConfig(z.object(sharedSettingsShape('http')), env),
    transport: { kind: 'http', location: { resource: () => 'http://127.0.0.1:1/mcp' } },
    logger,
    builtinTools: false,
  });
  const runs = composed.runs;
  try {
    expect(runs.kind).toBe('durable');
    if (runs.kind !== 'durable') return;
    expect(lines.find((l) => String(l['msg']).startsWith('agent runs: recorded in PostgreSQL'))).toMatchObject({
      executorId: runs.executorId,
      recoveryAfterMs: 15_000,
    });
    await runs.start();
    expect(await heartbeats()).toEqual([{ executor_id: runs.executorId }]);
  } finally {
    await composed.close();
  }
  expect(await heartbeats()).toEqual([]);
});

it('keeps the in-process queue over stdio, DATABASE_URL or not', async () => {
  const { logger, lines } = capturingLogger();
  const composed = await createAgentMcpServer({
    env: { DATABASE_URL: db.url, LOG_LEVEL: 'info' },
    transport: { kind: 'stdio' },
    logger,
    builtinTools: false,
  });
  try {
    expect(composed.runs.kind).toBe('local');
    expect(lines.some((l) => String(l['msg']).startsWith('agent runs: in-process queue'))).toBe(true);
  } finally {
    await composed.close();
  }
});
