#!/usr/bin/env node
// `npm run conformance`: the official MCP conformance suite (@modelcontextprotocol/conformance, pinned) run once per
// spec revision this server speaks, 2025-11-25 and 2026-07-28, each with `--requirements <revision>` (exactly the
// scenarios the revision requires, frozen at its release), against
//   1. the fixture server of this project (built on @agent-mcp/mcp-core): every scenario of the revision, scored and
//      not scored (extensions, pending, added after the release: run and shown, never counted);
//   2. the real apps/http-server, the scenarios of the revision that need no fixture tool, resource or prompt, one
//      `--scenario <name> --spec-version <revision>` run each;
//   3. a census of the suite's authorization scenarios: all are client scenarios, and a server-side one appearing in
//      a later suite fails the run until it is wired to the http-server with auth on.
// Results are read from the suite's output directories, not scraped from its console. The unit counted is the
// scenario: one passes when at least one of its checks succeeded and none failed or warned (per-check totals are
// printed too). Scored scenarios known to fail are listed with their reason in scripts/expected-failures.mjs: the
// run stays green with them, fails on any other failing scored scenario, and fails when a listed one passes.
// Ends with `Total: N passed, N failed`, writes test-results/conformance.json and exits non-zero on any failure.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runBounded, startServer } from './scripts/processes.mjs';
import { EXPECTED_FAILURES } from './scripts/expected-failures.mjs';
import { serverRequirements } from './scripts/requirements.mjs';
import { countStatuses, readScenarioChecks, scenarioVerdict } from './scripts/results.mjs';

const projectRoot = dirname(fileURLToPath(import.meta.url));
const workspaceRoot = join(projectRoot, '..', '..');
const suiteRoot = join(workspaceRoot, 'node_modules', '@modelcontextprotocol', 'conformance');
const suiteCli = join(suiteRoot, 'dist', 'index.js');
const fixtureMain = join(projectRoot, 'dist', 'fixture-server.js');
const httpServerMain = join(workspaceRoot, 'apps', 'http-server', 'dist', 'main.js');
const outDir = join(projectRoot, 'out');
const resultFile = join(workspaceRoot, 'test-results', 'conformance.json');

/** The revisions this server speaks, each run on its own (`--requirements`). */
const REVISIONS = ['2025-11-25', '2026-07-28'];

/**
 * Per revision, the scenarios that test the protocol and transport rather than fixture content, so any server
 * must pass them. Left out: every scenario that calls a fixture tool, reads a fixture resource or gets a fixture
 * prompt by name (tools-call-simple-text and tools-call-error among them: they pass against a server that answers
 * an unknown tool with an `isError` result, but ours answers with the protocol error MCP specifies), and 2026-07-28's
 * server-stateless and input-required-result-* (they call the fixture's diagnostic tools).
 */
const GENERIC_SCENARIOS = {
  '2025-11-25': [
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
  ],
  '2026-07-28': [
    'tools-list',
    'completion-complete',
    'resources-list',
    'prompts-list',
    'caching',
    'sep-2164-resource-not-found',
    'server-sse-multiple-streams',
    'dns-rebinding-protection',
  ],
};

const TIMEOUTS = { list: 30_000, requirements: 300_000, scenario: 60_000, ready: 20_000 };
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

/** Names of the scenarios a `--requirements` run ran, checked against the count it announced. */
function scenariosRun(stdout, revision) {
  const announced = new RegExp(`Running requirements ${revision} \\((\\d+) scenarios\\)`).exec(stdout);
  const names = [...stdout.matchAll(/^=== Running scenario: (\S+) ===$/gm)].map((m) => m[1]);
  if (!announced || Number(announced[1]) !== names.length) {
    throw new Error(`could not read which scenarios the ${revision} run ran:\n${stdout.slice(0, 2_000)}`);
  }
  return names;
}

/** A fixture server, shared by the runs of every revision (it serves both on one endpoint). */
async function startFixture() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  const server = await startServer('conformance fixture', process.execPath, [fixtureMain], {
    cwd: projectRoot,
    env: { ...childEnv, PORT: String(port), HOST: '127.0.0.1' },
    url,
    readyTimeoutMs: TIMEOUTS.ready,
  });
  return { url, server };
}

