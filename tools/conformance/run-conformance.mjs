#!/usr/bin/env node
// `npm run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance) against
//   1. the fixture server of this project (built on @agent-mcp/mcp-core), every scenario, `--suite all`;
//   2. the real apps/http-server, the generic scenarios only (those that need no fixture tool, resource or
//      prompt), one `--scenario` run each;
//   3. a census of the suite's authorization scenarios: all are client scenarios in 0.1.16, and a server-side one
//      appearing in a later suite fails the run until it is wired to the http-server with auth on.
// Results are read from the suite's output directory, not scraped from its console. The unit counted is the
// scenario: one passes when at least one of its checks succeeded and none failed or warned (the per-check
// totals are printed too). Scenarios the suite itself marks pending are reported as skipped, not counted.
// Ends with `Total: N passed, N failed`, writes test-results/conformance.json and exits non-zero on any failure.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runBounded, startServer } from './scripts/processes.mjs';
import { countStatuses, readScenarioChecks, scenarioVerdict } from './scripts/results.mjs';

const projectRoot = dirname(fileURLToPath(import.meta.url));
const workspaceRoot = join(projectRoot, '..', '..');
const suiteRoot = join(workspaceRoot, 'node_modules', '@modelcontextprotocol', 'conformance');
const suiteCli = join(suiteRoot, 'dist', 'index.js');
const fixtureMain = join(projectRoot, 'dist', 'fixture-server.js');
const httpServerMain = join(workspaceRoot, 'apps', 'http-server', 'dist', 'main.js');
const outDir = join(projectRoot, 'out');
const resultFile = join(workspaceRoot, 'test-results', 'conformance.json');

/**
 * Scenarios that test the protocol and transport rather than fixture content, so any server must pass them.
 * Left out: every scenario that calls a fixture tool, reads a fixture resource or gets a fixture prompt by
 * name (tools-call-simple-text and tools-call-error among them: they pass against a server that answers an
 * unknown tool with an `isError` result, but ours answers with the protocol error MCP specifies).
 */
const GENERIC_SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'logging-set-level',
  'completion-complete',
  'resources-list',
  'resources-subscribe',
  'resources-unsubscribe',
  'prompts-list',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];

const TIMEOUTS = { list: 30_000, suiteAll: 300_000, suitePending: 120_000, scenario: 60_000, ready: 20_000 };
// The suite colours its console output whatever the terminal; its escape codes are dropped before parsing.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const childEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };

function suite(args, timeoutMs, logName) {
  return runBounded(process.execPath, [suiteCli, ...args], { cwd: workspaceRoot, env: childEnv, timeoutMs }).then(
    (run) => {
      writeFileSync(join(outDir, `${logName}.log`), `$ conformance ${args.join(' ')}\n${run.stdout}${run.stderr}`);
      if (run.timedOut) throw new Error(`conformance ${args.join(' ')} did not finish within ${timeoutMs} ms`);
      return { ...run, stdout: run.stdout.replace(ANSI, '') };
    },
  );
}

/** Scenarios of one side as the suite's CLI lists them (`conformance list --server` or `--client`). */
async function listScenarios(side) {
  const run = await suite(['list', `--${side}`], TIMEOUTS.list, `list-${side}`);
  const names = [...run.stdout.matchAll(/^\s+-\s+(\S+)/gm)].map((m) => m[1]);
  if (run.code !== 0 || names.length === 0)
    throw new Error(`conformance list --${side} failed:\n${run.stdout}${run.stderr}`);
  return names;
}

const isAuthorizationScenario = (name) => /(^|[/-])(auth|oauth|authorization)([/-]|$)/i.test(name);

/**
 * The suite's authorization scenarios, by side. In 0.1.16 every one of them (`auth/*`) is a client scenario: it
 * runs an MCP client against the suite's own mock authorization server and mock resource server, so none can be
 * pointed at our server (the resource-server behaviour they expect, 401 with `resource_metadata`, RFC 9728
 * metadata, 403 `insufficient_scope` with the scope, is tested over real HTTP in apps/http-server's auth.spec.ts).
 * A server-side authorization scenario in a later suite fails this run until it is run against the http-server
 * with authentication on, rather than being left out without anyone noticing.
 */
