import { z } from 'zod';
import { LOG_LEVELS, type SettingDoc } from '@agent-mcp/context';
import { parseRequestStateKeys } from '@agent-mcp/mcp-core';

/** Which transport carries the server; it decides the default log level and which settings apply. */
export type TransportKind = 'stdio' | 'http';

export const booleanSetting = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
export const listSetting = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
export const countSetting = (fallback: number) => z.coerce.number().int().min(0).max(1_000_000_000).default(fallback);

/** Keys sealing the `requestState` of 2026-07-28 input-required calls; the message never repeats the value. */
const requestStateKeys = z.string().transform((value, ctx) => {
  try {
    return parseRequestStateKeys(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** A desktop client shows the stdio server's stderr to its user: quieter by default than a server's log. */
const DEFAULT_LOG_LEVEL = { stdio: 'warning', http: 'info' } as const;

/**
 * The settings both transports share, as a zod shape whose keys are the variables' names: log, diagnostic tools,
 * traces, the permissions policy and the per-principal model-token budget (which stdio applies to its one local
 * caller as HTTP does to each principal).
 */
export function sharedSettingsShape(transport: TransportKind) {
  return {
    LOG_LEVEL: z.enum(LOG_LEVELS).default(DEFAULT_LOG_LEVEL[transport]),
    LOG_REDACT: listSetting.optional(),
    DIAGNOSTIC_TOOLS: booleanSetting.default(false),
    // Unset, the OpenTelemetry SDK is not even loaded.
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('openai-agent-mcp'),
    OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(1).max(60_000).default(5000),
    POLICY_FILE: z.string().min(1).optional(),
    REQUEST_STATE_KEY: requestStateKeys.optional(),
    REQUEST_STATE_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(600),
    TOKEN_BUDGET_PER_WINDOW: countSetting(0),
    TOKEN_BUDGET_WINDOW_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(31 * 86_400)
      .default(3600),
  };
}

/** The shared settings as parsed. */
export type SharedSettings = z.output<z.ZodObject<ReturnType<typeof sharedSettingsShape>>>;

/** The documentation of the shared settings, for `--help` and the README (a spec holds them equal). */
export function sharedSettingDocs(transport: TransportKind): readonly SettingDoc[] {
  const stdio = transport === 'stdio';
  return [
    {
      name: 'LOG_LEVEL',
      default: DEFAULT_LOG_LEVEL[transport],
      description: stdio
        ? 'Server log level (JSON lines on stderr; stdout carries only MCP; one line per request at info)'
        : 'Server log level (JSON lines on stderr, one per request at info)',
    },
    {
      name: 'LOG_REDACT',
      default: '—',
      description: stdio
        ? 'Comma-separated extra field paths to redact, on top of the defaults (as for the HTTP server)'
        : 'Comma-separated extra field paths to redact (a.b.c, * for any key), on top of the defaults: Authorization, Cookie, *password*, *secret*, *token*, *api_key* fields and bearer credentials in text',
    },
    {
      name: 'DIAGNOSTIC_TOOLS',
      default: 'false',
      description: 'Register the echo tool, for connection checks and benchmarks',
    },
    {
      name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
      default: '—',
      description:
        'OTLP/HTTP endpoint for traces (spans go to ENDPOINT/v1/traces); unset: no tracing, the SDK is not even loaded',
    },
    { name: 'OTEL_SERVICE_NAME', default: 'openai-agent-mcp', description: 'service.name of the exported spans' },
    {
      name: 'OTEL_BSP_SCHEDULE_DELAY',
      default: '5000',
      description: 'Longest wait in milliseconds before a batch of spans is exported',
    },
    {
      name: 'POLICY_FILE',
      default: '—',
      description: 'JSON permissions: scopes per tool, resource and prompt, tools switched off, per-tool limits',
    },
    {
      name: 'REQUEST_STATE_KEY',
      default: 'random per process',
      description: stdio
        ? 'Key sealing the requestState of 2026-07-28 input-required calls (as for the HTTP server); unset: a random key of this process, which is all one stdio connection needs'
        : 'Key(s) sealing (AES-256-GCM) the requestState of 2026-07-28 input-required calls: comma-separated base64 or hex of 32 bytes or more each (openssl rand -base64 32); the first seals, all open (rotation). Give every replica the same. Unset: a random key per process, so a retry reaching another replica or a restarted one is refused and the client starts the call over',
    },
    {
      name: 'REQUEST_STATE_TTL_SECONDS',
      default: '600',
      description:
        'How long a client may take to answer an input-required call; each requestState is good for one retry (used ones are recorded in the application database)',
    },
    {
      name: 'TOKEN_BUDGET_PER_WINDOW',
      default: '0',
      description:
        "Model tokens (input + output) a principal's agent tools may use per window; past it they get 429 with Retry-After (0: off)",
    },
    { name: 'TOKEN_BUDGET_WINDOW_SECONDS', default: '3600', description: 'Window of TOKEN_BUDGET_PER_WINDOW' },
  ];
}
