import type { Worker } from 'node:worker_threads';
import { type Logger, SqlError } from '@agent-mcp/context';
import { WORKER_SOURCE } from './worker-source';

/** A worker's answer to one message (see worker-source.ts). */
export interface WorkerReply {
  readonly type: 'ready' | 'built' | 'result' | 'error';
  readonly id?: number;
  readonly bytes?: Uint8Array;
  readonly fields?: ReadonlyArray<{ readonly name: string; readonly dataTypeID: number }>;
  readonly rows?: ReadonlyArray<ReadonlyArray<string | null>>;
  readonly truncatedBy?: 'rows' | 'bytes';
  readonly affectedRows?: number;
  /** On `ready`: whether the worker runs the process's compiled PGlite module rather than compiling its own. */
  readonly precompiled?: boolean;
  readonly error?: { message: string; code?: string; position?: string };
}

/** Options of {@link createWorkerHost}. */
export interface WorkerHostOptions {
  /** Absolute path of PGlite's entry point, imported by the worker. */
  readonly entry: string;
  /** Worker heap limit in MiB, so a huge result ends the worker rather than the server. */
  readonly maxHeapMb: number;
  readonly logger: Logger;
}

/** Spawns PGlite worker threads and talks to them; knows every worker it started, so it can end them all. */
export interface WorkerHost {
  /**
   * A new worker, not yet started, handed PGlite's WebAssembly as this process compiled it; refused once the host
   * is closed.
   */
  spawn(): Promise<Worker>;
  /**
   * One request/reply exchange with a worker, bounded in time unless `timeoutMs` is undefined (then a
   * `SQL_TIMEOUT` SqlError); the worker's death or error rejects it.
   */
  exchange(
    w: Worker,
    message: Record<string, unknown>,
    timeoutMs: number | undefined,
    transfer?: ArrayBuffer[],
  ): Promise<WorkerReply>;
  /** Refuses later spawns and ends every worker not yet exited. */
  close(): Promise<void>;
  readonly closed: boolean;
}

/** The engine's closed error, one wording everywhere. */
export function engineClosed(): SqlError {
  return new SqlError('SQL_CLOSED', 'The database engine is closed.');
}

/** A compiled `WebAssembly.Module` (this project's lib, ES2023 without DOM, does not declare the WebAssembly API). */
export type CompiledWasm = object;
/** The global WebAssembly API, typed for the one call made here. */
export const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledWasm> } })
  .WebAssembly;

const compiledWasm = new Map<string, Promise<CompiledWasm | undefined>>();

/**
 * PGlite's WebAssembly (`pglite.wasm` beside its entry point), compiled once per process and shared by every worker
 * this process starts: a worker replaced at a deadline would otherwise compile megabytes of it again, and that
 * churn of executable pages is what V8 aborts on under load (`Check failed: jit_page`, nodejs/node#64500).
 * Undefined when the file cannot be read or compiled; then each worker compiles its own, as PGlite does by default.
 */
export function compiledPgliteWasm(entry: string, logger: Logger): Promise<CompiledWasm | undefined> {
  const { dirname, join } = process.getBuiltinModule('node:path');
  const file = join(dirname(entry), 'pglite.wasm');
  let compiled = compiledWasm.get(file);
  if (!compiled) {
    const { readFile } = process.getBuiltinModule('node:fs/promises');
    compiled = readFile(file)
      .then((bytes) => wasmApi.compile(bytes))
      .catch((error: unknown) => {
        logger.warn('PGlite WebAssembly not precompiled; each worker compiles its own', { file, err: error });
        return undefined;
      });
    compiledWasm.set(file, compiled);
  }
  return compiled;
}

/** Creates a {@link WorkerHost}. */
export function createWorkerHost(options: WorkerHostOptions): WorkerHost {
  const live = new Set<Worker>();
  let closed = false;

  return {
    get closed() {
      return closed;
    },
    async spawn() {
      if (closed) throw engineClosed();
      const pgliteWasmModule = await compiledPgliteWasm(options.entry, options.logger);
      if (closed) throw engineClosed();
      // Loaded on first use, not at import: builtins cost a launch time, and most launches never start the engine.
      const { Worker: WorkerThread } = process.getBuiltinModule('node:worker_threads');
      const w = new WorkerThread(WORKER_SOURCE, {
        eval: true,
        // A compiled module is shared with the worker, not copied: its code is compiled once for every worker.
        workerData: { entry: options.entry, pgliteWasmModule },
        resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb },
        // Captured, never inherited: the stdio server's stdout carries only MCP messages.
        stdout: true,
        stderr: true,
      });
      w.stdout.resume();
      live.add(w);
      w.once('exit', () => live.delete(w));
      w.stderr.on('data', (chunk: Buffer) =>
        options.logger.debug('embedded engine output', { text: chunk.toString('utf8').slice(0, 2000) }),
      );
      return w;
    },
    exchange(w, message, timeoutMs, transfer = []) {
      return new Promise((resolve, reject) => {
        const cleanup = () => {
          clearTimeout(timer);
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
        };
        const onMessage = (reply: WorkerReply) => {
          if (message.id !== undefined && reply.id !== message.id) return;
          cleanup();
          resolve(reply);
        };
        const onError = (error: Error) => {
          cleanup();
          reject(error);
        };
        const onExit = (code: number) => {
          cleanup();
          reject(new Error(`embedded engine worker exited (code ${code})`));
        };
        const timer =
          timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                cleanup();
                reject(new SqlError('SQL_TIMEOUT', `The embedded engine did not answer within ${timeoutMs} ms.`));
              }, timeoutMs);
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        w.postMessage(message, transfer);
      });
    },
    async close() {
      closed = true;
      await Promise.all([...live].map((w) => w.terminate()));
    },
  };
}
