import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/** The built app, as the Dockerfile and `npm start` run it. */
export const MAIN = path.resolve(__dirname, '../../dist/main.js');

/** A running http-server process on loopback. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:PORT`. */
  readonly base: string;
  readonly exited: Promise<number | null>;
  /** Everything written to stderr (the log) so far. */
  stderr(): string;
  /** Parsed JSON log lines so far. */
  logLines(): Array<Record<string, unknown>>;
  /** Ends the process at once. */
  kill(): Promise<void>;
}

/** Starts `dist/main.js` with `env` on a free loopback port and waits for its `listening` line. */
export async function startServerProcess(
  env: Record<string, string> = {},
  args: readonly string[] = [MAIN],
  cwd?: string,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...args], {
    cwd,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15_000);
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /"url":"(http:\/\/[^"]+)\/mcp"/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`server exited: ${stderr}`));
    });
  });
  return {
    child,
    base,
    exited,
    stderr: () => stderr,
    logLines: () =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits until `check` holds, polling; fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Reads until `done` holds of what was read, polling every 100 ms; fails after `timeoutMs` with the last value read.
 * @returns the value that held
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The info line a process logs once its durable run engine is up (with `DATABASE_URL`). */
const RUN_ENGINE_UP = 'agent runs: the run engine is up';

/**
 * Waits (bounded) until `server`'s run engine is up, so that its agent tasks are durable runs; returns the executor
 * id it logged.
 */
export async function untilRunEngineUp(server: ServerProcess, timeoutMs: number): Promise<string> {
  const upLine = () => server.logLines().find((l) => l['msg'] === RUN_ENGINE_UP);
  await until(() => upLine() !== undefined, timeoutMs, 'the run engine to start');
  return (upLine() as { executorId: string }).executorId;
}
