import { z } from 'zod';
import { type SettingDoc, LOG_LEVELS } from '@agent-mcp/context';
import { parseTrustProxy } from '@agent-mcp/auth';
import { type HttpServerLimits } from '@agent-mcp/mcp-core';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

const AUTH_KINDS = ['api-key', 'oauth'] as const;
const authMode = z
  .string()
  .transform((v) => [
    ...new Set(
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ])
  .refine(
    (kinds) =>
      (kinds.length === 1 && kinds[0] === 'none') ||
      (kinds.length > 0 && kinds.every((k) => (AUTH_KINDS as readonly string[]).includes(k))),
    {
      message: 'must be none, api-key, oauth or api-key,oauth',
    },
  )
  .transform((kinds) => kinds.filter((k): k is (typeof AUTH_KINDS)[number] => k !== 'none'));
const url = z.url({ protocol: /^https?$/ }).transform((v) => v.replace(/\/+$/, ''));
const count = (fallback: number) => z.coerce.number().int().min(0).max(1_000_000_000).default(fallback);
const seconds = (fallback: number, max = 3600) => z.coerce.number().int().min(1).max(max).default(fallback);
const trustProxy = z.string().transform((v, ctx) => {
  try {
    return parseTrustProxy(v);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^TRUST_PROXY: /, '') });
    return z.NEVER;
  }
});

