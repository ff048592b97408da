// `npm run bench`: our servers beside a raw JSON-RPC floor and the SDK's documented stateless pattern, in one run.
// Usage: node tools/bench/bench.mjs [--quick] [--only=http,stdio,cold,sessions,sql,sqlpeers,sqlhttp,checkpoint]
// Prints Markdown tables and a PASS/FAIL line per target; writes results/latest.json and results/latest.md
// (results/latest-partial.* for --quick or --only runs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { BENCH_DIR, NODE, REPO_ROOT } from './src/processes.mjs';

// The harness needs Node >= 22 (global WebSocket for the inspector); run it on the repository's Node if the
// caller's is older (the system Node on the project's machines is 20).
if (Number(process.versions.node.split('.')[0]) < 22) {
  const child = spawnSync(NODE, [new URL(import.meta.url).pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const { HTTP_STACKS, measureHttpStacks } = await import('./src/http-bench.mjs');
const { NODE_FLOOR, STDIO_STACKS, measureColdStarts, measureStdioStacks } = await import('./src/stdio-bench.mjs');
const { measureSessionsMemory } = await import('./src/sessions-bench.mjs');
const { measureSqlQuery, SQL_CASES } = await import('./src/sql-bench.mjs');
const { measureSqlPeers, SQL_PEER_CASES } = await import('./src/sql-peers-bench.mjs');
const { measureSqlHttp, SQL_HTTP_STACKS } = await import('./src/sql-http-bench.mjs');
const { measureCheckpoint, CHECKPOINT_CASES } = await import('./src/checkpoint-bench.mjs');
const { evaluateTargets, formatReport } = await import('./src/report.mjs');
const { ensureWrk } = await import('./src/wrk.mjs');

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(
    [
      'Usage: npm run bench [-- --quick] [-- --only=http,stdio,cold,sessions,sql,sqlpeers,sqlhttp,checkpoint]',
      '',
      '  --quick   short runs (1 run of 2 s per figure, 20k sessions): a smoke test of the harness, not figures',
      '  --only    run only some parts',
      '',
      'Needs wrk (installed with apt-get when missing), the built apps (nx builds them first) and, for `sql`,',
      'PostgreSQL at BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres; a database is created and dropped;',
      'also for `sqlpeers`, `sqlhttp` and `checkpoint`).',
      '`sqlpeers` installs the pinned database MCP peers (tools/bench/peers/lock.json) with npm ci into',
      '$XDG_CACHE_HOME/agent-mcp-bench/sql-peers (or BENCH_PEERS_DIR) on first use.',
      'BENCH_COLD_BASELINE=path/to/main.js adds another stdio build to the cold start, launched in turn with ours.',
      '',
    ].join('\n'),
  );
  process.exit(0);
}
const quick = argv.includes('--quick');
const only = argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wants = (part) => !only || only.includes(part);

const plan = quick
  ? {
      runs: 1,
      seconds: 2,
      warmupSeconds: 1,
      coldRuns: 5,
      sessionsSmall: 1000,
      sessionsLarge: 20_000,
      sessionsMaxSeconds: 30,
      checkpointRuns: 3,
    }
  : {
      runs: 3,
      seconds: 5,
      warmupSeconds: 2,
      coldRuns: 15,
      sessionsSmall: 1000,
      sessionsLarge: 100_000,
      sessionsMaxSeconds: 150,
      checkpointRuns: 20,
    };

const log = (line) => process.stderr.write(`${line}\n`);
const rounded = (values) => values.map((v) => Math.round(v * 100) / 100);

for (const app of ['apps/http-server/dist/main.js', 'apps/stdio-server/dist/main.js']) {
  if (!existsSync(resolve(REPO_ROOT, app))) {
    log(`${app} is missing: build first (npx nx run bench:bench builds it)`);
    process.exit(1);
  }
}

const commit = (() => {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    // The servers are built from the working tree: say when it differs from the commit.
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps', 'libs'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
})();

const results = {
  meta: {
    date: new Date().toISOString(),
    quick,
    runs: plan.runs,
    seconds: plan.seconds,
    node: execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadBefore: rounded(loadavg()),
    commit,
  },
  labels: {
    http: Object.fromEntries(HTTP_STACKS.map((s) => [s.key, s.label])),
    stdio: Object.fromEntries([NODE_FLOOR, ...STDIO_STACKS].map((s) => [s.key, s.label])),
    sql: Object.fromEntries(SQL_CASES.map((s) => [s.key, s.label])),
    sqlPeers: Object.fromEntries(SQL_PEER_CASES.map((s) => [s.key, s.label])),
    sqlHttp: Object.fromEntries(SQL_HTTP_STACKS.map((s) => [s.key, s.label])),
    checkpoint: Object.fromEntries(CHECKPOINT_CASES.map((s) => [s.key, s.label])),
  },
};
const started = Date.now();

if (wants('http')) {
  ensureWrk();
  log(`HTTP, side by side: ${HTTP_STACKS.map((s) => s.key).join(', ')}`);
  results.http = await measureHttpStacks(HTTP_STACKS, { concurrencies: [1, 32], ...plan, log });
}
if (wants('stdio')) {
  results.stdio = {};
  log(`stdio, side by side: ${STDIO_STACKS.map((s) => s.key).join(', ')}`);
  Object.assign(results.stdio, await measureStdioStacks(STDIO_STACKS, { inFlight: 16, ...plan, log }));
}
if (wants('cold')) {
  // BENCH_COLD_BASELINE: another build's stdio main.js (say, main's, copied beside node_modules), launched in turn
  // with ours, so a change to the cold start is measured under the same load as the build it is compared with.
  const baseline = process.env.BENCH_COLD_BASELINE
    ? [
        {
          ...STDIO_STACKS.find((s) => s.key === 'ours'),
          key: 'baseline',
          label: `baseline: ${process.env.BENCH_COLD_BASELINE}`,
          script: resolve(process.env.BENCH_COLD_BASELINE),
        },
      ]
    : [];
  const stacks = [NODE_FLOOR, ...STDIO_STACKS, ...baseline];
  for (const s of baseline) results.labels.stdio[s.key] = s.label;
  log(`cold start: ${stacks.map((s) => s.label).join(', ')} (launched in turn)`);
  results.coldStart = await measureColdStarts(stacks, { runs: plan.coldRuns, log });
}
if (wants('sessions')) {
  log(`sessions: opening ${plan.sessionsSmall}, then up to ${plan.sessionsLarge} in total`);
  results.sessions = await measureSessionsMemory({
    small: plan.sessionsSmall,
    large: plan.sessionsLarge,
    maxSeconds: plan.sessionsMaxSeconds,
    log,
  });
}

if (wants('sql')) {
  log('sql_query beside raw pg');
  results.sql = await measureSqlQuery({ ...plan, log });
}
if (wants('sqlpeers')) {
  log('sql_query beside the database MCP peers');
  results.sqlPeers = await measureSqlPeers({ ...plan, log });
}
if (wants('sqlhttp')) {
  ensureWrk();
  log('sql_query over HTTP: embedded engine beside PostgreSQL');
  results.sqlHttp = await measureSqlHttp({ ...plan, log });
}
if (wants('checkpoint')) {
  log('agent run checkpoints: recorded steps (DBOS on PostgreSQL) beside unrecorded ones');
  results.checkpoint = await measureCheckpoint({ runs: plan.checkpointRuns, log });
}

results.meta.loadAfter = rounded(loadavg());
results.meta.elapsedSeconds = Math.round((Date.now() - started) / 1000);
results.targets = evaluateTargets(results);
const report = formatReport(results, results.targets);
process.stdout.write(`\n${report}\n`);

const out = resolve(BENCH_DIR, 'results');
mkdirSync(out, { recursive: true });
// Smoke runs must not overwrite the figures of the last full run.
const name = quick || only ? 'latest-partial' : 'latest';
writeFileSync(resolve(out, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(resolve(out, `${name}.md`), `${report}\n`);
log(`\nwrote ${resolve(out, `${name}.json`)} and .md (${results.meta.elapsedSeconds} s)`);
