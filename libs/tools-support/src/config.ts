import { z } from 'zod';
import { parseConfig, type SettingDoc } from '@agent-mcp/context';

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

/** Environment of the support tools; every key is the variable's name. */
export const SupportConfigSchema = z.object({
  SUPPORT_TOOLS: z.preprocess(emptyAsUnset, z.enum(['auto', 'true', 'false', '1', '0', 'yes', 'no']).default('auto')),
  SUPPORT_DEFAULT_TENANT: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .regex(/^[A-Za-z0-9_.:@-]{1,128}$/)
      .default('acme'),
  ),
  SUPPORT_AGENT_TIMEOUT_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1000).max(600_000).default(120_000)),
  SUPPORT_CONFIRMATION_TTL_SECONDS: z.preprocess(
    emptyAsUnset,
    z.coerce
      .number()
      .int()
      .min(10)
      .max(7 * 86_400)
      .default(900),
  ),
});

/** Parsed, frozen support settings. */
export type SupportConfig = z.output<typeof SupportConfigSchema>;

/** Reads the support settings from `env` once. @throws ConfigError naming every bad variable. */
export function parseSupportConfig(env: Readonly<Record<string, string | undefined>>): SupportConfig {
  const picked = Object.fromEntries(Object.keys(SupportConfigSchema.shape).map((k) => [k, env[k]]));
  return parseConfig(SupportConfigSchema, picked);
}

/**
 * Whether the apps register the support tools. `auto` (the default) registers them for local use (stdio, or
 * HTTP with `AUTH_MODE` unset or `none`); behind authentication, offering them must be a decision (`true`).
 */
export function supportToolsEnabled(config: SupportConfig, env: Readonly<Record<string, string | undefined>>): boolean {
  if (config.SUPPORT_TOOLS === 'auto')
    return (env['AUTH_MODE'] ?? '').trim() === '' || env['AUTH_MODE']?.trim() === 'none';
  return ['true', '1', 'yes'].includes(config.SUPPORT_TOOLS);
}

/** Documentation of every setting, for `--help` and the README. */
export const SUPPORT_SETTINGS: readonly SettingDoc[] = [
  {
    name: 'SUPPORT_TOOLS',
    default: 'auto',
    description:
      'Register kb_search, customer_lookup, ticket_get, ticket_create, ticket_reply, support and support_confirm; auto: unless AUTH_MODE requires authentication',
  },
  {
    name: 'SUPPORT_DEFAULT_TENANT',
    default: 'acme',
    description: 'Tenant of callers whose credentials carry none (local use)',
  },
  { name: 'SUPPORT_AGENT_TIMEOUT_MS', default: '120000', description: 'Deadline of one support agent run' },
  {
    name: 'SUPPORT_CONFIRMATION_TTL_SECONDS',
    default: '900',
    description:
      'How long a pending confirmation (a write the client could not ask its user about) can be accepted with support_confirm',
  },
];