async function authorizationScenarios(serverListed) {
  const client = (await listScenarios('client')).filter(isAuthorizationScenario);
  const server = serverListed.filter(isAuthorizationScenario);
  return {
    client,
    server,
    failures: server.map(
      (name) =>
        `authorization/${name}: a server-side authorization scenario this runner does not run yet (run it against apps/http-server with AUTH_MODE on)`,
    ),
  };
}

/** Names of the scenarios a suite run ran, checked against the count it announced. */
function scenariosRun(stdout, suiteName) {
  const announced = new RegExp(`Running ${suiteName} suite \\((\\d+) scenarios\\)`).exec(stdout);
  const names = [...stdout.matchAll(/^=== Running scenario: (\S+) ===$/gm)].map((m) => m[1]);
  if (!announced || Number(announced[1]) !== names.length) {
    throw new Error(`could not read which scenarios the ${suiteName} suite ran:\n${stdout.slice(0, 2_000)}`);
  }
  return names;
}

/** The fixture: `--suite all`, then `--suite pending` to learn which of them the suite marks pending. */
async function runFixture(listed) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  const server = await startServer('conformance fixture', process.execPath, [fixtureMain], {
    cwd: projectRoot,
    env: { ...childEnv, PORT: String(port), HOST: '127.0.0.1' },
    url,
    readyTimeoutMs: TIMEOUTS.ready,
  });
  try {
    const dir = join(outDir, 'fixture');
    const all = await suite(
      ['server', '--url', url, '--suite', 'all', '-o', dir],
      TIMEOUTS.suiteAll,
      'fixture-suite-all',
    );
    const ranAll = scenariosRun(all.stdout, 'all');
    const pendingRun = await suite(
      ['server', '--url', url, '--suite', 'pending'],
      TIMEOUTS.suitePending,
      'fixture-suite-pending',
    );
    const pending = scenariosRun(pendingRun.stdout, 'pending');
    const expected = [...new Set([...listed, ...ranAll])];
    return {
      target: 'fixture',
      url,
      command: `conformance server --url ${url} --suite all -o ${relative(workspaceRoot, dir)}`,
      expected,
      pending,
      checks: readScenarioChecks(dir),
    };
  } finally {
    await server.stop();
  }
}

/** The real app: each generic scenario on its own. */
async function runHttpServer() {
  const dir = join(outDir, 'http-server');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  const base = {
    target: 'http-server',
    url,
    command: `conformance server --url ${url} --scenario <name> -o ${relative(workspaceRoot, dir)}`,
    expected: GENERIC_SCENARIOS,
    pending: [],
  };
  if (!existsSync(httpServerMain)) {
    return {
      ...base,
      checks: new Map(),
      error: `${relative(workspaceRoot, httpServerMain)} is missing: build it with nx build http-server`,
    };
  }
  let server;
  try {
    server = await startServer('http-server', process.execPath, [httpServerMain], {
      cwd: workspaceRoot,
      env: { ...childEnv, PORT: String(port), HOST: '127.0.0.1' },
      url,
      readyTimeoutMs: TIMEOUTS.ready,
    });
  } catch (error) {
    return { ...base, checks: new Map(), error: error.message };
  }
  try {
    // Two at a time: each run is mostly the suite's own start-up, and the scenarios use separate sessions.
    const queue = [...GENERIC_SCENARIOS];
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        await suite(['server', '--url', url, '--scenario', name, '-o', dir], TIMEOUTS.scenario, `http-server-${name}`);
      }
    };
    await Promise.all([worker(), worker()]);
    return { ...base, checks: readScenarioChecks(dir) };
  } finally {
    await server.stop();
  }
}

function evaluate(run) {
  const rows = [];
  for (const scenario of run.expected) {
    const checks = run.checks.get(scenario);
    const verdict = scenarioVerdict(checks);
    if (run.error && !checks) verdict.reason = run.error.split('\n')[0];
    rows.push({ scenario, pending: run.pending.includes(scenario), checks: checks ?? [], ...verdict });
  }
  return rows;
}

const clip = (text, max = 140) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

function printRun(run, rows) {
  console.log(`\n${run.target}: ${run.command}`);
  if (run.error) console.log(`  ERROR ${run.error}`);
  const width = Math.max(...rows.map((r) => r.scenario.length));
  for (const row of rows) {
    const c = countStatuses(row.checks);
    const tally = `${c.SUCCESS}/${c.SUCCESS + c.FAILURE + c.WARNING} checks`;
    if (row.pending) {
      console.log(
        `  skip ${row.scenario.padEnd(width)}  pending in the suite, not counted (observed: ${row.passed ? 'pass' : clip(row.reason)})`,
      );
    } else {
      console.log(
        `  ${row.passed ? 'ok  ' : 'FAIL'} ${row.scenario.padEnd(width)}  ${tally}${row.passed ? '' : `  ${clip(row.reason)}`}`,
      );
    }
  }
}

