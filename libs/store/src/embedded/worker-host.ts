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
  /** A new worker, not yet started; refused once the host is closed. */
  spawn(): Worker;
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

/** Creates a {@link WorkerHost}. */
export function createWorkerHost(options: WorkerHostOptions): WorkerHost {
  const live = new Set<Worker>();
  let closed = false;

  return {
    get closed() {
      return closed;
    },
    spawn() {
      if (closed) throw engineClosed();
      // Loaded on first use, not at import: builtins cost a launch time, and most launches never start the engine.
      const { Worker: WorkerThread } = process.getBuiltinModule('node:worker_threads');
      const w = new WorkerThread(WORKER_SOURCE, {
        eval: true,
        workerData: { entry: options.entry },
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
