// MCP authorization (2025-11-25) end to end over real HTTP: the server process as a resource server, a local
// authorization server on loopback (its own metadata and JWKS), API keys, scopes, session binding, rate
// limits in memory and in the real Redis, and a Redis outage under load.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { type LocalIssuer, startLocalIssuer } from '@agent-mcp/auth/testing';
import { createScriptedServer, textTurn } from '@agent-mcp/agent-core/testing';
import { MAIN, type ServerProcess, startServerProcess } from './spec-helpers/server-process';

// Every authenticated caller reads its own conversation threads (read-only tools need no scope by default):
// these assertions are about the scoped tools.
const scoped = (names: string[]) => names.filter((name) => !name.startsWith('thread_'));

const RUN = randomBytes(4).toString('hex');
const dir = mkdtempSync(path.join(tmpdir(), 'http-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The app with the diagnostic tools on, as every test here wants them. */
const start = (env: Record<string, string>) => startServerProcess({ DIAGNOSTIC_TOOLS: 'true', ...env });

const sha256 = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;
function file(name: string, content: unknown): string {
  const p = path.join(dir, name);
  writeFileSync(p, JSON.stringify(content));
  return p;
}

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/**
 * The JSON-RPC answer to a POST, whether the server chose plain JSON or an SSE stream: both are valid, and a
 * call running over a second (a loaded machine) answers on a resumable stream.
 */
async function answerOf(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return JSON.parse(text);
  const messages = [...text.matchAll(/^data: (.+)$/gm)].map(
    (m) => JSON.parse(m[1] as string) as Record<string, unknown>,
  );
  return messages.findLast((m) => 'id' in m && ('result' in m || 'error' in m));
}

function rpc(base: string, body: unknown, token?: string, session?: string, query = ''): Promise<Response> {
  return fetch(`${base}/mcp${query}`, {
    method: 'POST',
    headers: {
      ...HEADERS,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(session ? { 'mcp-session-id': session } : {}),
    },
    body: JSON.stringify(body),
  });
}

async function open(base: string, token: string): Promise<string> {
  const res = await rpc(base, INIT, token);
  expect(res.status).toBe(200);
  await res.json();
  return res.headers.get('mcp-session-id') as string;
}

const call = (id: number, name = 'echo') => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: { message: 'hi' } },
});
const list = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/list' });

