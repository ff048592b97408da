import {
  SqlError,
  type SqlClient,
  type SqlQueryable,
  type SqlQueryOptions,
  type SqlResult,
  type SqlRow,
} from '@agent-mcp/context';

/** What the trusted client needs of the engine. */
export interface TrustedPorts {
  /** Takes the engine's session; resolves to its release. */
  acquire(signal: AbortSignal | undefined, waitMs: number): Promise<() => void>;
  /** Starts the worker if needed (bounded by the engine's start timeout, not the statement's deadline). */
  ready(): Promise<void>;
  /** Runs one statement in the worker, to its end. */
  send(text: string, params: readonly unknown[] | undefined): Promise<SqlResult>;
  readonly queueTimeoutMs: number;
}

const TRUSTED_DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The embedded engine's {@link SqlClient}. A call holds the engine's session from its first statement until
 * the worker has answered its last, so caller statements never interleave with an application transaction.
 */
export function createTrustedClient(ports: TrustedPorts): SqlClient {
  let closed = false;

  async function withSession<T>(
    opts: SqlQueryOptions,
    work: (
      send: (text: string, params?: readonly unknown[], o?: SqlQueryOptions, unbounded?: boolean) => Promise<SqlResult>,
    ) => Promise<T>,
  ): Promise<T> {
    if (closed) throw new SqlError('SQL_CLOSED', 'The SQL client is closed.');
    if (opts.signal?.aborted) throw cancelled(opts.signal);
    const timeoutMs = opts.timeoutMs ?? TRUSTED_DEFAULT_TIMEOUT_MS;
    const release = await ports.acquire(opts.signal, Math.min(ports.queueTimeoutMs, timeoutMs));
    try {
      await ports.ready();
    } catch (error) {
      release();
      throw error;
    }
    // The deadline counts from a running engine: its first start (seconds) is not the statement's time.
    const deadlineAt = Date.now() + timeoutMs;
    let inflight: Promise<unknown> = Promise.resolve();
    const send = (
      text: string,
      params?: readonly unknown[],
      o: SqlQueryOptions = {},
      unbounded = false,
    ): Promise<SqlResult> => {
      const signal = unbounded
        ? undefined
        : o.signal && opts.signal
          ? AbortSignal.any([o.signal, opts.signal])
          : (o.signal ?? opts.signal);
      if (signal?.aborted) return Promise.reject(cancelled(signal));
      const at = unbounded
        ? Infinity
        : Math.min(deadlineAt, o.timeoutMs === undefined ? Infinity : Date.now() + o.timeoutMs);
      if (Date.now() >= at) return Promise.reject(timedOut(at === deadlineAt ? timeoutMs : (o.timeoutMs as number)));
      // One statement at a time, in order: the worker's session is a single connection.
      const reply = inflight.then(() => ports.send(text, params));
      inflight = reply.catch(() => undefined);
      if (!signal && at === Infinity) return reply;
      return new Promise<SqlResult>((resolve, reject) => {
        const finish = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        const onAbort = () => {
          finish();
          reject(cancelled(signal));
        };
        const timer =
          at === Infinity
            ? undefined
            : setTimeout(
                () => (finish(), reject(timedOut(at === deadlineAt ? timeoutMs : (o.timeoutMs as number)))),
                at - Date.now(),
              );
        signal?.addEventListener('abort', onAbort, { once: true });
        reply.then(
          (value) => (finish(), resolve(value)),
          (error: unknown) => (finish(), reject(error)),
        );
      });
    };
    try {
      return await work(send);
    } finally {
      // The session is free only once the worker has answered everything sent, even past a deadline.
      void inflight.then(release);
    }
  }

  return {
    kind: 'embedded',
    query<R extends SqlRow = SqlRow>(
      text: string,
      params?: readonly unknown[],
      opts: SqlQueryOptions = {},
    ): Promise<SqlResult<R>> {
      return withSession(opts, (send) => send(text, params)) as Promise<SqlResult<R>>;
    },
    transaction<T>(work: (tx: SqlQueryable) => Promise<T>, opts: SqlQueryOptions = {}): Promise<T> {
      return withSession(opts, async (send) => {
        let ended = false;
        const tx: SqlQueryable = {
          query: <R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[], o?: SqlQueryOptions) =>
            (ended
              ? Promise.reject(new SqlError('SQL_CLOSED', 'The transaction has already ended.'))
              : send(text, params, o)) as Promise<SqlResult<R>>,
        };
        try {
          await send('BEGIN');
          const value = await work(tx);
          await send('COMMIT');
          return value;
        } catch (error) {
          // Unbounded: an aborted caller still wants its transaction rolled back, after whatever still runs.
          await send('ROLLBACK', undefined, {}, true).catch(() => undefined);
          throw error;
        } finally {
          ended = true;
        }
      });
    },
    async close() {
      closed = true;
    },
  };
}

function cancelled(signal: AbortSignal | undefined): SqlError {
  return new SqlError('SQL_CANCELLED', `The statement was cancelled: ${String(signal?.reason ?? 'request cancelled')}`);
}

function timedOut(timeoutMs: number): SqlError {
  return new SqlError(
    'SQL_TIMEOUT',
    `The statement ran longer than ${timeoutMs} ms; the embedded engine lets a running statement finish, and rolls back the transaction it belonged to.`,
  );
}
