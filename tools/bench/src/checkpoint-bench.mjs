// The cost of recording a step of an agent run (issue 17's gate: at most 5 % of a 20 ms scripted model turn).
// agent-core's runner against the scripted OpenAI-compatible server (each turn answered after 20 ms) runs the same
// 10-turn agent (nine turns calling a tool, then the answer: 19 steps) through createDurableRuns, where every model
// turn and tool call is a DBOS step recorded in PostgreSQL, and through createLocalRuns, where nothing is recorded,
// taking turns run by run so a burst of load elsewhere hits both alike. Each step's recording cost is measured
// around the step itself: the time the journal took minus the time the step's own work took.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, createOpenAIProvider, run, tool } from '@agent-mcp/agent-core';
import { createDurableRuns, createLocalRuns } from '@agent-mcp/durable-runs';
import { z } from 'zod';
import { BENCH_DIR, spawnNode, stop } from './processes.mjs';
import { ADMIN_URL, asAdmin, cpuSampler, withDatabase } from './sql-common.mjs';

export const CHECKPOINT_CASES = [
  { key: 'local', label: 'createLocalRuns: nothing recorded (the embedded default)' },
  {
    key: 'durable',
    label: 'createDurableRuns: each step a row of run_steps on PostgreSQL, in a DBOS workflow (asynchronous commit)',
  },
  {
    key: 'durable_dbos',
    label: 'createDurableRuns with steps: dbos: each step a DBOS step (asynchronous commit, plain JSON), for reference',
  },
];

export const TURN_MS = 20;
const TURNS = 10;
/** The gate: a step's recording may cost 5 % of the 20 ms turn. */
export const STEP_BUDGET_MS = TURN_MS * 0.05;

/**
 * The scripted model server in a process of its own (servers/scripted-model.mjs), as a model is another host in
 * production: `script()` queues one run's turns (nine calling the tool, then the answer, each after TURN_MS).
 */
async function startModel() {
  const child = spawnNode(resolve(BENCH_DIR, 'servers/scripted-model.mjs'), { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const { value, done } = await lines.next();
    clearTimeout(timer);
    if (done) throw new Error(`the scripted model server stopped:\n${child.stderrTail()}`);
    return JSON.parse(value);
  };
  const { url } = await next();
  return {
    url,
    async script() {
      child.stdin.write(`${JSON.stringify({ turns: TURNS, delayMs: TURN_MS })}\n`);
      await next();
    },
    close: () => stop(child),
  };
}

/** Times each step: the whole step through the journal, and the step's own work inside it. */
function timedJournal(journal, into) {
  return {
    ...journal,
    runId: journal.runId,
    child: (name) => journal.child(name),
    stepKey: (name) => journal.stepKey(name),
    async step(name, fn) {
      let work = 0;
      const started = performance.now();
      const value = await journal.step(name, async () => {
        const t = performance.now();
        try {
          return await fn();
        } finally {
          work = performance.now() - t;
        }
      });
      const total = performance.now() - started;
      into.push({ kind: name.includes('.model') ? 'model' : 'tool', total, work, recording: total - work });
      return value;
    },
  };
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

/** Percentiles and CPU per step of one case. */
function summarise({ steps, wallMs, cpuMs }) {
  const model = steps.filter((s) => s.kind === 'model');
  const recording = steps.map((s) => s.recording);
  return {
    steps: steps.length,
    runWallP50Ms: quantile(wallMs, 0.5),
    turnP50Ms: quantile(
      model.map((s) => s.total),
      0.5,
    ),
    recordingP50Ms: quantile(recording, 0.5),
    recordingP99Ms: quantile(recording, 0.99),
    modelRecordingP50Ms: quantile(
      model.map((s) => s.recording),
      0.5,
    ),
    toolRecordingP50Ms: quantile(
      steps.filter((s) => s.kind === 'tool').map((s) => s.recording),
      0.5,
    ),
    cpuMsPerStep: { bench: cpuMs.bench / (steps.length || NaN), postgres: cpuMs.postgres / (steps.length || NaN) },
  };
}

/**
 * Runs each case `runs` times, the cases taking turns, after one warm-up run of each; `once(runs, steps)` runs the
 * agent once through `runs`, timing its steps into `steps`.
 */
async function alternate(cases, { runs, cpu, once }) {
  const measured = Object.fromEntries(
    Object.keys(cases).map((key) => [key, { steps: [], wallMs: [], cpuMs: { bench: 0, postgres: 0 } }]),
  );
  for (const runsOf of Object.values(cases)) await once(runsOf, []);
  for (let i = 0; i < runs; i++) {
    for (const [key, runsOf] of Object.entries(cases)) {
      const into = measured[key];
      const before = await cpu.sample();
      const started = performance.now();
      await once(runsOf, into.steps);
      into.wallMs.push(performance.now() - started);
      const used = cpu.perCall(before, await cpu.sample(), 1);
      into.cpuMs.bench += (used.bench ?? NaN) / 1000;
      into.cpuMs.postgres += (used.postgres ?? NaN) / 1000;
    }
  }
  return Object.fromEntries(Object.entries(measured).map(([key, m]) => [key, summarise(m)]));
}

/**
 * Measures `runs` runs through each implementation: nothing recorded beside the default recording (rows of
 * run_steps), taking turns; then, for reference, the same with each step a DBOS step (one DBOS per process, so in
 * a second round). Creates a scratch database for the runs' tables and drops it after.
 */
export async function measureCheckpoint({ runs, log }) {
  const database = `bench_runs_${randomBytes(4).toString('hex')}`;
  await asAdmin(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${database}`));
  const databaseUrl = withDatabase(ADMIN_URL, database);
  const server = await startModel();
  const admin = new (await import('pg')).default.Client({ connectionString: databaseUrl });
  let durable;
  try {
    await admin.connect();
    const modelProvider = createOpenAIProvider({ apiKey: 'bench', baseURL: server.url, env: {} });
    const lookup = tool({
      name: 'lookup',
      description: 'Looks a key up.',
      parameters: z.object({ key: z.string() }),
      execute: async ({ key }) => `value of ${key}`,
    });
    const agent = new Agent({ name: 'bench', model: 'gpt-bench', tools: [lookup] });
    const never = new AbortController().signal;
    const once = async (runsOf, steps) => {
      await server.script();
      await runsOf.run({ principal: 'bench', kind: 'bench', signal: never }, (journal) =>
        run(agent, 'go', { modelProvider, journal: timedJournal(journal, steps) }),
      );
    };
    const cpu = cpuSampler(admin, database, undefined);
    log(`  ${runs} runs of ${TURNS} turns each way, alternating`);
    durable = createDurableRuns({ databaseUrl });
    await durable.start();
    const first = await alternate({ local: createLocalRuns(), durable }, { runs, cpu, once });
    await durable.close();
    log('  the same with DBOS steps, for reference');
    durable = createDurableRuns({ databaseUrl, steps: 'dbos' });
    await durable.start();
    const second = await alternate({ durable_dbos: durable }, { runs, cpu, once });
    return { turnMs: TURN_MS, turns: TURNS, runs, ...first, ...second };
  } finally {
    await durable?.close().catch(() => undefined);
    await admin.end().catch(() => undefined);
    await server.close();
    await asAdmin(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }
}