describe('OAuth resource server and API keys', () => {
  let issuer: LocalIssuer;
  let server: ServerProcess;
  let audience: string;
  const API_KEY = `amk_${randomBytes(24).toString('hex')}`;
  const used: string[] = [API_KEY];
  const token = (claims: Record<string, unknown>, options?: Parameters<LocalIssuer['sign']>[1]) => {
    const t = issuer.sign({ sub: 'alice', aud: audience, tenant_id: 'acme', ...claims }, options);
    used.push(t);
    return t;
  };

  beforeAll(async () => {
    issuer = await startLocalIssuer();
    server = await start({
      AUTH_MODE: 'api-key,oauth',
      OAUTH_ISSUER: issuer.issuer,
      OAUTH_CLOCK_SKEW_SECONDS: '0',
      API_KEYS_FILE: file('keys.json', {
        keys: [{ id: 'ci-bot', hash: sha256(API_KEY), tenant: 'acme', scopes: ['echo:use'] }],
      }),
      POLICY_FILE: file('policy.json', {
        tools: { echo: { scopes: ['echo:use'], rateLimit: { points: 3, windowSeconds: 2 } } },
      }),
      RATE_LIMIT_AUTH_FAILURES: '1000',
      LOG_LEVEL: 'debug',
    });
    audience = `${server.base}/mcp`;
  });
  afterAll(async () => {
    await server.kill();
    await issuer.close();
  });

  it('serves Protected Resource Metadata at the path-suffixed and the bare well-known paths', async () => {
    for (const p of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await fetch(`${server.base}${p}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        resource: audience,
        authorization_servers: [issuer.issuer],
        scopes_supported: ['echo:use', 'tools:write'],
        bearer_methods_supported: ['header'],
        resource_name: 'OpenAI Agent MCP',
      });
    }
  });

  it('answers a request without a token with 401 and the resource metadata URL', async () => {
    const res = await rpc(server.base, INIT);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${server.base}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it.each([
    ['another audience', () => token({ aud: 'https://other.example.com/mcp' })],
    ['no audience', () => token({ aud: undefined })],
    ['expired', () => token({ exp: Math.floor(Date.now() / 1000) - 5 })],
    ['an unknown kid', () => token({}, { kid: issuer.addKey({ publish: false }) })],
    ['alg none', () => issuer.signUnsecured({ sub: 'alice', aud: audience })],
    ['HS256', () => issuer.signHmac({ sub: 'alice', aud: audience }, 'guessable')],
    ['another issuer', () => token({ iss: 'https://evil.example.com' })],
    ['a wrong API key', () => 'amk_not-a-key'],
  ])('refuses a token with %s: 401 invalid_token', async (_name, make) => {
    const res = await rpc(server.base, INIT, make());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="[^"]+", error="invalid_token"$/);
  });

  it('refuses a token in the query string even with a good header', async () => {
    const good = token({ scope: 'echo:use' });
    const res = await rpc(server.base, INIT, good, undefined, `?access_token=${good}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_request"');
  });

  it('hides a tool from a token without its scope and answers 403 insufficient_scope when it is called', async () => {
    const weak = token({ scope: 'other' });
    const session = await open(server.base, weak);
    const listed = await rpc(server.base, list(2), weak, session);
    expect(
      scoped(((await listed.json()) as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name)),
    ).toEqual([]);
    const res = await rpc(server.base, call(3), weak, session);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${server.base}/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", scope="echo:use"`,
    );
  });

  it('serves the SDK client whose token has the scope, listing and calling the tool', async () => {
    const strong = token({ sub: 'dave', scope: 'echo:use' });
    const client = new Client({ name: 'remote', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(audience), {
      requestInit: { headers: { authorization: `Bearer ${strong}` } },
    });
    await client.connect(transport);
    expect(scoped((await client.listTools()).tools.map((t) => t.name))).toEqual(['echo']);
    expect((await client.callTool({ name: 'echo', arguments: { message: 'ok' } })).structuredContent).toEqual({
      message: 'ok',
    });
    await transport.terminateSession();
    await client.close();
  });

  it('accepts an API key beside OAuth', async () => {
    const session = await open(server.base, API_KEY);
    const res = await rpc(server.base, list(2), API_KEY, session);
    expect(
      scoped(((await res.json()) as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name)),
    ).toEqual(['echo']);
  });

  it("refuses another principal's token on a session with 404", async () => {
    const session = await open(server.base, token({ sub: 'alice', scope: 'echo:use' }));
    expect((await rpc(server.base, list(2), token({ sub: 'mallory', scope: 'echo:use' }), session)).status).toBe(404);
    expect((await rpc(server.base, list(2), API_KEY, session)).status).toBe(404);
  });

  it('fails a token on its first request after it expires', async () => {
    const shortLived = token({ sub: 'erin', scope: 'echo:use', exp: Math.floor(Date.now() / 1000) + 2 });
    const session = await open(server.base, shortLived);
    await new Promise((r) => setTimeout(r, 2600));
    const res = await rpc(server.base, list(2), shortLived, session);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers call N+1 in a window with 429 and an integer Retry-After, and the call after waiting succeeds', async () => {
    const t = token({ sub: 'carol', scope: 'echo:use' });
    const session = await open(server.base, t);
    for (let i = 0; i < 3; i++) expect((await rpc(server.base, call(10 + i), t, session)).status).toBe(200);
    const refused = await rpc(server.base, call(20), t, session);
    expect(refused.status).toBe(429);
    const retryAfter = refused.headers.get('retry-after') as string;
    expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
    await new Promise((r) => setTimeout(r, Number(retryAfter) * 1000 + 100));
    expect((await rpc(server.base, call(21), t, session)).status).toBe(200);
  });

  it('never writes a token or key to its log', () => {
    const log = server.stderr();
    expect(log).toContain('credential refused');
    for (const secret of used) expect(log).not.toContain(secret);
  });
});

describe('a flood of bad tokens from one address', () => {
  it('gets 429 before authentication, after only a few JWKS fetches', async () => {
    const issuer = await startLocalIssuer();
    const server = await start({ AUTH_MODE: 'oauth', OAUTH_ISSUER: issuer.issuer, RATE_LIMIT_AUTH_FAILURES: '5' });
    try {
      const audience = `${server.base}/mcp`;
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const forged = issuer.sign({ sub: 'x', aud: audience }, { kid: issuer.addKey({ publish: false }) });
        statuses.push((await rpc(server.base, INIT, forged)).status);
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
      expect(issuer.fetches.jwks).toBeLessThanOrEqual(2);
      // The address is refused before its credentials are looked at, good ones included.
      const good = await rpc(server.base, INIT, issuer.sign({ sub: 'x', aud: audience }));
      expect(good.status).toBe(429);
      expect(good.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    } finally {
      await server.kill();
      await issuer.close();
    }
  });
});

describe('rate limits across replicas', () => {
  const KEY = `amk_${randomBytes(24).toString('hex')}`;
  const keysFile = () =>
    file(`keys-${randomBytes(3).toString('hex')}.json`, {
      keys: [{ id: 'shared-bot', hash: sha256(KEY), scopes: ['tools:write'] }],
    });

  it("shares a principal's limit between two server processes on one Redis", async () => {
    const env = {
      AUTH_MODE: 'api-key',
      API_KEYS_FILE: keysFile(),
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT_KEY_PREFIX: `test:http-auth:${RUN}:`,
      RATE_LIMIT_PRINCIPAL: '6',
    };
    const [a, b] = await Promise.all([start(env), start(env)]);
    try {
      const sa = await open(a.base, KEY);
      const sb = await open(b.base, KEY);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await rpc(a.base, { jsonrpc: '2.0', id: 10 + i, method: 'ping' }, KEY, sa)).status);
        statuses.push((await rpc(b.base, { jsonrpc: '2.0', id: 10 + i, method: 'ping' }, KEY, sb)).status);
      }
      // Two initializes and four pings use the six; alone, each process would have counted only three.
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      await Promise.all([a.kill(), b.kill()]);
    }
  });

  it('answers no 5xx when Redis is stopped under load', async () => {
    const redis = await startRedis();
    const server = await start({
      AUTH_MODE: 'api-key',
      API_KEYS_FILE: keysFile(),
      REDIS_URL: redis.url,
      RATE_LIMIT_PRINCIPAL: '1000000',
      RATE_LIMIT_IP: '1000000',
    });
    try {
      const session = await open(server.base, KEY);
      const statuses = new Set<number>();
      let killed = false;
      let stop = false;
      let afterKill = 0;
      let slowest = 0;
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const started = Date.now();
          const status = (await rpc(server.base, { jsonrpc: '2.0', id: `${w}-${i}`, method: 'ping' }, KEY, session))
            .status;
          statuses.add(status);
          if (killed) {
            afterKill++;
            slowest = Math.max(slowest, Date.now() - started);
          }
        }
      };
      const workers = Array.from({ length: 8 }, (_, w) => worker(w));
      await new Promise((r) => setTimeout(r, 500));
      redis.process.kill('SIGKILL');
      await new Promise((r) => redis.process.once('exit', r));
      killed = true;
      await new Promise((r) => setTimeout(r, 1500));
      stop = true;
      await Promise.all(workers);
      expect([...statuses]).toEqual([200]);
      expect(afterKill).toBeGreaterThanOrEqual(8);
      // No request waits on the dead Redis (commands fail fast; the in-memory limiter answers).
      expect(slowest).toBeLessThan(1500);
    } finally {
      redis.process.kill('SIGKILL');
      await server.kill();
    }
  });
});

