import { ContextError } from './errors';
import { type z } from 'zod';

/** Raised when configuration is missing or invalid; its message names every offending variable. */
export class ConfigError extends ContextError {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Settings whose value is a secret: a mistake in one is named, never echoed (the message reaches logs). */
const SECRET_SETTING = /(SECRET|TOKEN|PASSWORD|_KEY)$/;

/**
 * Parses configuration (usually `process.env`) once, at the edge, with a zod schema whose keys are the
 * variable names. Returns a frozen value; throws {@link ConfigError} listing every problem at once, so that
 * a user fixes them in one go.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  source: Readonly<Record<string, string | undefined>>,
): Readonly<z.output<S>> {
  // Without zod's JIT: configuration is parsed once, and generating and compiling an object's fast path costs
  // more than that one parse (a few milliseconds of every stdio launch, which parses five settings schemas).
  const parsed = schema.safeParse(source, { jitless: true });
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.map(String).join('.') || '(config)';
        const value =
          typeof issue.path[0] === 'string' && !SECRET_SETTING.test(issue.path[0]) ? source[issue.path[0]] : undefined;
        return `${name}: ${issue.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`;
      }),
    );
  }
  return Object.freeze(parsed.data);
}

/** One documented setting, for `--help` output and the README's configuration table. */
export interface SettingDoc {
  readonly name: string;
  readonly default: string;
  readonly description: string;
}

/** Renders settings as an aligned plain-text table. */
export function formatSettings(settings: readonly SettingDoc[]): string {
  const width = Math.max(...settings.map((s) => s.name.length));
  const dwidth = Math.max(...settings.map((s) => s.default.length));
  return settings.map((s) => `  ${s.name.padEnd(width)}  ${s.default.padEnd(dwidth)}  ${s.description}`).join('\n');
}
