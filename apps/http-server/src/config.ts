import { z } from 'zod';
import { ConfigError, type SettingDoc } from '@agent-mcp/context';
import { type HttpServerLimits } from '@agent-mcp/mcp-core';
import {
  booleanSetting,
  countSetting,
  listSetting,
  sharedSettingDocs,
  sharedSettingsShape,
} from '@agent-mcp/server-kit';
import { AUTH_SETTINGS, authSettingsShape, refineAuthSettings } from '@agent-mcp/server-kit/http';

const seconds = (fallback: number, max = 3600) => z.coerce.number().int().min(1).max(max).default(fallback);

/**
 * Environment of the HTTP server; every key is the variable's name: the transport's own settings, the settings
 * both transports share and the authentication settings (both from `@agent-mcp/server-kit`).
 */
export const HttpServerConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    MCP_HTTP_MODE: z.enum(['stateful', 'stateless']).default('stateful'),
    ALLOWED_HOSTS: listSetting.optional(),
    ALLOWED_ORIGINS: listSetting.optional(),
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    MAX_SESSIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    SESSION_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
    HEADERS_TIMEOUT_SECONDS: seconds(10, 300),
    REQUEST_TIMEOUT_SECONDS: seconds(60),
    BODY_TIMEOUT_SECONDS: seconds(30),
    KEEP_ALIVE_TIMEOUT_SECONDS: seconds(65),
    MAX_HEADER_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(16 * 1024),
    MAX_URL_BYTES: z.coerce
      .number()
      .int()
      .min(256)
      .max(1024 * 1024)
      .default(4 * 1024),
    MAX_SSE_STREAMS: countSetting(1000),
    MAX_SSE_STREAMS_PER_PRINCIPAL: countSetting(10),
    RESUMABLE_STREAMS: booleanSetting.default(true),
    TASK_TTL_SECONDS: seconds(3600, 30 * 86_400),
    TASK_MAX_TTL_SECONDS: seconds(86_400, 30 * 86_400),
    SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(25),
    METRICS_PATH: z
      .string()
      .regex(/^(\/[\w./-]*)?$/, 'must be a path such as /metrics, or empty to serve none on the main port')
      .default('/metrics'),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    ...sharedSettingsShape('http'),
    ...authSettingsShape(),
  })
  .superRefine((c, ctx) => {
    refineAuthSettings(c, ctx);
    const order = (ok: boolean, path: keyof typeof c, message: string) => {
      if (!ok) ctx.addIssue({ code: 'custom', path: [path], message });
    };
    order(
      c.HEADERS_TIMEOUT_SECONDS <= c.REQUEST_TIMEOUT_SECONDS,
      'HEADERS_TIMEOUT_SECONDS',
      'must not exceed REQUEST_TIMEOUT_SECONDS',
    );
    order(
      c.BODY_TIMEOUT_SECONDS <= c.REQUEST_TIMEOUT_SECONDS,
      'BODY_TIMEOUT_SECONDS',
      'must not exceed REQUEST_TIMEOUT_SECONDS',
    );
    order(
      c.MAX_URL_BYTES < c.MAX_HEADER_BYTES,
      'MAX_URL_BYTES',
      'must be below MAX_HEADER_BYTES (the request line counts into the header block)',
    );
  });

export type HttpServerConfig = z.output<typeof HttpServerConfigSchema>;