describe('listening on a public address', () => {
  it('starts with authentication and a public URL', async () => {
    const server = await start({
      HOST: '0.0.0.0',
      AUTH_MODE: 'api-key',
      API_KEYS_FILE: file('k0.json', { keys: [] }),
      PUBLIC_URL: 'https://mcp.example.com',
    });
    try {
      expect(server.stderr()).toContain('"resource":"https://mcp.example.com/mcp"');
    } finally {
      await server.kill();
    }
  });

  it('refuses to start with authentication but without a public URL, and says why', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        HOST: '0.0.0.0',
        PORT: '0',
        AUTH_MODE: 'api-key',
        API_KEYS_FILE: file('k1.json', { keys: [] }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(2);
    expect(stderr).toContain('PUBLIC_URL: required when listening on "0.0.0.0" with authentication');
  });

  it('refuses an unusable policy file at start', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        PORT: '0',
        POLICY_FILE: file('bad-policy.json', { tools: { echo: { scopes: 'echo:use' } } }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(2);
    expect(stderr).toContain('POLICY_FILE:');
    expect(stderr).toContain('tools.echo.scopes');
  });
});

async function startRedis(): Promise<{ url: string; process: ChildProcess }> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 5000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = createServer().listen(port, '127.0.0.1');
      socket.once('listening', () => socket.close(() => resolve(false)));
      socket.once('error', () => resolve(true));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error('own redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, process: child };
}

