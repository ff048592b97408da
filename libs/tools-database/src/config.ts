import path from 'node:path';
import { z } from 'zod';
import { parseConfig, type SettingDoc } from '@agent-mcp/context';

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);
const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
  .optional();

/** Environment of the database tools; every key is the variable's name. */
export const DatabaseConfigSchema = z.object({
  DATABASE_URL: z.preprocess(emptyAsUnset, postgresUrl),
  DATABASE_QUERY_URL: z.preprocess(emptyAsUnset, postgresUrl),
  DATABASE_TOOLS: z.preprocess(emptyAsUnset, z.enum(['auto', 'true', 'false', '1', '0', 'yes', 'no']).default('auto')),
  DATABASE_POOL_MAX: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(200).default(10)),
  DATABASE_STATEMENT_TIMEOUT_MS: z.preprocess(
    emptyAsUnset,
    z.coerce.number().int().min(100).max(600_000).default(10_000),
  ),
  DATABASE_MAX_ROWS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(10_000).default(500)),
  DATABASE_MAX_BYTES: z.preprocess(
    emptyAsUnset,
    z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
  ),
  DATABASE_SCHEMAS: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .default('public')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
  ),
  DATABASE_DEFAULT_TENANT: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .regex(/^[A-Za-z0-9_.:@-]{1,128}$/)
      .default('acme'),
  ),
  DATABASE_EMBEDDED_DIR: z.preprocess(emptyAsUnset, z.string().optional()),
  DATABASE_AGENT_TIMEOUT_MS: z.preprocess(
    emptyAsUnset,
    z.coerce.number().int().min(1000).max(600_000).default(120_000),
  ),
});

/** The schema with the rules that span settings. */
const DatabaseConfigRules = DatabaseConfigSchema.superRefine((c, ctx) => {
  if (c.DATABASE_QUERY_URL !== undefined && c.DATABASE_URL === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['DATABASE_QUERY_URL'],
      message: "needs DATABASE_URL (the application's own connection) too",
    });
  }
});

/** Parsed, frozen database settings. */
export type DatabaseConfig = z.output<typeof DatabaseConfigSchema>;

/**
 * Whether the apps register the database tools. `auto` (the default) registers them for local use (stdio, or
 * HTTP with `AUTH_MODE` unset or `none`) and not on a server that authenticates remote callers, where exposing
 * SQL to every principal must be a decision (`DATABASE_TOOLS=true`).
 */
export function databaseToolsEnabled(
  config: DatabaseConfig,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  if (config.DATABASE_TOOLS === 'auto')
    return (env['AUTH_MODE'] ?? 'none').trim() === 'none' || env['AUTH_MODE'] === '';
  return ['true', '1', 'yes'].includes(config.DATABASE_TOOLS);
}

/** Reads the database settings from `env` once. @throws ConfigError naming every bad variable. */
export function parseDatabaseConfig(env: Readonly<Record<string, string | undefined>>): DatabaseConfig {
  const picked = Object.fromEntries(Object.keys(DatabaseConfigSchema.shape).map((k) => [k, env[k]]));
  return parseConfig(DatabaseConfigRules, picked);
}

/**
 * Where the embedded database persists: `DATABASE_EMBEDDED_DIR`, `memory` for nowhere, else
 * `${XDG_DATA_HOME:-$HOME/.local/share}/agent-mcp/embedded-db`. An environment with neither variable (a
 * test's `{}`) keeps it in memory rather than guess a home directory.
 */
export function embeddedDataDir(
  config: DatabaseConfig,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const configured = config.DATABASE_EMBEDDED_DIR;
  if (configured === 'memory') return undefined;
  if (configured) return configured;
  const base = env['XDG_DATA_HOME'] || (env['HOME'] ? path.join(env['HOME'], '.local', 'share') : undefined);
  return base ? path.join(base, 'agent-mcp', 'embedded-db') : undefined;
}

/** Documentation of every setting, for `--help` and the README. */
export const DATABASE_SETTINGS: readonly SettingDoc[] = [
  {
    name: 'DATABASE_URL',
    default: 'unset',
    description:
      'PostgreSQL of the application: its own tables (tickets...) are read and written here; unset: the embedded database',
  },
  {
    name: 'DATABASE_QUERY_URL',
    default: 'DATABASE_URL',
    description: 'Connection caller- and model-written SQL runs on: the read-only role of npm run db:setup-role',
  },
  {
    name: 'DATABASE_TOOLS',
    default: 'auto',
    description:
      'Register sql_query, database_query and db:// resources; auto: unless AUTH_MODE requires authentication',
  },
  { name: 'DATABASE_POOL_MAX', default: '10', description: 'Most connections to DATABASE_URL' },
  {
    name: 'DATABASE_STATEMENT_TIMEOUT_MS',
    default: '10000',
    description: 'Deadline of one statement; the embedded engine is restarted past it',
  },
  { name: 'DATABASE_MAX_ROWS', default: '500', description: 'Most rows one call returns (callers may ask for fewer)' },
  { name: 'DATABASE_MAX_BYTES', default: '1048576', description: 'Most bytes of row data one call returns' },
  {
    name: 'DATABASE_SCHEMAS',
    default: 'public',
    description: 'Comma-separated schemas shown as resources and to the agent',
  },
  {
    name: 'DATABASE_DEFAULT_TENANT',
    default: 'acme',
    description: 'Tenant (app.tenant_id) of callers whose credentials carry none',
  },
  {
    name: 'DATABASE_EMBEDDED_DIR',
    default: '$XDG_DATA_HOME/agent-mcp/embedded-db',
    description:
      'Directory where the embedded database persists (XDG_DATA_HOME defaults to ~/.local/share); memory: not kept',
  },
  { name: 'DATABASE_AGENT_TIMEOUT_MS', default: '120000', description: 'Deadline of one database_query agent run' },
];
