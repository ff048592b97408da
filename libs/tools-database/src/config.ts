import { z } from 'zod';
import { parseConfig, type SettingDoc } from '@agent-mcp/context';

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

/** Environment of the database tools; every key is the variable's name. */
export const DatabaseConfigSchema = z.object({
  DATABASE_URL: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DATABASE_TOOLS: z.preprocess(emptyAsUnset, z.enum(['auto', 'true', 'false', '1', '0', 'yes', 'no']).default('auto')),
  DATABASE_POOL_MAX: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(200).default(10)),
  DATABASE_STATEMENT_TIMEOUT_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(100).max(600_000).default(10_000)),
  DATABASE_MAX_ROWS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(10_000).default(500)),
  DATABASE_MAX_BYTES: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024)),
  DATABASE_SCHEMAS: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .default('public')
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  ),
  DATABASE_DEFAULT_TENANT: z.preprocess(emptyAsUnset, z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/).default('acme')),
  DATABASE_EMBEDDED_DIR: z.preprocess(emptyAsUnset, z.string().optional()),
  DATABASE_AGENT_TIMEOUT_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1000).max(600_000).default(120_000)),
});

/** Parsed, frozen database settings. */
export type DatabaseConfig = z.output<typeof DatabaseConfigSchema>;

/**
 * Whether the apps register the database tools. `auto` (the default) registers them for local use (stdio, or
 * HTTP with `AUTH_MODE` unset or `none`) and not on a server that authenticates remote callers, where exposing
 * SQL to every principal must be a decision (`DATABASE_TOOLS=true`).
 */
export function databaseToolsEnabled(config: DatabaseConfig, env: Readonly<Record<string, string | undefined>>): boolean {
  if (config.DATABASE_TOOLS === 'auto') return (env['AUTH_MODE'] ?? 'none').trim() === 'none' || env['AUTH_MODE'] === '';
  return ['true', '1', 'yes'].includes(config.DATABASE_TOOLS);
}

/** Reads the database settings from `env` once. @throws ConfigError naming every bad variable. */
export function parseDatabaseConfig(env: Readonly<Record<string, string | undefined>>): DatabaseConfig {
  const picked = Object.fromEntries(Object.keys(DatabaseConfigSchema.shape).map((k) => [k, env[k]]));
  return parseConfig(DatabaseConfigSchema, picked);
}

/** Documentation of every setting, for `--help` and the README. */
export const DATABASE_SETTINGS: readonly SettingDoc[] = [
  { name: 'DATABASE_URL', default: 'unset', description: 'PostgreSQL to query (connect as the read-only role); unset: the embedded sample database' },
  { name: 'DATABASE_TOOLS', default: 'auto', description: 'Register sql_query, database_query and db:// resources; auto: unless AUTH_MODE requires authentication' },
  { name: 'DATABASE_POOL_MAX', default: '10', description: 'Most connections to DATABASE_URL' },
  { name: 'DATABASE_STATEMENT_TIMEOUT_MS', default: '10000', description: 'Deadline of one statement; the embedded engine is restarted past it' },
  { name: 'DATABASE_MAX_ROWS', default: '500', description: 'Most rows one call returns (callers may ask for fewer)' },
  { name: 'DATABASE_MAX_BYTES', default: '1048576', description: 'Most bytes of row data one call returns' },
  { name: 'DATABASE_SCHEMAS', default: 'public', description: 'Comma-separated schemas shown as resources and to the agent' },
  { name: 'DATABASE_DEFAULT_TENANT', default: 'acme', description: 'Tenant (app.tenant_id) of callers whose credentials carry none' },
  { name: 'DATABASE_EMBEDDED_DIR', default: 'in memory', description: 'Directory where the embedded database persists' },
  { name: 'DATABASE_AGENT_TIMEOUT_MS', default: '120000', description: 'Deadline of one database_query agent run' },
];
