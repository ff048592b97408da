import { createRedactor, type RedactOptions } from './logger-redact';

/** Severity levels, in the order of RFC 5424 as MCP's `logging/setLevel` uses them. */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = Object.freeze(
  Object.fromEntries(LOG_LEVELS.map((level, i) => [level, i])) as Record<LogLevel, number>,
);

/** True when a message at `level` passes a threshold of `threshold`. */
export function isLevelEnabled(level: LogLevel, threshold: LogLevel): boolean {
  return LEVEL_RANK[level] >= LEVEL_RANK[threshold];
}

/** Structured fields attached to a log line. Values must be JSON-serialisable and carry no secrets. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The server-side logger every component writes to. It never reaches an MCP client: logs that a client
 * should see go through `RequestContext.log` instead.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `bindings` to every line it writes. */
  child(bindings: LogFields): Logger;
}

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written. Default `info`. */
  readonly level?: LogLevel;
  /** Where lines go. Default: standard error, so that stdout stays pure MCP on stdio. */
  readonly write?: (line: string) => void;
  /** Fields on every line. */
  readonly bindings?: LogFields;
  /** Secrets to redact on top of the defaults (see `createRedactor`). Redaction is always on. */
  readonly redact?: RedactOptions;
}

const SERVER_LEVEL: Readonly<Record<'debug' | 'info' | 'warn' | 'error', LogLevel>> = {
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  error: 'error',
};

/** A dependency-free JSON-lines logger writing to standard error. */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  return jsonLogger(
    options.level ?? 'info',
    options.write ?? ((line: string) => process.stderr.write(line)),
    createRedactor(options.redact),
    options.bindings ?? {},
  );
}

function jsonLogger(
  threshold: LogLevel,
  write: (line: string) => void,
  redact: ReturnType<typeof createRedactor>,
  bindings: LogFields,
): Logger {
  const emit = (method: keyof typeof SERVER_LEVEL) => (message: string, fields?: LogFields) => {
    const level = SERVER_LEVEL[method];
    if (!isLevelEnabled(level, threshold)) return;
    write(
      `${safeStringify({ time: new Date().toISOString(), level, msg: redact({ msg: message }).msg, ...redact({ ...bindings, ...fields }) })}\n`,
    );
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (more) => jsonLogger(threshold, write, redact, { ...bindings, ...more }),
  };
}

/** A logger that drops everything; the default for libraries used without one. */
export const noopLogger: Logger = Object.freeze({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => noopLogger,
});

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) =>
      v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : typeof v === 'bigint' ? String(v) : v,
    );
  } catch {
    return JSON.stringify({ level: 'error', msg: 'unserialisable log line' });
  }
}