describe('behind a reverse proxy', () => {
  const keys = () =>
    file('proxy-keys.json', { keys: [{ id: 'proxy-bot', hash: sha256(`amk_${RUN}`), tenant: 'acme', scopes: [] }] });
  const noToken = (base: string, forwardedFor: string, host?: string) =>
    fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { ...HEADERS, 'x-forwarded-for': forwardedFor, ...(host ? { host } : {}) },
      body: JSON.stringify(INIT),
    });

  it('counts the per-address limit by X-Forwarded-For only from a trusted proxy, and names PUBLIC_URL as the resource', async () => {
    const server = await start({
      AUTH_MODE: 'api-key',
      API_KEYS_FILE: keys(),
      TRUST_PROXY: 'loopback',
      PUBLIC_URL: 'https://mcp.example.com',
      RATE_LIMIT_IP: '2',
    });
    try {
      // The proxy keeps the client's Host: the public name is accepted and the challenge points at PUBLIC_URL.
      const first = await noToken(server.base, '198.51.100.1', 'mcp.example.com');
      expect(first.status).toBe(401);
      expect(first.headers.get('www-authenticate')).toContain(
        'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
      );
      expect((await noToken(server.base, '198.51.100.1')).status).toBe(401);
      expect((await noToken(server.base, '198.51.100.1')).status).toBe(429);
      // Another client behind the same proxy has its own budget.
      expect((await noToken(server.base, '198.51.100.2')).status).toBe(401);
      const metadata = (await (
        await fetch(`${server.base}/.well-known/oauth-protected-resource/mcp`, { headers: { host: 'mcp.example.com' } })
      ).json()) as { resource: string };
      expect(metadata.resource).toBe('https://mcp.example.com/mcp');
    } finally {
      await server.kill();
    }
  });

  it('ignores X-Forwarded-For without TRUST_PROXY, so a client cannot pick its own limit key', async () => {
    const server = await start({ AUTH_MODE: 'api-key', API_KEYS_FILE: keys(), RATE_LIMIT_IP: '2' });
    try {
      expect((await noToken(server.base, '198.51.100.1')).status).toBe(401);
      expect((await noToken(server.base, '198.51.100.2')).status).toBe(401);
      expect((await noToken(server.base, '198.51.100.3')).status).toBe(429);
    } finally {
      await server.kill();
    }
  });

  it('refuses TRUST_PROXY with authentication but no PUBLIC_URL at start, and says why', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, PORT: '0', AUTH_MODE: 'api-key', API_KEYS_FILE: keys(), TRUST_PROXY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('PUBLIC_URL');
    expect(stderr).toContain('TRUST_PROXY');
  });
});