/** The fixture: every scenario the revision requires, scored or not. */
async function runFixture(url, revision, requirements) {
  const dir = join(outDir, `fixture-${revision}`);
  const run = await suite(
    ['server', '--url', url, '--requirements', revision, '-o', dir],
    TIMEOUTS.requirements,
    `fixture-${revision}`,
  );
  const ran = scenariosRun(run.stdout, revision);
  const notScored = [...requirements.notScored.keys()];
  return {
    target: 'fixture',
    revision,
    url,
    command: `conformance server --url ${url} --requirements ${revision} -o ${relative(workspaceRoot, dir)}`,
    expected: [...new Set([...requirements.scored, ...notScored, ...ran])],
    notScored: requirements.notScored,
    checks: readScenarioChecks(dir),
  };
}

/** The real app: each generic scenario of every revision on its own, against one server process. */
async function runHttpServer() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  const base = (revision) => ({
    target: 'http-server',
    revision,
    url,
    command: `conformance server --url ${url} --scenario <name> --spec-version ${revision} -o ${relative(workspaceRoot, join(outDir, `http-server-${revision}`))}`,
    expected: GENERIC_SCENARIOS[revision],
    notScored: new Map(),
  });
  const failedAll = (error) => REVISIONS.map((revision) => ({ ...base(revision), checks: new Map(), error }));
  if (!existsSync(httpServerMain))
    return failedAll(`${relative(workspaceRoot, httpServerMain)} is missing: build it with nx build http-server`);
  let server;
  const dataHome = mkdtempSync(join(tmpdir(), 'agent-mcp-conformance-data-'));
  try {
    server = await startServer('http-server', process.execPath, [httpServerMain], {
      cwd: workspaceRoot,
      // A data home of its own: the embedded databases of another server on this machine (a developer's, another
      // checkout's run) hold their directories, and this run must neither wait for them nor write into them.
      env: { ...childEnv, PORT: String(port), HOST: '127.0.0.1', XDG_DATA_HOME: dataHome },
      url,
      readyTimeoutMs: TIMEOUTS.ready,
    });
  } catch (error) {
    rmSync(dataHome, { recursive: true, force: true });
    return failedAll(error.message);
  }
  try {
    const runs = [];
    for (const revision of REVISIONS) {
      const dir = join(outDir, `http-server-${revision}`);
      // Two at a time: each run is mostly the suite's own start-up, and the scenarios share no state.
      const queue = [...GENERIC_SCENARIOS[revision]];
      const worker = async () => {
        for (let name = queue.shift(); name; name = queue.shift()) {
          const args = ['server', '--url', url, '--scenario', name, '--spec-version', revision, '-o', dir];
          await suite(args, TIMEOUTS.scenario, `http-server-${revision}-${name}`);
        }
      };
      await Promise.all([worker(), worker()]);
      runs.push({ ...base(revision), checks: readScenarioChecks(dir) });
    }
    return runs;
  } finally {
    await server.stop();
    rmSync(dataHome, { recursive: true, force: true });
  }
}

function evaluate(run) {
  const expectedFailures = EXPECTED_FAILURES[run.revision]?.[run.target] ?? {};
  const rows = [];
  for (const scenario of run.expected) {
    const checks = run.checks.get(scenario);
    const verdict = scenarioVerdict(checks);
    if (run.error && !checks) verdict.reason = run.error.split('\n')[0];
    const notScored = run.notScored.get(scenario);
    const known = expectedFailures[scenario];
    rows.push({ scenario, notScored, known, checks: checks ?? [], ...verdict });
  }
  return rows;
}

const clip = (text, max = 140) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

