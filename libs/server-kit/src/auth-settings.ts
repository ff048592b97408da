import { z } from 'zod';
import { parseTrustProxy } from '@agent-mcp/auth';
import { type SettingDoc } from '@agent-mcp/context';
import { countSetting, listSetting } from './settings';

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
const trustProxy = () =>
  z.string().transform((v, ctx) => {
    try {
      return parseTrustProxy(v);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^TRUST_PROXY: /, '') });
      return z.NEVER;
    }
  });

/**
 * The settings of the network transport's authentication, rate limits and shared (Redis) state, as a zod shape
 * whose keys are the variables' names. Check them with {@link refineAuthSettings} in the schema's `superRefine`.
 * (A function: a bundle that never parses them, the stdio app's, loads nothing of the auth library.)
 */
export function authSettingsShape() {
  return {
    TRUST_PROXY: trustProxy().prefault('false'),
    AUTH_MODE: authMode.prefault('none'),
    PUBLIC_URL: url.optional(),
    API_KEYS_FILE: z.string().min(1).optional(),
    OAUTH_ISSUER: z.url().optional(),
    OAUTH_JWKS_URI: z.url().optional(),
    OAUTH_AUDIENCE: z.string().min(1).optional(),
    OAUTH_ALGORITHMS: listSetting.optional(),
    OAUTH_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
    OAUTH_JWKS_COOLDOWN_SECONDS: z.coerce.number().min(0).max(3600).default(30),
    OAUTH_TENANT_CLAIM: z.string().min(1).default('tenant_id'),
    OAUTH_INTROSPECTION_URL: z.url().optional(),
    OAUTH_CLIENT_ID: z.string().min(1).optional(),
    OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('agent-mcp:rl:'),
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
    RATE_LIMIT_IP: countSetting(600),
    RATE_LIMIT_AUTH_FAILURES: countSetting(20),
    RATE_LIMIT_PRINCIPAL: countSetting(300),
    RATE_LIMIT_TOOL: countSetting(60),
  };
}

/** The authentication settings as parsed. */
export type AuthSettings = z.output<z.ZodObject<ReturnType<typeof authSettingsShape>>>;

/** The rules between authentication settings: what each mode needs. */
export function refineAuthSettings(c: AuthSettings, ctx: z.RefinementCtx): void {
  const need = (when: boolean, name: keyof AuthSettings, why: string) => {
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
}

/** The documentation of the authentication settings, for `--help` and the README (a spec holds them equal). */
export const AUTH_SETTINGS: readonly SettingDoc[] = [
  {
    name: 'TRUST_PROXY',
    default: 'false',
    description:
      'Proxies trusted to name the client in X-Forwarded-For: false, a hop count, or addresses/CIDRs (loopback for 127.0.0.0/8 and ::1). Needs PUBLIC_URL with auth',
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
];