/** Environment of the HTTP server; every key is the variable's name. */
export const HttpServerConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    MCP_HTTP_MODE: z.enum(['stateful', 'stateless']).default('stateful'),
    ALLOWED_HOSTS: list.optional(),
    ALLOWED_ORIGINS: list.optional(),
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
    MAX_SSE_STREAMS: count(1000),
    MAX_SSE_STREAMS_PER_PRINCIPAL: count(10),
    RESUMABLE_STREAMS: bool.default(true),
    TASK_TTL_SECONDS: seconds(3600, 30 * 86_400),
    TASK_MAX_TTL_SECONDS: seconds(86_400, 30 * 86_400),
    TRUST_PROXY: trustProxy.prefault('false'),
    SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(25),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    LOG_REDACT: list.optional(),
    DIAGNOSTIC_TOOLS: bool.default(false),
    METRICS_PATH: z
      .string()
      .regex(/^(\/[\w./-]*)?$/, 'must be a path such as /metrics, or empty to serve none on the main port')
      .default('/metrics'),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('openai-agent-mcp'),
    OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(1).max(60_000).default(5000),
    AUTH_MODE: authMode.prefault('none'),
    PUBLIC_URL: url.optional(),
    API_KEYS_FILE: z.string().min(1).optional(),
    OAUTH_ISSUER: z.url().optional(),
    OAUTH_JWKS_URI: z.url().optional(),
    OAUTH_AUDIENCE: z.string().min(1).optional(),
    OAUTH_ALGORITHMS: list.optional(),
    OAUTH_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    OAUTH_JWKS_COOLDOWN_SECONDS: z.coerce.number().min(0).max(3600).default(30),
    OAUTH_TENANT_CLAIM: z.string().min(1).default('tenant_id'),
    OAUTH_INTROSPECTION_URL: z.url().optional(),
    OAUTH_CLIENT_ID: z.string().min(1).optional(),
    OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
    POLICY_FILE: z.string().min(1).optional(),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('agent-mcp:rl:'),
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    RATE_LIMIT_IP: count(600),
    RATE_LIMIT_AUTH_FAILURES: count(20),
    RATE_LIMIT_PRINCIPAL: count(300),
    RATE_LIMIT_TOOL: count(60),
    TOKEN_BUDGET_PER_WINDOW: count(0),
    TOKEN_BUDGET_WINDOW_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(31 * 86_400)
      .default(3600),
  })
  .superRefine((c, ctx) => {
    const need = (when: boolean, name: keyof typeof c, why: string) => {
      if (when && c[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `is required ${why}` });
    };
    need(c.AUTH_MODE.includes('api-key'), 'API_KEYS_FILE', 'when AUTH_MODE includes api-key');
    need(c.AUTH_MODE.includes('oauth'), 'OAUTH_ISSUER', 'when AUTH_MODE includes oauth');
    need(c.OAUTH_INTROSPECTION_URL !== undefined, 'OAUTH_CLIENT_ID', 'with OAUTH_INTROSPECTION_URL');
    need(c.OAUTH_INTROSPECTION_URL !== undefined, 'OAUTH_CLIENT_SECRET', 'with OAUTH_INTROSPECTION_URL');
    // Behind a proxy the listening address is not what clients reach: the resource URL must be given.
    need(
      c.TRUST_PROXY !== false && c.AUTH_MODE.length > 0,
      'PUBLIC_URL',
      'with TRUST_PROXY and AUTH_MODE (clients reach the proxy, not this address)',
    );
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
    description: 'Most open GET (standalone SSE) streams in all; one more gets 503 with Retry-After (0: no limit)',
  },
  {
    name: 'MAX_SSE_STREAMS_PER_PRINCIPAL',
    default: '10',
    description: 'Most open GET streams of one principal; one more gets 429 with Retry-After (0: no limit)',
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
    name: 'TRUST_PROXY',
    default: 'false',
    description:
      'Proxies trusted to name the client in X-Forwarded-For: false, a hop count, or addresses/CIDRs (loopback for 127.0.0.0/8 and ::1). Needs PUBLIC_URL with auth',
  },
  {
    name: 'SHUTDOWN_GRACE_SECONDS',
    default: '25',
    description: 'On SIGTERM/SIGINT, how long running calls may take to finish',
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    description: 'Server log level (JSON lines on stderr, one per request at info)',
  },
  {
    name: 'LOG_REDACT',
    default: '—',
    description:
      'Comma-separated extra field paths to redact (a.b.c, * for any key), on top of the defaults: Authorization, Cookie, *password*, *secret*, *token*, *api_key* fields and bearer credentials in text',
  },
  {
    name: 'DIAGNOSTIC_TOOLS',
    default: 'false',
    description: 'Register the echo tool, for connection checks and benchmarks',
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
    name: 'METRICS_TOKEN',
    default: '—',
    description: 'Bearer token scrapers must send; without it metrics are answered to loopback peers only',
  },
  {
    name: 'AUTH_MODE',
    default: 'none',
    description: 'none (loopback only), api-key, oauth, or api-key,oauth (both accepted)',
  },
  {
    name: 'PUBLIC_URL',
    default: 'http://HOST:PORT',
    description:
      "The server's canonical external URL (scheme and host, no path); the resource is PUBLIC_URL/mcp. Required with auth on a public address",
  },
  {
    name: 'API_KEYS_FILE',
    default: '—',
    description: 'JSON file of API keys (hashes only, with principal, tenant and scopes); reloaded when it changes',
  },
  {
    name: 'OAUTH_ISSUER',
    default: '—',
    description: 'Issuer of accepted access tokens (exact iss); its metadata gives the JWKS',
  },
  { name: 'OAUTH_JWKS_URI', default: 'from metadata', description: 'JWKS of the issuer, skipping metadata discovery' },
  { name: 'OAUTH_AUDIENCE', default: 'PUBLIC_URL/mcp', description: 'Required aud of access tokens' },
  {
    name: 'OAUTH_ALGORITHMS',
    default: 'RS*, PS*, ES*, EdDSA',
    description: 'Comma-separated accepted JWS algorithms (asymmetric only; none and HS* are always refused)',
  },
  { name: 'OAUTH_CLOCK_SKEW_SECONDS', default: '30', description: 'Tolerance for exp and nbf' },
  {
    name: 'OAUTH_JWKS_COOLDOWN_SECONDS',
    default: '30',
    description: 'Least time between JWKS fetches caused by an unknown kid',
  },
  {
    name: 'OAUTH_TENANT_CLAIM',
    default: 'tenant_id',
    description: "Token claim (or introspection field) naming the caller's tenant",
  },
  {
    name: 'OAUTH_INTROSPECTION_URL',
    default: '—',
    description: 'RFC 7662 endpoint for opaque (non-JWT) tokens; needs OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET',
  },
  {
    name: 'OAUTH_CLIENT_ID',
    default: '—',
    description: "This server's client id at the authorization server (introspection)",
  },
  { name: 'OAUTH_CLIENT_SECRET', default: '—', description: 'Its client secret (introspection)' },
  {
    name: 'POLICY_FILE',
    default: '—',
    description: 'JSON permissions: scopes per tool, resource and prompt, tools switched off, per-tool limits',
  },
  {
    name: 'REDIS_URL',
    default: '—',
    description:
      'Redis shared by the replicas behind a load balancer: rate limits, SSE events, session records and the routing of cancellations, client answers and stream messages between replicas (while it is down each replica serves what it holds)',
  },
  {
    name: 'RATE_LIMIT_KEY_PREFIX',
    default: 'agent-mcp:rl:',
    description:
      'Prefix of the rate-limit keys in Redis; the other shared state takes the same prefix with rl: replaced (agent-mcp:events:, agent-mcp:sessions:, agent-mcp:bus:)',
  },
  { name: 'RATE_LIMIT_WINDOW_SECONDS', default: '60', description: 'Window of the RATE_LIMIT_* limits' },
  {
    name: 'RATE_LIMIT_IP',
    default: '600',
    description: 'Requests per window from one address, before authentication (0: off)',
  },
  {
    name: 'RATE_LIMIT_AUTH_FAILURES',
    default: '20',
    description: 'Refused credentials per window from one address before it gets 429 unchecked (0: off)',
  },
  { name: 'RATE_LIMIT_PRINCIPAL', default: '300', description: 'Requests per window per principal (0: off)' },
  {
    name: 'RATE_LIMIT_TOOL',
    default: '60',
    description: "Calls per window per principal and tool, unless the policy sets the tool's own (0: off)",
  },
  {
    name: 'TOKEN_BUDGET_PER_WINDOW',
    default: '0',
    description:
      "Model tokens (input + output) a principal's agent tools may use per window; past it they get 429 with Retry-After (0: off)",
  },
  { name: 'TOKEN_BUDGET_WINDOW_SECONDS', default: '3600', description: 'Window of TOKEN_BUDGET_PER_WINDOW' },
];

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

export function isLoopbackAddress(host: string): boolean {
  return LOOPBACK.has(host.toLowerCase()) || host.startsWith('127.');
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
