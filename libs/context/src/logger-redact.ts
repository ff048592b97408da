import { type LogFields } from './logger';

/** What replaces a redacted value. */
export const REDACTED = '[redacted]';

/**
 * Field names whose values are secrets wherever they appear, at any depth: `*password*`, `*secret*`, `*token*`,
 * API keys, credentials, private keys, and the `Authorization`, `Cookie` and `Set-Cookie` headers.
 */
export const DEFAULT_REDACT_KEY_PATTERN =
  /pass(word|wd|phrase)|secret|token|authorization|cookie|api[-_]?key|credential|private[-_]?key|signature/i;

// Secrets that travel inside strings (an error message quoting a header): bearer credentials and vendor keys.
const SECRET_IN_TEXT = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}|\bsk-[A-Za-z0-9_-]{16,}/g;

/** A string with bearer credentials and vendor keys inside it replaced by {@link REDACTED}. */
export function redactText(text: string): string {
  // The shortest secret the pattern matches (`Basic ` and 8 characters) is 14 characters long; most logged
  // strings (methods, outcomes, tool names) are shorter, and skip the regular expression.
  if (text.length < 14) return text;
  return text.replace(SECRET_IN_TEXT, (_match, scheme?: string) => (scheme ? `${scheme} ${REDACTED}` : REDACTED));
}

/** Options of {@link createRedactor}. */
export interface RedactOptions {
  /**
   * More fields to redact, as dot paths from the top of a line (`params.arguments.ssn`, `headers.x-internal-auth`);
   * a `*` segment matches any one key. Added to the defaults, never replacing them.
   */
  readonly paths?: readonly string[];
  /** Field names redacted at any depth. Default {@link DEFAULT_REDACT_KEY_PATTERN}. */
  readonly keyPattern?: RegExp;
}

/** A function that returns a copy of log fields with every secret replaced by {@link REDACTED}. */
export type Redactor = (fields: LogFields) => Record<string, unknown>;

const MAX_DEPTH = 8;
const NO_PATHS: readonly (readonly string[])[] = [];

/**
 * Builds the redactor both server loggers run on every line, so that a secret never reaches a log whatever the
 * caller passed: values under secret-looking names, configured paths, and bearer credentials inside strings.
 * Leaves its input untouched.
 */
export function createRedactor(options: RedactOptions = {}): Redactor {
  const keyPattern = options.keyPattern ?? DEFAULT_REDACT_KEY_PATTERN;
  const paths = (options.paths ?? []).map((p) => p.split('.').filter(Boolean)).filter((p) => p.length > 0);

  const walk = (value: unknown, depth: number, open: readonly (readonly string[])[]): unknown => {
    if (typeof value === 'string') return redactText(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_DEPTH) return '[too deep]';
    if (value instanceof Error) {
      return walk(
        {
          name: value.name,
          message: value.message,
          ...(value.stack ? { stack: value.stack } : {}),
          ...errorCode(value),
        },
        depth,
        open,
      );
    }
    if (Array.isArray(value)) {
      const inner = open.length === 0 ? NO_PATHS : open.filter((p) => p[0] === '*').map((p) => p.slice(1));
      return value.map((v) => walk(v, depth + 1, inner));
    }
    const out: Record<string, unknown> = {};
    for (const key in value as Record<string, unknown>) {
      if (!Object.hasOwn(value, key)) continue;
      const v = (value as Record<string, unknown>)[key];
      // Most lines have no configured path open below the top: skip the path bookkeeping (a request log line
      // passes through here on every request).
      if (open.length === 0) {
        out[key] =
          keyPattern.test(key) && typeof v !== 'number' && typeof v !== 'boolean' && v !== undefined
            ? REDACTED
            : walk(v, depth + 1, NO_PATHS);
        continue;
      }
      const here = open.filter((p) => p[0] === '*' || p[0] === key);
      // Counts named like secrets (`inputTokens`) are not secrets; strings and objects under such names are.
      if (
        (keyPattern.test(key) && typeof v !== 'number' && typeof v !== 'boolean') ||
        here.some((p) => p.length === 1)
      ) {
        out[key] = v === undefined ? v : REDACTED;
        continue;
      }
      out[key] = walk(
        v,
        depth + 1,
        here.map((p) => p.slice(1)),
      );
    }
    return out;
  };
  return (fields) => walk(fields, 0, paths) as Record<string, unknown>;
}

function errorCode(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? { code } : {};
}

/**
 * Serializes log fields as JSON object members (`,"key":value` for each), when every value is a string, number,
 * boolean, null or undefined; returns undefined for any other set, which the caller then redacts with
 * {@link createRedactor} and serializes the general way.
 */
export type FlatFieldsSerializer = (fields: LogFields) => string | undefined;

interface FlatKey {
  /** `,"key":`, escaped once. */
  readonly prefix: string;
  /** Redacted by its name (except numbers and booleans, as {@link createRedactor} does). */
  readonly byName: boolean;
  /** Redacted by a one-segment configured path (`ssn` or `*`): whatever the value. */
  readonly byPath: boolean;
}

// Keys come from code, not from callers, so they are few; the bound keeps a mistake from growing the cache.
const MAX_FLAT_KEYS = 1024;

/**
 * The fast path of a log line whose fields are all primitives, as a request log line's are (one per request):
 * one pass that redacts and serializes, where the general path copies the fields redacted and then serializes the
 * copy. Redacts exactly as {@link createRedactor} with the same options.
 */
export function createFlatFieldsSerializer(options: RedactOptions = {}): FlatFieldsSerializer {
  const keyPattern = options.keyPattern ?? DEFAULT_REDACT_KEY_PATTERN;
  const topLevel = new Set(
    (options.paths ?? []).map((p) => p.split('.').filter(Boolean)).flatMap((p) => (p.length === 1 ? p : [])),
  );
  const keys = new Map<string, FlatKey>();
  const keyOf = (key: string): FlatKey => {
    let known = keys.get(key);
    if (!known) {
      known = {
        prefix: `,${JSON.stringify(key)}:`,
        byName: keyPattern.test(key),
        byPath: topLevel.has('*') || topLevel.has(key),
      };
      if (keys.size < MAX_FLAT_KEYS) keys.set(key, known);
    }
    return known;
  };
  return (fields) => {
    let out = '';
    for (const key in fields) {
      if (!Object.hasOwn(fields, key)) continue;
      const value = fields[key];
      if (value === undefined) continue;
      const type = typeof value;
      const k = keyOf(key);
      if (k.byPath || (k.byName && type !== 'number' && type !== 'boolean')) out += `${k.prefix}"${REDACTED}"`;
      else if (type === 'string') out += k.prefix + JSON.stringify(redactText(value as string));
      else if (type === 'number' || type === 'boolean' || value === null) out += k.prefix + JSON.stringify(value);
      else return undefined;
    }
    return out;
  };
}