describe('transport hardening', () => {
  const ALICE = `amk_alice_${RUN}`;
  const BOB = `amk_bob_${RUN}`;
  let server: ServerProcess;
  let keys: string;
  beforeAll(async () => {
    keys = file('stream-keys.json', {
      keys: [
        { id: 'alice', hash: sha256(ALICE), tenant: 'acme', scopes: [] },
        { id: 'bob', hash: sha256(BOB), tenant: 'acme', scopes: [] },
      ],
    });
    server = await start({
      AUTH_MODE: 'api-key',
      API_KEYS_FILE: keys,
      MAX_SSE_STREAMS_PER_PRINCIPAL: '2',
      MAX_URL_BYTES: '1024',
    });
  });
  afterAll(() => server.kill());

  it('refuses the third GET stream of one principal with 429 and Retry-After while another principal connects', async () => {
    const aborts: AbortController[] = [];
    const stream = async (key: string) => {
      const session = await open(server.base, key);
      const controller = new AbortController();
      aborts.push(controller);
      return fetch(`${server.base}/mcp`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${key}`, 'mcp-session-id': session },
        signal: controller.signal,
      });
    };
    try {
      expect((await stream(ALICE)).status).toBe(200);
      expect((await stream(ALICE)).status).toBe(200);
      const refused = await stream(ALICE);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await stream(BOB)).status).toBe(200);
    } finally {
      for (const c of aborts) c.abort();
    }
  });

  it('disconnects a client that dribbles its headers, with 408, and keeps serving', async () => {
    // A server of its own with a 1 s headers timeout: the other tests here keep the default (10 s), so a loaded
    // machine delaying their requests cannot meet this test's deliberately short bound.
    const strict = await start({ AUTH_MODE: 'api-key', API_KEYS_FILE: keys, HEADERS_TIMEOUT_SECONDS: '1' });
    try {
      await dribbledHeadersAreCut(strict.base);
    } finally {
      await strict.kill();
    }
  });

  /** Dribbles a header line every 200 ms: the server answers 408 and closes, then serves the next request. */
  async function dribbledHeadersAreCut(base: string): Promise<void> {
    const { connect } = await import('node:net');
    const { port } = new URL(base);
    const result = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
      // Bounds a server that never cuts the client (the 408 comes about 1.25 s in); generous for a loaded machine.
      const guard = setTimeout(() => {
        socket.destroy();
        reject(new Error('not disconnected'));
      }, 30_000);
      socket.on('connect', () => socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
      socket.on('data', (c) => (text += c.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(drip);
        clearTimeout(guard);
        resolve(text);
      });
    });
    expect(result).toMatch(/^HTTP\/1\.1 408 /);
    expect((await rpc(base, INIT)).status).toBe(401);
  }

  it('answers 414 to a URL longer than MAX_URL_BYTES', async () => {
    const res = await fetch(`${server.base}/mcp?x=${'a'.repeat(1100)}`);
    expect(res.status).toBe(414);
  });

  it('refuses the third 2026-07-28 listen stream of one principal with 429 while another principal listens', async () => {
    const aborts: AbortController[] = [];
    const listen = async (key: string) => {
      const controller = new AbortController();
      aborts.push(controller);
      const res = await fetch(`${server.base}/mcp`, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${key}`,
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'subscriptions/listen',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: aborts.length,
          method: 'subscriptions/listen',
          params: {
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': {},
            },
            notifications: { toolsListChanged: true },
          },
        }),
      });
      // An open stream has sent its acknowledgement; a refused one is a JSON error.
      if (res.headers.get('content-type')?.includes('text/event-stream')) {
        const { value } = await (res.body as ReadableStream<Uint8Array>).getReader().read();
        expect(new TextDecoder().decode(value)).toContain('notifications/subscriptions/acknowledged');
      }
      return res;
    };
    try {
      expect((await listen(ALICE)).status).toBe(200);
      expect((await listen(ALICE)).status).toBe(200);
      const refused = await listen(ALICE);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await refused.json()).toMatchObject({ error: { data: { code: 'TOO_MANY_LISTENS' } } });
      expect((await listen(BOB)).status).toBe(200);
    } finally {
      for (const c of aborts) c.abort();
    }
  });
});

