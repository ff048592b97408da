import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { CancelledError } from '@agent-mcp/mcp-core';
import { type Logger, noopLogger } from '@agent-mcp/context';
import { DatabaseError } from '../errors';
import { type CheckedStatement, CURSOR_NAME, trustedStatement } from '../guard/statement-guard';
import { auditProblems, ROLE_AUDIT_SQL } from '../engine/role-audit';
import { SESSION_RESET_EMBEDDED, transactionPreamble } from '../engine/session-sql';
import { type ExecuteOptions, type QueryEngine, type QueryResult, type RawResult, type RoleAudit } from '../engine/types';
import { paramText, toQueryResult } from '../engine/values';
import { resolveDependency } from '../load-dependency';
import { WORKER_SOURCE } from './worker-source';

/** Options of {@link createEmbeddedEngine}. */
export interface EmbeddedEngineOptions {
  /**
   * SQL that creates the database's schema, data and read-only role (the sample data set by default); a
   * function is called only when the engine first starts, so building a large script costs nothing at launch.
   */
  readonly setupSql: string | (() => string);
  /** The read-only role statements run as; `setupSql` must create it. */
  readonly role: string;
  /** Keep the database in this directory (created from the snapshot on first start). Default: in memory. */
  readonly dataDir?: string;
  /**
   * Where the built snapshot of `setupSql` is cached between processes, so only the first start pays for
   * PGlite's initdb. Default: `<os tmpdir>/agent-mcp-tools-database`. `false` disables the file cache.
   */
  readonly snapshotCacheDir?: string | false;
  /** How long starting (or restarting) the engine may take. Default 120 s. */
  readonly startTimeoutMs?: number;
  /** How long a call may wait for the engine (it runs one statement at a time). Default 30 s. */
  readonly queueTimeoutMs?: number;
  /**
   * Keep a second instance started, so a worker ended at a deadline is replaced at once (PGlite takes
   * seconds to start). Costs the memory of one more instance. Default true.
   */
  readonly standby?: boolean;
  /** Worker heap limit in MiB, so a huge result ends the worker rather than the server. Default 512. */
  readonly maxHeapMb?: number;
  readonly logger?: Logger;
}

/** The embedded engine, with what tests and the apps need to observe its worker. */
export interface EmbeddedEngine extends QueryEngine {
  readonly kind: 'embedded';
  /** Resolves when the engine (and its standby, if any) is ready to run statements, starting it if needed. */
  ready(): Promise<void>;
  /** How many times the worker was ended and replaced (deadline, cancellation, crash). */
  readonly restarts: number;
}

interface WorkerReply {
  readonly type: 'ready' | 'built' | 'result' | 'error';
  readonly id?: number;
  readonly bytes?: Uint8Array;
  readonly fields?: RawResult['fields'];
  readonly rows?: RawResult['rows'];
  readonly truncatedBy?: 'rows' | 'bytes';
  readonly error?: { message: string; code?: string; position?: string };
}

interface Pending {
  readonly run: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) in a worker thread. Statements run one at a time; each gets a
 * deadline after which the worker is terminated and a fresh instance started from the snapshot, because
 * PGlite cannot interrupt a running statement. Cancellation ends the worker the same way.
 */
