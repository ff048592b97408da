import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** The repository root: these checks look at the workspace as a whole, never at their own project. */
export const workspaceRoot = resolve(__dirname, '..', '..', '..', '..');

/** The repository's Node 24 (the system node may be older). */
export const nodeBin = join(workspaceRoot, 'node_modules', '.bin', 'node');

const nxBin = join(workspaceRoot, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');

/** Environment for child processes: no Nx daemon or cloud, no colours to parse around, repo tools first. */
export const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  FORCE_COLOR: '0',
  NO_COLOR: '1',
  PATH: [join(workspaceRoot, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter),
};

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr in arrival order. */
  readonly output: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion; the timeout kills it so a hung tool fails the test instead of the whole run. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? workspaceRoot,
      env: options.env ?? childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      output += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs} ms\n${output}`));
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, output });
    });
  });
}

/** Runs the workspace's own Nx on the repository's Node. */
export function runNx(args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return run(nodeBin, [nxBin, ...args], { timeoutMs });
}

/** Runs Nx and parses its `--json` output, failing loudly with Nx's own message if it did not succeed. */
export async function nxJson<T>(args: readonly string[], timeoutMs = 60_000): Promise<T> {
  const result = await runNx([...args, '--json'], timeoutMs);
  if (result.code !== 0) throw new Error(`nx ${args.join(' ')} exited ${result.code}:\n${result.output}`);
  return JSON.parse(result.stdout) as T;
}

export interface WorkspacePackage {
  /** Directory relative to the workspace root, e.g. `libs/mcp-core`. */
  readonly dir: string;
  readonly manifest: {
    readonly name: string;
    readonly private?: boolean;
    readonly exports?: Record<string, unknown>;
    readonly nx?: { readonly name?: string; readonly tags?: readonly string[] };
  };
}

/** Every package under `folder` (`libs`, `apps`), read from disk so a new lib is checked without editing a list. */
export function workspacePackages(folder: 'libs' | 'apps'): WorkspacePackage[] {
  const root = join(workspaceRoot, folder);
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'package.json')))
    .map((entry) => ({
      dir: `${folder}/${entry.name}`,
      manifest: JSON.parse(
        readFileSync(join(root, entry.name, 'package.json'), 'utf8'),
      ) as WorkspacePackage['manifest'],
    }))
    .sort((a, b) => a.dir.localeCompare(b.dir));
}