function writeResultFile(result) {
  mkdirSync(dirname(resultFile), { recursive: true });
  writeFileSync(
    resultFile,
    `${JSON.stringify({ suite: 'conformance', ...result, finishedAt: new Date().toISOString() }, null, 2)}\n`,
  );
}

async function main() {
  const started = Date.now();
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22)
    throw new Error(
      `the conformance suite needs Node 22 or later; this is ${process.version} (use node_modules/.bin/node)`,
    );
  if (!existsSync(suiteCli)) throw new Error(`${relative(workspaceRoot, suiteCli)} is missing: run npm ci`);
  if (!existsSync(fixtureMain))
    throw new Error(`${relative(workspaceRoot, fixtureMain)} is missing: build it with nx build conformance`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const version = JSON.parse(readFileSync(join(suiteRoot, 'package.json'), 'utf8')).version;
  const listed = await listScenarios('server');
  const authorization = await authorizationScenarios(listed);
  const unknown = GENERIC_SCENARIOS.filter((name) => !listed.includes(name));
  if (unknown.length > 0) throw new Error(`the suite no longer offers these generic scenarios: ${unknown.join(', ')}`);

  console.log(`MCP conformance suite ${version}, ${listed.length} server scenarios.`);
  console.log('Unit: the scenario. One passes when at least one of its checks succeeded and none failed or warned.');

  console.log(
    `Authorization scenarios: ${authorization.server.length} for servers${authorization.server.length ? ` (${authorization.server.join(', ')})` : ''}, ` +
      `${authorization.client.length} for clients (they test an MCP client against the suite's own mock authorization and resource servers; not applicable to a server).`,
  );

  const runs = [await runFixture(listed), await runHttpServer()];
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [...authorization.failures];
  const checkTotals = { SUCCESS: 0, FAILURE: 0, WARNING: 0, INFO: 0, SKIPPED: 0 };
  const targets = {};
  for (const run of runs) {
    const rows = evaluate(run);
    printRun(run, rows);
    const counted = rows.filter((r) => !r.pending);
    targets[run.target] = {
      passed: counted.filter((r) => r.passed).length,
      failed: counted.filter((r) => !r.passed).length,
      skipped: rows.length - counted.length,
      pending: rows.filter((r) => r.pending).map((r) => r.scenario),
    };
    passed += targets[run.target].passed;
    failed += targets[run.target].failed;
    skipped += targets[run.target].skipped;
    for (const row of counted) {
      if (!row.passed) failures.push(`${run.target}/${row.scenario}: ${row.reason}`);
      const c = countStatuses(row.checks);
      for (const status of Object.keys(checkTotals)) checkTotals[status] += c[status] ?? 0;
    }
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log('');
  for (const [target, t] of Object.entries(targets)) {
    console.log(
      `${target}: ${t.passed} of ${t.passed + t.failed} scenarios passed${t.skipped ? `, ${t.skipped} pending skipped (${t.pending.join(', ')})` : ''}`,
    );
  }
  console.log(
    `Checks of counted scenarios: ${checkTotals.SUCCESS} succeeded, ${checkTotals.FAILURE} failed, ${checkTotals.WARNING} warnings, ${checkTotals.INFO} info`,
  );
  console.log(`Raw results and suite logs: ${relative(workspaceRoot, outDir)}/ (${seconds} s)`);
  failed += authorization.failures.length;
  const authorizationResult = { serverScenarios: authorization.server, clientScenarios: authorization.client.length };
  writeResultFile({
    unit: 'scenario',
    passed,
    failed,
    skipped,
    failures,
    checks: checkTotals,
    targets,
    authorization: authorizationResult,
  });
  console.log(`Total: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(`conformance run failed: ${error.message}`);
  writeResultFile({
    unit: 'scenario',
    passed: 0,
    failed: 1,
    skipped: 0,
    failures: [`conformance run failed: ${error.message.split('\n')[0]}`],
  });
  console.log('Total: 0 passed, 1 failed');
  process.exitCode = 1;
});