describe('model-token budget per principal', () => {
  it('lets an agent tool run while the caller has tokens, then answers 429 with Retry-After; other principals go on', async () => {
    const scripted = await createScriptedServer({ apiKey: 'test-key' });
    const ALICE = `amk_budget_alice_${RUN}`;
    const BOB = `amk_budget_bob_${RUN}`;
    const server = await start({
      AUTH_MODE: 'api-key',
      API_KEYS_FILE: file('budget-keys.json', {
        keys: [
          { id: 'alice', hash: sha256(ALICE), tenant: 'acme', scopes: [] },
          { id: 'bob', hash: sha256(BOB), tenant: 'acme', scopes: [] },
        ],
      }),
      DATABASE_TOOLS: 'true',
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: scripted.url,
      OPENAI_MODEL: 'scripted',
      TOKEN_BUDGET_PER_WINDOW: '100',
      TOKEN_BUDGET_WINDOW_SECONDS: '600',
    });
    const ask = async (key: string) => {
      const session = await open(server.base, key);
      return rpc(
        server.base,
        {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'database_query', arguments: { question: 'Anything?' } },
        },
        key,
        session,
      );
    };
    try {
      scripted.enqueue(textTurn('Nothing to report.', { usage: { inputTokens: 120, outputTokens: 10 } }));
      const first = await ask(ALICE);
      expect(first.status).toBe(200);
      expect(
        ((await answerOf(first)) as { result: { structuredContent: { answer: string } } }).result.structuredContent
          .answer,
      ).toBe('Nothing to report.');

      const refused = await ask(ALICE);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(500);
      expect(await refused.json()).toMatchObject({ error: { data: { limit: 'model_tokens' } } });
      expect(scripted.requests).toHaveLength(1);

      scripted.enqueue(textTurn('Still nothing.', { usage: { inputTokens: 5, outputTokens: 1 } }));
      expect((await ask(BOB)).status).toBe(200);
    } finally {
      await server.kill();
      await scripted.close();
    }
  });
});

describe("a conformant MCP client authorizing on its own (the SDK client, the conformance suite's reference)", () => {
  it('finds the authorization server from the 401, gets a token for this resource (RFC 8707) and calls a scoped tool', async () => {
    const issuer = await startLocalIssuer({
      clients: [{ id: 'agent-ci', secret: `s3cret-${RUN}`, scopes: ['echo:use'], tenant: 'acme' }],
    });
    const server = await start({
      AUTH_MODE: 'oauth',
      OAUTH_ISSUER: issuer.issuer,
      POLICY_FILE: file('sdk-policy.json', { tools: { echo: { scopes: ['echo:use'] } } }),
    });
    const client = new Client({ name: 'sdk-oauth', version: '1.0.0' });
    try {
      const authProvider = new ClientCredentialsProvider({
        clientId: 'agent-ci',
        clientSecret: `s3cret-${RUN}`,
        scope: 'echo:use',
        expectedIssuer: issuer.issuer,
      });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`), { authProvider }));
      expect((await client.callTool({ name: 'echo', arguments: { message: 'hi' } })).structuredContent).toEqual({
        message: 'hi',
      });
      // One token, asked for this server's canonical resource: the audience our verifier requires.
      expect(issuer.grants).toEqual([{ clientId: 'agent-ci', resource: `${server.base}/mcp`, scope: 'echo:use' }]);
    } finally {
      await client.close();
      await server.kill();
      await issuer.close();
    }
  });
});
