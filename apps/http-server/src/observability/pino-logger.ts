import { pino } from 'pino';
import { createRedactor, type LogFields, type Logger, type LogLevel, type RedactOptions } from '@agent-mcp/context';

/** Options of {@link createPinoLogger}. */
export interface PinoLoggerOptions {
  readonly level: LogLevel;
  /** Fields on every line. */
  readonly bindings?: LogFields;
  /** Secrets to redact on top of the defaults. */
  readonly redact?: RedactOptions;
  /** Where lines go. Default: standard error (written asynchronously, flushed at exit). */
  readonly destination?: pino.DestinationStream;
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
 * The server log: pino JSON lines on stderr (stdout is never touched, so it can stay pure MCP), every line
 * passed through the shared redactor first. Lines keep the shape of the libraries' JSON logger (`time` ISO,
 * `level` as a name, `msg`), so one log pipeline reads both apps.
 */
export function createPinoLogger(options: PinoLoggerOptions): PinoLogger {
  const redact = createRedactor(options.redact);
  const destination = options.destination ?? pino.destination({ dest: 2, sync: false, minLength: 0 });
  const root = pino(
    {
      level: PINO_LEVEL[options.level],
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label === 'warn' ? 'warning' : label }) },
    },
    destination,
  );
  const wrap = (p: pino.Logger): Logger => {
    const emit = (method: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: LogFields) => {
      if (!p.isLevelEnabled(method)) return;
      p[method](fields ? redact(fields) : {}, redact({ m: message }).m as string);
    };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (bindings) => wrap(p.child(redact(bindings))),
    };
  };
  return {
    logger: options.bindings ? wrap(root.child(redact(options.bindings))) : wrap(root),
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
