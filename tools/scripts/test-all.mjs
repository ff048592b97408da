#!/usr/bin/env node
// `npm test`: every stage of the repository's checks, in order. A failing stage is recorded and the later stages
// still run, so one run shows everything that is wrong; the exit code is non-zero if anything failed.
//   a) build, lint, typecheck and test of every project (the workspace checks, conformance and bench excluded)
//   b) the workspace checks (module boundaries, nx affected, packaging, API docs), which need the built dist of a)
//   c) the MCP conformance suite, when its project exists
//   d) one `N passed, N failed` line summed from every result file in test-results/
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import {
  collectResults,
  readResult,
  reportLines,
  resultsDir,
  summaryLine,
  workspaceRoot,
  writeResult,
} from './results.mjs';

const SEPARATE_PROJECTS = ['workspace-checks', 'conformance', 'bench'];

const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  FORCE_COLOR: '0',
  // The repo's Node 24 first on PATH for every child (the system node is too old).
  PATH: [join(workspaceRoot, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter),
};
const nxBin = join(workspaceRoot, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
const failedStages = [];

function banner(text) {
  console.log(`\n=== ${text} ===\n`);
}

/** Runs a command, echoing its output live and keeping it for parsing. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: workspaceRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', (error) => resolve({ code: 127, output: `${output}\n${error.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? 128, signal, output }));
  });
}

function nx(args) {
  return run(process.execPath, [nxBin, ...args]);
}

function nxJson(args) {
  const result = spawnSync(process.execPath, [nxBin, ...args, '--json'], { cwd: workspaceRoot, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout);
}

// Colours are off (FORCE_COLOR=0), but strip any escape codes a tool prints regardless.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Task ids listed under a heading of Nx's run summary ("Failed tasks:", "Tasks not run ..."). */
function tasksUnder(output, heading) {
  const lines = output.replace(ANSI, '').split('\n');
  const start = lines.findIndex((line) => line.includes(heading));
  if (start < 0) return [];
  const tasks = [];
  for (const line of lines.slice(start + 1)) {
    const match = /^\s*-\s+(\S+:\S+)\s*$/.exec(line);
    if (match) tasks.push(match[1]);
    else if (line.trim() !== '' && tasks.length > 0) break;
  }
  return tasks;
}

/**
 * Makes a failed run count even when it left no result file (the runner crashed, found no tests, or exited
 * non-zero after all its tests passed). `resultFile` is where the runner should have reported.
 */
function requireResult({ suite, resultFile, taskFailed, missingFile }) {
  const result = readResult(resultFile);
  if (!result) {
    writeResult(missingFile, {
      suite,
      passed: 0,
      failed: 1,
      failures: [`${suite} wrote no results to test-results/${resultFile}${taskFailed ? ' and its run failed' : ''}`],
    });
  } else if (taskFailed && result.failed === 0) {
    writeResult(missingFile, {
      suite,
      passed: 0,
      failed: 1,
      failures: [`${suite} exited non-zero although it reported no failing test (see its output above)`],
    });
  }
}

// V8 itself can abort a process that churns PGlite WebAssembly instances ("Check failed: jit_page...", an open
// upstream bug: nodejs/node#64500, electric-sql/pglite#1053). Such a run dies with no result file and no failing
// test. A test task that died that way is run once more, said so in the output; a second death, or any failing
// test, still fails the stage.
const V8_ABORT = /# Fatal error in .*\n#\s*\n?#?\s*Check failed|Check failed: jit_page/;

async function retryV8Crashes(failed, output) {
  if (!V8_ABORT.test(output)) return failed;
  const still = [];
  for (const task of failed) {
    const project = task.endsWith(':test') ? task.slice(0, -':test'.length) : undefined;
    if (!project || readResult(`jest/${project}.json`)) {
      still.push(task);
      continue;
    }
    console.log(`\n[test-all] ${task} died in V8 (nodejs/node#64500) without reporting; running it once more\n`);
    const again = await nx(['run', task, '--skip-sync', '--output-style=static']);
    if (again.code !== 0 || !readResult(`jest/${project}.json`)) still.push(task);
    else console.log(`[test-all] ${task} passed when run again`);
  }
  return still;
}

async function stageProjects(projects) {
  const excluded = SEPARATE_PROJECTS.filter((name) => projects.includes(name));
  banner(`a) build, lint, typecheck, test${excluded.length ? ` (except ${excluded.join(', ')})` : ''}`);
  // Generated TypeScript project references must be committed in sync; checked once here, and the tasks below
  // run on the files as they are (`--skip-sync`) instead of Nx refusing to run anything.
  const sync = await nx(['sync:check']);
  if (sync.code !== 0) {
    writeResult('nx/sync.json', {
      suite: 'nx:sync',
      passed: 0,
      failed: 1,
      failures: ['the workspace is out of sync (TypeScript project references): run `nx sync` and commit the result'],
    });
    failedStages.push('a) nx sync:check');
  }
  const args = ['run-many', '-t', 'build', 'lint', 'typecheck', 'test', '--skip-sync', '--output-style=static'];
  if (excluded.length) args.push(`--exclude=${excluded.join(',')}`);
  const first = await nx(args);
  const notRun = tasksUnder(first.output, 'Tasks not run because');
  const failed = await retryV8Crashes(tasksUnder(first.output, 'Failed tasks:'), first.output);
  const code = first.code !== 0 && (failed.length > 0 || notRun.length > 0) ? first.code : 0;

  const tested = nxJson(['show', 'projects', '--with-target', 'test']).filter((p) => !excluded.includes(p));
  for (const project of tested) {
    requireResult({
      suite: `jest:${project}`,
      resultFile: `jest/${project}.json`,
      taskFailed: failed.includes(`${project}:test`) || notRun.includes(`${project}:test`),
      missingFile: `missing/${project}-test.json`,
    });
  }
  const otherFailures = failed.filter((task) => !task.endsWith(':test'));
  if (otherFailures.length > 0 || (code !== 0 && failed.length === 0)) {
    writeResult('nx/projects.json', {
      suite: 'nx:build-lint-typecheck',
      passed: 0,
      failed: Math.max(otherFailures.length, 1),
      failures: [
        ...(otherFailures.length ? otherFailures.map((t) => `${t} failed`) : [`nx run-many exited with code ${code}`]),
        ...notRun.map((t) => `${t} not run: a task it depends on failed`),
      ],
    });
  }
  if (code !== 0) failedStages.push('a) build/lint/typecheck/test');
}

async function stageWorkspaceChecks(projects) {
  banner('b) workspace checks (module boundaries, nx affected, packaging, API docs)');
  if (!projects.includes('workspace-checks')) {
    writeResult('missing/workspace-checks.json', {
      suite: 'jest:workspace-checks',
      passed: 0,
      failed: 1,
      failures: ['project workspace-checks not found'],
    });
    failedStages.push('b) workspace checks');
    return;
  }
  const { code, output } = await nx([
    'run-many',
    '-t',
    'lint',
    'typecheck',
    'test',
    '-p',
    'workspace-checks',
    '--skip-sync',
    '--output-style=static',
  ]);
  const failed = tasksUnder(output, 'Failed tasks:');
  requireResult({
    suite: 'jest:workspace-checks',
    resultFile: 'jest/workspace-checks.json',
    taskFailed: code !== 0 && (failed.length === 0 || failed.includes('workspace-checks:test')),
    missingFile: 'missing/workspace-checks-test.json',
  });
  // Its own lint and typecheck; a lib build failing here was already counted in stage a.
  const otherFailures = failed.filter((task) => task.startsWith('workspace-checks:') && !task.endsWith(':test'));
  if (otherFailures.length > 0) {
    writeResult('nx/workspace-checks.json', {
      suite: 'nx:workspace-checks',
      passed: 0,
      failed: otherFailures.length,
      failures: otherFailures.map((t) => `${t} failed`),
    });
  }
  if (code !== 0) failedStages.push('b) workspace checks');
}

async function stageConformance(projects) {
  const scripts = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')).scripts ?? {};
  if (!projects.includes('conformance') || !scripts.conformance) {
    banner('c) conformance: skipped (no conformance project yet)');
    return;
  }
  banner('c) MCP conformance suite (npm run conformance)');
  // npm_execpath is the npm that started `npm test`; run it on this Node rather than trusting PATH.
  const npmCli = process.env.npm_execpath;
  const { code } =
    npmCli && existsSync(npmCli)
      ? await run(process.execPath, [npmCli, 'run', 'conformance'])
      : await run('npm', ['run', 'conformance']);
  requireResult({
    suite: 'conformance',
    resultFile: 'conformance.json',
    taskFailed: code !== 0,
    missingFile: 'missing/conformance.json',
  });
  if (code !== 0) failedStages.push('c) conformance');
}

async function main() {
  const started = Date.now();
  rmSync(resultsDir, { recursive: true, force: true });
  const projects = nxJson(['show', 'projects']);

  await stageProjects(projects);
  await stageWorkspaceChecks(projects);
  await stageConformance(projects);

  banner('d) summary');
  const collected = collectResults(resultsDir);
  for (const line of reportLines(collected)) console.log(line);
  console.log(
    `\nStages failed: ${failedStages.length ? failedStages.join('; ') : 'none'} (${Math.round((Date.now() - started) / 1000)} s)`,
  );
  console.log(summaryLine(collected.totals));
  const totals = collected.totals;
  process.exitCode = failedStages.length > 0 || totals.failed > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(`test-all: ${error.stack ?? error}`);
  try {
    writeResult('missing/test-all.json', {
      suite: 'test-all',
      passed: 0,
      failed: 1,
      failures: [String(error.message ?? error)],
    });
    console.log(summaryLine(collectResults(resultsDir).totals));
  } catch {
    console.log('0 passed, 1 failed');
  }
  process.exitCode = 1;
});