/** The documentation of every setting, shown by `--help` and kept equal to the schema by a test. */
export const HTTP_SERVER_SETTINGS: readonly SettingDoc[] = [
  { name: 'PORT', default: '3000', description: 'TCP port to listen on (0 picks a free one)' },
  {
    name: 'HOST',
    default: '127.0.0.1',
    description: 'Address to listen on; without authentication only loopback addresses are allowed',
  },
  {
    name: 'MCP_HTTP_MODE',
    default: 'stateful',
    description: 'stateful (sessions, Mcp-Session-Id) or stateless (every POST stands alone)',
  },
  {
    name: 'ALLOWED_HOSTS',
    default: 'loopback names',
    description: 'Comma-separated Host names accepted (DNS-rebinding protection); * accepts any',
  },
  {
    name: 'ALLOWED_ORIGINS',
    default: 'loopback origins',
    description: 'Comma-separated browser Origins accepted; * accepts any',
  },
  { name: 'MAX_BODY_BYTES', default: '4194304', description: 'Largest request body accepted (413 above)' },
  {
    name: 'MAX_SESSIONS',
    default: '10000',
    description: 'Most live sessions; the least recently used idle one is evicted first',
  },
  { name: 'SESSION_IDLE_TIMEOUT_SECONDS', default: '600', description: 'A session unused this long is ended' },
  {
    name: 'HEADERS_TIMEOUT_SECONDS',
    default: '10',
    description: 'Time a client has to send its request headers; slower ones get 408 and are disconnected (slowloris)',
  },
  {
    name: 'REQUEST_TIMEOUT_SECONDS',
    default: '60',
    description:
      'Time a client has to send its whole request (headers and body); not a limit on responses or SSE streams',
  },
  {
    name: 'BODY_TIMEOUT_SECONDS',
    default: '30',
    description:
      'Time a POST body has to arrive in full once its headers did; slower bodies get 408 and the connection closes',
  },
  {
    name: 'KEEP_ALIVE_TIMEOUT_SECONDS',
    default: '65',
    description:
      "Idle time of a keep-alive connection between requests (keep it above your load balancer's idle timeout)",
  },
  {
    name: 'MAX_HEADER_BYTES',
    default: '16384',
    description: 'Largest request header block, request line included (431 above)',
  },
  {
    name: 'MAX_URL_BYTES',
    default: '4096',
    description: 'Longest request target, path and query (414 above); must be below MAX_HEADER_BYTES',
  },
  {
    name: 'MAX_SSE_STREAMS',
    default: '1000',
    description:
      'Most open GET (standalone SSE) streams in all, and as many 2026-07-28 listen streams (counted apart); one more gets 503 with Retry-After (0: no limit)',
  },
  {
    name: 'MAX_SSE_STREAMS_PER_PRINCIPAL',
    default: '10',
    description:
      'Most open GET streams of one principal, and as many listen streams; one more gets 429 with Retry-After (0: no limit)',
  },
  {
    name: 'RESUMABLE_STREAMS',
    default: 'true',
    description:
      'SSE events carry ids and are kept (in Redis with REDIS_URL, else in memory) so a client whose stream dropped resumes with Last-Event-ID; a call running over 1 s answers on a resumable stream and goes on when it drops',
  },
  {
    name: 'TASK_TTL_SECONDS',
    default: '3600',
    description:
      'How long a task (a call run in the background, MCP tasks) and its result are kept when the client asks for no TTL',
  },
  { name: 'TASK_MAX_TTL_SECONDS', default: '86400', description: 'The longest TTL a client may ask for a task' },
  {
    name: 'SHUTDOWN_GRACE_SECONDS',
    default: '25',
    description: 'On SIGTERM/SIGINT, how long running calls may take to finish',
  },
  {
    name: 'METRICS_PATH',
    default: '/metrics',
    description: 'Path of the Prometheus metrics on the main port (empty: none there)',
  },
  {
    name: 'METRICS_PORT',
    default: '—',
    description: 'Serve the metrics on their own listener at this port (same HOST) instead of the main port',
  },
  {
    name: 'METRICS_TOKEN',
    default: '—',
    description: 'Bearer token scrapers must send; without it metrics are answered to loopback peers only',
  },
  ...sharedSettingDocs('http'),
  ...AUTH_SETTINGS,
];

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

export function isLoopbackAddress(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || host.startsWith('127.');
}

/**
 * Refuses to listen beyond loopback without authentication, or with it but without the URL clients reach.
 * @throws ConfigError
 */
export function refuseUnsafeListening(config: HttpServerConfig): HttpServerConfig {
  if (isLoopbackAddress(config.HOST)) return config;
  if (config.AUTH_MODE.length === 0) {
    throw new ConfigError([
      `HOST: refusing to listen on ${JSON.stringify(config.HOST)} without authentication; ` +
        'set AUTH_MODE (api-key, oauth) or use a loopback address (127.0.0.1, ::1, localhost) behind a proxy',
    ]);
  }
  if (!config.PUBLIC_URL) {
    throw new ConfigError([
      `PUBLIC_URL: required when listening on ${JSON.stringify(config.HOST)} with authentication: ` +
        'it is the URL clients reach, named in the resource metadata and, by default, the audience tokens must carry',
    ]);
  }
  return config;
}

/** The slow-client and size limits of the HTTP server, from configuration. */
export function httpLimits(config: HttpServerConfig): HttpServerLimits {
  return {
    headersTimeoutMs: config.HEADERS_TIMEOUT_SECONDS * 1000,
    requestTimeoutMs: config.REQUEST_TIMEOUT_SECONDS * 1000,
    keepAliveTimeoutMs: config.KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
    maxHeaderBytes: config.MAX_HEADER_BYTES,
    maxUrlBytes: config.MAX_URL_BYTES,
  };
}