function printRun(run, rows) {
  console.log(`\n${run.target}, ${run.revision}: ${run.command}`);
  if (run.error) console.log(`  ERROR ${run.error}`);
  const width = Math.max(...rows.map((r) => r.scenario.length));
  for (const row of rows) {
    const c = countStatuses(row.checks);
    const tally = `${c.SUCCESS}/${c.SUCCESS + c.FAILURE + c.WARNING} checks`;
    const observed = row.passed ? 'pass' : clip(row.reason);
    if (row.notScored) {
      console.log(`  skip ${row.scenario.padEnd(width)}  not scored (${row.notScored}), observed: ${observed}`);
    } else if (row.known && !row.passed) {
      console.log(`  KNOWN ${row.scenario.padEnd(width)} ${tally}  expected failure: ${row.known}`);
    } else if (row.known) {
      console.log(
        `  FAIL ${row.scenario.padEnd(width)}  ${tally}  passes but is listed as an expected failure: remove it`,
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
  const unknown = REVISIONS.flatMap((revision) => GENERIC_SCENARIOS[revision]).filter((name) => !listed.includes(name));
  if (unknown.length > 0) throw new Error(`the suite no longer offers these generic scenarios: ${unknown.join(', ')}`);

  console.log(
    `MCP conformance suite ${version}, ${listed.length} server scenarios; revisions ${REVISIONS.join(', ')}.`,
  );
  console.log('Unit: the scenario. One passes when at least one of its checks succeeded and none failed or warned.');

  console.log(
    `Authorization scenarios: ${authorization.server.length} for servers${authorization.server.length ? ` (${authorization.server.join(', ')})` : ''}, ` +
      `${authorization.client.length} for clients (they test an MCP client against the suite's own mock authorization and resource servers; not applicable to a server).`,
  );

  const fixture = await startFixture();
  const runs = [];
  try {
    for (const revision of REVISIONS) {
      runs.push(await runFixture(fixture.url, revision, serverRequirements(suiteRoot, revision)));
    }
  } finally {
    await fixture.server.stop();
  }
  runs.push(...(await runHttpServer()));
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let known = 0;
  const failures = [...authorization.failures];
  const checkTotals = { SUCCESS: 0, FAILURE: 0, WARNING: 0, INFO: 0, SKIPPED: 0 };
  const targets = {};
  for (const run of runs) {
    const rows = evaluate(run);
    printRun(run, rows);
    const scored = rows.filter((r) => !r.notScored);
    const key = `${run.target} ${run.revision}`;
    const t = (targets[key] = {
      passed: scored.filter((r) => r.passed).length,
      scored: scored.length,
      expectedFailures: scored.filter((r) => r.known && !r.passed).map((r) => r.scenario),
      notScored: rows
        .filter((r) => r.notScored)
        .map((r) => ({ scenario: r.scenario, reason: r.notScored, passed: r.passed })),
    });
    passed += t.passed;
    known += t.expectedFailures.length;
    skipped += t.notScored.length;
    for (const row of scored) {
      if (!row.passed && !row.known) failures.push(`${key}/${row.scenario}: ${row.reason}`);
      if (row.passed && row.known) failures.push(`${key}/${row.scenario}: passes but is listed as an expected failure`);
      const c = countStatuses(row.checks);
      for (const status of Object.keys(checkTotals)) checkTotals[status] += c[status] ?? 0;
    }
  }
  failed = failures.length;

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log('');
  for (const [target, t] of Object.entries(targets)) {
    const open = t.notScored.filter((n) => n.passed).length;
    console.log(
      `${target}: ${t.passed} of ${t.scored} scored scenarios passed` +
        (t.expectedFailures.length ? `, ${t.expectedFailures.length} known failures` : '') +
        (t.notScored.length ? `; not scored: ${open} of ${t.notScored.length} pass` : ''),
    );
  }
  console.log(
    `Checks of scored scenarios: ${checkTotals.SUCCESS} succeeded, ${checkTotals.FAILURE} failed, ${checkTotals.WARNING} warnings, ${checkTotals.INFO} info`,
  );
  console.log(`Raw results and suite logs: ${relative(workspaceRoot, outDir)}/ (${seconds} s)`);
  const authorizationResult = { serverScenarios: authorization.server, clientScenarios: authorization.client.length };
  writeResultFile({
    unit: 'scenario',
    version,
    revisions: REVISIONS,
    passed,
    failed,
    skipped,
    knownFailures: known,
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