export function createEmbeddedEngine(options: EmbeddedEngineOptions): EmbeddedEngine {
  const logger = options.logger ?? noopLogger;
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const queueTimeoutMs = options.queueTimeoutMs ?? 30_000;
  const entry = resolvePglite();
  let snapshot: Promise<Uint8Array> | undefined;
  let worker: Worker | undefined;
  let starting: Promise<Worker> | undefined;
  let spare: Promise<Worker> | undefined;
  const exited = new WeakSet<Worker>();
  // Every worker not yet exited (active, standby, starting, snapshot builder), so close() can end them all.
  const live = new Set<Worker>();
  const standby = options.standby ?? true;
  let busy = false;
  let closed = false;
  let restarts = 0;
  let nextId = 1;
  const queue: Pending[] = [];

  function spawn(): Worker {
    if (closed) throw new DatabaseError('DATABASE_UNAVAILABLE', 'The database engine is closed.');
    // Loaded on first use, not at import: builtins cost a launch time, and most launches never start the engine.
    const { Worker: WorkerThread } = process.getBuiltinModule('node:worker_threads');
    const w = new WorkerThread(WORKER_SOURCE, {
      eval: true,
      workerData: { entry },
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 512 },
      // Captured, never inherited: the stdio server's stdout carries only MCP messages.
      stdout: true,
      stderr: true,
    });
    w.stdout.resume();
    live.add(w);
    w.once('exit', () => live.delete(w));
    w.stderr.on('data', (chunk: Buffer) => logger.debug('embedded engine output', { text: chunk.toString('utf8').slice(0, 2000) }));
    return w;
  }

  /** One request/reply exchange with a worker, bounded in time; the worker's death rejects it. */
  function exchange(w: Worker, message: Record<string, unknown>, timeoutMs: number, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
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
      const timer = setTimeout(() => {
        cleanup();
        reject(new DatabaseError('QUERY_TIMEOUT', `The embedded engine did not answer within ${timeoutMs} ms.`, { timeoutMs }));
      }, timeoutMs);
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage(message, transfer);
    });
  }

  async function buildSnapshot(): Promise<Uint8Array> {
    const cacheFile = await snapshotPath(options, entry);
    if (cacheFile) {
      const cached = await readFile(cacheFile).catch(() => undefined);
      if (cached) return new Uint8Array(cached);
    }
    const started = Date.now();
    const builder = spawn();
    try {
      const reply = await exchange(builder, { op: 'build', setupSql: setupSqlOf(options) }, startTimeoutMs);
      if (reply.type !== 'built' || !reply.bytes) throw new Error(reply.error?.message ?? 'snapshot build failed');
      logger.info('embedded database built', { ms: Date.now() - started, bytes: reply.bytes.byteLength });
      if (cacheFile) {
        // Written under a unique name and renamed, so concurrent processes never read a partial file.
        const tmp = `${cacheFile}.${process.pid}.${Date.now()}.tmp`;
        await mkdir(path.dirname(cacheFile), { recursive: true });
        await writeFile(tmp, reply.bytes);
        await rename(tmp, cacheFile);
      }
      return reply.bytes;
    } finally {
      await builder.terminate();
    }
  }

  async function start(): Promise<Worker> {
    snapshot ??= buildSnapshot();
    snapshot.catch(() => (snapshot = undefined));
    const bytes = await snapshot;
    const w = spawn();
    w.on('error', (error) => logger.warn('embedded engine worker failed', { err: error }));
    try {
      // A copy goes to the worker: the snapshot is kept for the next restart.
      const reply = await exchange(w, { op: 'start', snapshot: bytes.slice(), username: options.role, dataDir: options.dataDir }, startTimeoutMs);
      if (reply.type !== 'ready') throw new Error(reply.error?.message ?? 'the embedded engine did not start');
    } catch (error) {
      await w.terminate();
      throw new DatabaseError('DATABASE_UNAVAILABLE', `The embedded database could not start: ${(error as Error).message}`, undefined, error);
    }
    w.once('exit', () => {
      exited.add(w);
      if (worker === w) worker = undefined;
    });
    return w;
  }

  function activate(w: Worker): Worker {
    worker = w;
    // A warm standby makes replacing an ended worker instant instead of a full PGlite start.
    if (standby && !spare && !closed) {
      const next = start();
      spare = next;
      next.then(
        (s) => s.once('exit', () => spare === next && (spare = undefined)),
        (error: unknown) => {
          if (spare === next) spare = undefined;
          if (!closed) logger.warn('embedded engine standby failed to start', { err: error });
        },
      );
    }
    return w;
  }

  function ensureWorker(): Promise<Worker> {
    if (closed) return Promise.reject(new DatabaseError('DATABASE_UNAVAILABLE', 'The database engine is closed.'));
    if (worker) return Promise.resolve(worker);
    if (!starting) {
      const source = spare ?? start();
      spare = undefined;
      starting = source.then(
        (w) => {
          starting = undefined;
          if (closed) {
            void w.terminate();
            throw new DatabaseError('DATABASE_UNAVAILABLE', 'The database engine is closed.');
          }
          if (exited.has(w)) return ensureWorker();
          return activate(w);
        },
        (error: unknown) => {
          starting = undefined;
          throw error;
        },
      );
    }
    return starting;
  }

  /** Ends the worker (deadline, cancellation, crash) and promotes the standby or starts a replacement. */
  function replaceWorker(w: Worker, reason: string): void {
    if (worker === w) worker = undefined;
    restarts++;
    logger.warn('embedded engine worker replaced', { reason });
    void w.terminate();
    if (!closed) ensureWorker().catch((error: unknown) => logger.error('embedded engine restart failed', { err: error }));
  }

  function pump(): void {
    if (busy) return;
    const next = queue.shift();
    if (next) {
      busy = true;
      next.run();
    }
  }

  async function run(statement: CheckedStatement, opts: ExecuteOptions): Promise<RawResult> {
    const { signal } = opts;
    if (signal?.aborted) throw new CancelledError(String(signal.reason ?? 'Request cancelled'));
    // Wait for the engine's single session, bounded, and leave the queue if the caller cancels meanwhile.
    await new Promise<void>((resolve, reject) => {
      const entryInQueue: Pending = {
        run: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const leave = (error: Error) => {
        const i = queue.indexOf(entryInQueue);
        if (i >= 0) queue.splice(i, 1);
        reject(error);
      };
      const timer = setTimeout(() => leave(new DatabaseError('DATABASE_UNAVAILABLE', `The embedded database stayed busy for ${queueTimeoutMs} ms.`)), queueTimeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        leave(new CancelledError(String(signal?.reason ?? 'Request cancelled')));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(entryInQueue);
      pump();
    });

    try {
      const w = await ensureWorker();
      const id = nextId++;
      const message = {
        op: 'query',
        id,
        preamble: transactionPreamble({ timeoutMs: opts.timeoutMs, tenantId: opts.tenantId, role: options.role }),
        text: statement.text,
        params: paramText(opts.params),
        cursor: statement.kind === 'select',
        cursorName: CURSOR_NAME,
        batch: Math.min(opts.maxRows + 1, 1000),
        maxRows: opts.maxRows,
        maxBytes: opts.maxBytes,
        reset: SESSION_RESET_EMBEDDED,
      };
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          replaceWorker(w, 'cancelled');
          reject(new CancelledError(String(signal?.reason ?? 'Request cancelled')));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      aborted.catch(() => undefined);
      try {
        const reply = await Promise.race([exchange(w, message, opts.timeoutMs), aborted]).catch((error: unknown) => {
          if (error instanceof DatabaseError && error.code === 'QUERY_TIMEOUT') {
            replaceWorker(w, 'deadline');
            throw new DatabaseError('QUERY_TIMEOUT', `The statement ran longer than ${opts.timeoutMs} ms and was stopped.`, { timeoutMs: opts.timeoutMs });
          }
          if (!(error instanceof CancelledError)) {
            replaceWorker(w, 'worker failure');
            throw new DatabaseError('DATABASE_UNAVAILABLE', `The embedded database failed: ${(error as Error).message}`, undefined, error);
          }
          throw error;
        });
        if (reply.type === 'error') throw mapWorkerError(reply.error ?? { message: 'unknown error' });
        return {
          fields: reply.fields ?? [],
          rows: reply.rows ?? [],
          truncated: reply.truncatedBy !== undefined,
          ...(reply.truncatedBy ? { truncatedBy: reply.truncatedBy } : {}),
        };
      } finally {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
      }
    } finally {
      busy = false;
      pump();
    }
  }

  return {
    kind: 'embedded',
    get restarts() {
      return restarts;
    },
    async ready() {
      await ensureWorker();
      await spare?.catch(() => undefined);
    },
    async execute(statement, opts): Promise<QueryResult> {
      return toQueryResult(await run(statement, opts));
    },
    async auditRole(): Promise<RoleAudit> {
      const result = await this.execute(trustedStatement(ROLE_AUDIT_SQL), { maxRows: 1, maxBytes: 65_536, timeoutMs: 30_000 });
      return auditProblems(result.rows[0] ?? {});
    },
    async close() {
      closed = true;
      for (const pending of queue.splice(0)) pending.reject(new DatabaseError('DATABASE_UNAVAILABLE', 'The database engine is closed.'));
      worker = undefined;
      spare = undefined;
      await Promise.all([...live].map((w) => w.terminate()));
    },
  };
}

function mapWorkerError(error: { message: string; code?: string; position?: string }): DatabaseError {
  if (error.code && /^[0-9A-Z]{5}$/.test(error.code)) {
    const position = error.position ? Number(error.position) : undefined;
    return new DatabaseError('QUERY_FAILED', `PostgreSQL refused the statement: ${error.message} (SQLSTATE ${error.code})`, {
      sqlstate: error.code,
      ...(position ? { position } : {}),
    });
  }
  return new DatabaseError('QUERY_FAILED', `The embedded database failed: ${error.message}`);
}

const builtSetupSql = new WeakMap<EmbeddedEngineOptions, string>();

/** The setup script of `options`, built once if it was given as a function. */
function setupSqlOf(options: EmbeddedEngineOptions): string {
  if (typeof options.setupSql === 'string') return options.setupSql;
  let sql = builtSetupSql.get(options);
  if (sql === undefined) {
    sql = options.setupSql();
    builtSetupSql.set(options, sql);
  }
  return sql;
}

/** Absolute path of PGlite's entry point, for the worker to import. */
function resolvePglite(): string {
  return resolveDependency('@electric-sql/pglite');
}

async function snapshotPath(options: EmbeddedEngineOptions, entry: string): Promise<string | undefined> {
  if (options.snapshotCacheDir === false) return undefined;
  const dir = options.snapshotCacheDir ?? path.join(tmpdir(), 'agent-mcp-tools-database');
  const pkg = await readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8').catch(() => '');
  const version = (/"version"\s*:\s*"([^"]+)"/.exec(pkg) ?? [])[1] ?? 'unknown';
  // Loaded here, not at the top: node:crypto costs a launch ~20 ms and this runs only when the engine starts.
  const { createHash } = await import('node:crypto');
  const key = createHash('sha256').update(version).update('\0').update(options.role).update('\0').update(setupSqlOf(options)).digest('hex').slice(0, 16);
  return path.join(dir, `pglite-${version}-${key}.tar.gz`);
}
