import { z } from 'zod';
import { type SettingDoc, LOG_LEVELS } from '@agent-mcp/context';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

/** Environment of the HTTP server; every key is the variable's name. */
export const HttpServerConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  MCP_HTTP_MODE: z.enum(['stateful', 'stateless']).default('stateful'),
  ALLOWED_HOSTS: list.optional(),
  ALLOWED_ORIGINS: list.optional(),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  MAX_SESSIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  SESSION_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(25),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  DIAGNOSTIC_TOOLS: bool.default(false),
});

export type HttpServerConfig = z.output<typeof HttpServerConfigSchema>;

/** The documentation of every setting, shown by `--help` and kept equal to the schema by a test. */
export const HTTP_SERVER_SETTINGS: readonly SettingDoc[] = [
  { name: 'PORT', default: '3000', description: 'TCP port to listen on (0 picks a free one)' },
  { name: 'HOST', default: '127.0.0.1', description: 'Address to listen on; without authentication only loopback addresses are allowed' },
  { name: 'MCP_HTTP_MODE', default: 'stateful', description: 'stateful (sessions, Mcp-Session-Id) or stateless (every POST stands alone)' },
  { name: 'ALLOWED_HOSTS', default: 'loopback names', description: 'Comma-separated Host names accepted (DNS-rebinding protection); * accepts any' },
  { name: 'ALLOWED_ORIGINS', default: 'loopback origins', description: 'Comma-separated browser Origins accepted; * accepts any' },
  { name: 'MAX_BODY_BYTES', default: '4194304', description: 'Largest request body accepted (413 above)' },
  { name: 'MAX_SESSIONS', default: '10000', description: 'Most live sessions; the least recently used idle one is evicted first' },
  { name: 'SESSION_IDLE_TIMEOUT_SECONDS', default: '600', description: 'A session unused this long is ended' },
  { name: 'SHUTDOWN_GRACE_SECONDS', default: '25', description: 'On SIGTERM/SIGINT, how long running calls may take to finish' },
  { name: 'LOG_LEVEL', default: 'info', description: 'Server log level (JSON lines on stderr)' },
  { name: 'DIAGNOSTIC_TOOLS', default: 'false', description: 'Register the echo tool, for connection checks and benchmarks' },
];

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

export function isLoopbackAddress(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || host.startsWith('127.');
}
