import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';

/** A replica process ({@link Replicas.start}), up and `ready`. */
export interface Replica {
  readonly child: ChildProcess;
  /** The runs it submitted or started, in order; `submitted` the last. */
  readonly runIds: string[];
  readonly submitted?: string;
  /** The first line it wrote, since its start, that has `key` (bounded: rejects after 20 s). */
  line<T>(key: string): Promise<T>;
}

/**
 * Replica processes of the specs: `spec-helpers/replica-process.ts` (this library's sources, as the specs run them)
 * bundled once, with the npm dependencies left to require, then started as child processes on one database and
 * model server. {@link close} kills the ones still running.
 */
export class Replicas {
  private readonly children: ChildProcess[] = [];

  private constructor(
    private readonly bundleDir: string,
    private readonly databaseUrl: string,
    private readonly modelUrl: string,
  ) {}

  static async bundle(databaseUrl: string, modelUrl: string): Promise<Replicas> {
    // Inside the project, so that the bundle's imports of npm packages resolve from the workspace's node_modules.
    mkdirSync(join(__dirname, '..', '..', 'out-tsc'), { recursive: true });
    const bundleDir = mkdtempSync(join(__dirname, '..', '..', 'out-tsc', 'replica-'));
    await build({
      entryPoints: [join(__dirname, 'replica-process.ts')],
      outfile: join(bundleDir, 'replica.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      conditions: ['@agent-mcp/source'],
      logLevel: 'error',
      plugins: [
        {
          name: 'npm-dependencies-external',
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path.startsWith('@agent-mcp/') ? undefined : { path: args.path, external: true },
            );
          },
        },
      ],
    });
    return new Replicas(bundleDir, databaseUrl, modelUrl);
  }

  /** Starts a replica process in `mode` (with its JSON `argument`); resolves once it wrote `{ ready }`. */
  start(
    executorId: string,
    mode: 'submit' | 'inline' | 'calls' | 'admit' | 'relay',
    argument?: object,
  ): Promise<Replica> {
    const script = join(this.bundleDir, 'replica.cjs');
    const args = [script, this.databaseUrl, this.modelUrl, executorId, mode];
    const child = spawn(process.execPath, argument ? [...args, JSON.stringify(argument)] : args, {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.children.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines: Record<string, unknown>[] = [];
    const waiting = new Set<() => void>();
    const runIds: string[] = [];
    const line = <T>(key: string) =>
      new Promise<T>((resolve, reject) => {
        const look = () => {
          const found = lines.find((l) => key in l);
          if (!found) return;
          waiting.delete(look);
          clearTimeout(timer);
          resolve(found as T);
        };
        const timer = setTimeout(() => {
          waiting.delete(look);
          reject(new Error(`replica ${executorId} wrote no ${key}: ${stderr}`));
        }, 20_000);
        waiting.add(look);
        look();
      });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      const event = JSON.parse(text) as Record<string, unknown>;
      if (typeof event['submitted'] === 'string') runIds.push(event['submitted']);
      lines.push(event);
      for (const look of [...waiting]) look();
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`replica ${executorId} exited (${code}): ${stderr}`))),
    );
    return Promise.race([line('ready'), exited]).then(() => {
      const submitted = runIds.at(-1);
      return { child, runIds, line, ...(submitted ? { submitted } : {}) };
    });
  }

  close(): void {
    for (const child of this.children) child.kill('SIGKILL');
    rmSync(this.bundleDir, { recursive: true, force: true });
  }
}
