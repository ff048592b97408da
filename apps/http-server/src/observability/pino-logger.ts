import { pino } from 'pino';
import {
  createFlatFieldsSerializer,
  createRedactor,
  type LogFields,
  type Logger,
  type LogLevel,
  type RedactOptions,
  redactText,
} from '@agent-mcp/context';
import { BatchedDestination } from './batched-destination';
import { FdWriter } from './fd-writer';

/** Options of {@link createPinoLogger}. */
export interface PinoLoggerOptions {
  readonly level: LogLevel;
  /** Fields on every line. */
  readonly bindings?: LogFields;
  /** Secrets to redact on top of the defaults. */
  readonly redact?: RedactOptions;
  /**
   * Where lines go. Default: standard error in batches ({@link BatchedDestination}): lines are gathered until
   * they make {@link LOG_BATCH_CHARS} or {@link LOG_FLUSH_INTERVAL_MS} has passed, whichever comes first, then
   * written without blocking ({@link FdWriter}); `flush()` writes everything out synchronously, at shutdown and on a fatal error
   * ({@link flushOnFatalError}), and pino does too at exit. No line is dropped or sampled: when stderr is slower
   * than the server, lines wait in memory.
   */
  readonly destination?: pino.DestinationStream;
}

/**
 * Characters of log lines gathered before one write (about 90 request lines; half a Linux pipe's default 64 KiB, so
 * a reader that keeps up takes a batch whole). A write per line cost a syscall per request, and with the line itself
 * about a third of the HTTP server's throughput at the default log level; a pipe write wakes the log reader, which
 * costs far more than copying the bytes, so fewer, larger writes are cheaper per line.
 */
export const LOG_BATCH_CHARS = 32 * 1024;
/** Longest a line waits in the buffer on a quiet server. */
export const LOG_FLUSH_INTERVAL_MS = 200;

/** Longest the final flush waits for a log reader that is behind, at shutdown or on a fatal error. */
const FLUSH_SYNC_BUDGET_MS = 2000;

/**
 * Standard error, written without blocking. Reading `process.stderr` makes Node open a pipe on fd 2 in
 * non-blocking mode, so a log reader that falls behind delays lines, never requests.
 */
function stderrWriter(): FdWriter {
  const nodeStderr = process.stderr;
  return new FdWriter({
    fd: 2,
    retryMs: 10,
    flushSyncBudgetMs: FLUSH_SYNC_BUDGET_MS,
    otherWriterBusy: () => nodeStderr.writableLength > 0,
  });
}

/** A {@link Logger} and the means to flush it before the process exits. */
export interface PinoLogger {
  readonly logger: Logger;
  /** Writes out buffered lines synchronously; call before `process.exit`. */
  flush(): void;
}

// The libraries speak RFC 5424 levels (MCP's); pino has fewer. `notice` logs as info, the rest as error.
const PINO_LEVEL: Readonly<Record<LogLevel, pino.LevelWithSilent>> = {
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  alert: 'error',
  emergency: 'error',
};

/**
 * pino's ISO `time` field, made once per millisecond rather than once per line: under load many request lines
 * share a millisecond, and formatting a date costs more than the rest of the field.
 */
function isoTimeByMillisecond(): () => string {
  let last = -1;
  let field = '';
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      field = `,"time":"${new Date(now).toISOString()}"`;
    }
    return field;
  };
}

/**
 * The server log: pino JSON lines on stderr (stdout is never touched, so it can stay pure MCP), every line
 * passed through the shared redactor first. Lines keep the shape of the libraries' JSON logger (`time` ISO,
 * `level` as a name, `msg`), so one log pipeline reads both apps.
 */
export function createPinoLogger(options: PinoLoggerOptions): PinoLogger {
  const redact = createRedactor(options.redact);
  const flat = createFlatFieldsSerializer(options.redact);
  const destination =
    options.destination ??
    new BatchedDestination({
      target: stderrWriter(),
      batchChars: LOG_BATCH_CHARS,
      flushIntervalMs: LOG_FLUSH_INTERVAL_MS,
    });
  const time = isoTimeByMillisecond();
  const root = pino(
    {
      level: PINO_LEVEL[options.level],
      base: null,
      timestamp: time,
      formatters: { level: (label) => ({ level: levelName(label) }) },
    },
    destination,
  );
  /**
   * `p` and, when its bindings are all primitives, those bindings as JSON members: then a line whose fields are
   * primitives too (a request line) is written here in one pass, in pino's own layout, instead of being copied
   * redacted and serialized again by pino (about a fifth of an HTTP `ping`'s CPU time went to its log line).
   */
  const wrap = (p: pino.Logger, bindings: string | undefined): Logger => {
    const emit = (method: 'debug' | 'info' | 'warn' | 'error') => {
      const head = `{"level":"${levelName(method)}"`;
      return (message: string, fields?: LogFields) => {
        if (!p.isLevelEnabled(method)) return;
        const members = bindings === undefined ? undefined : fields ? flat(fields) : '';
        if (members === undefined) {
          p[method](fields ? redact(fields) : {}, redactText(message));
          return;
        }
        destination.write(`${head}${time()}${bindings}${members},"msg":${JSON.stringify(redactText(message))}}\n`);
      };
    };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (more) => wrap(p.child(redact(more)), bindings === undefined ? undefined : joined(bindings, flat(more))),
    };
  };
  return {
    logger: options.bindings ? wrap(root.child(redact(options.bindings)), flat(options.bindings)) : wrap(root, ''),
    flush: () => {
      const stream = destination as { flushSync?: () => void };
      try {
        stream.flushSync?.();
      } catch {
        // Nothing buffered, or stderr already gone: nothing more can be written anyway.
      }
    },
  };
}

/** The `level` a line carries: pino's label, with `warn` named as the libraries' logger names it. */
function levelName(label: string): string {
  return label === 'warn' ? 'warning' : label;
}

function joined(bindings: string, more: string | undefined): string | undefined {
  return more === undefined ? undefined : bindings + more;
}

/**
 * Makes a fatal error (an exception nothing caught, or a rejection nothing handled, which Node raises as one) end the process the way Node would (exit code 1),
 * but only after it is logged as a line of its own and every buffered line is written: without this, the lines
 * waiting in the buffer, the ones that tell what led to the crash, would be lost with the process.
 */
export function flushOnFatalError(log: PinoLogger): void {
  const fatal = (error: unknown, origin: string) => {
    try {
      log.logger.error('fatal error; exiting', { err: error, origin });
    } finally {
      log.flush();
      process.exit(1);
    }
  };
  process.on('uncaughtException', (error, origin) => fatal(error, origin));
}
