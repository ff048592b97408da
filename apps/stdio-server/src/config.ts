import { z } from 'zod';
import { type SettingDoc, LOG_LEVELS } from '@agent-mcp/context';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Environment of the stdio server; every key is the variable's name. */
export const StdioServerConfigSchema = z.object({
  LOG_LEVEL: z.enum(LOG_LEVELS).default('warning'),
  LOG_REDACT: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .optional(),
  DIAGNOSTIC_TOOLS: bool.default(false),
  MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  // Traces as the HTTP server exports them; unset, the OpenTelemetry SDK is not even loaded.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('openai-agent-mcp'),
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(1).max(60_000).default(5000),
});

export type StdioServerConfig = z.output<typeof StdioServerConfigSchema>;

export const STDIO_SERVER_SETTINGS: readonly SettingDoc[] = [
  {
    name: 'LOG_LEVEL',
    default: 'warning',
    description: 'Server log level (JSON lines on stderr; stdout carries only MCP; one line per request at info)',
  },
  {
    name: 'LOG_REDACT',
    default: '—',
    description: 'Comma-separated extra field paths to redact, on top of the defaults (as for the HTTP server)',
  },
  {
    name: 'DIAGNOSTIC_TOOLS',
    default: 'false',
    description: 'Register the echo tool, for connection checks and benchmarks',
  },
  { name: 'MAX_MESSAGE_BYTES', default: '4194304', description: 'Longest accepted message (one line)' },
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
];
