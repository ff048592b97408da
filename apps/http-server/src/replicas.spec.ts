// Issue 9, several replicas: two http-server processes (the built main.js) on loopback share Redis (a key
// prefix of their own) and PostgreSQL (a database of its own), behind nginx (round-robin, no sticky sessions,
// deploy/nginx.conf with loopback upstreams). With the SDK's real Client: a session opened through one replica
// is used through the other; a cancel sent to one stops the model request of an agent call, and the SQL statement
// of a sql_query, running on the other; a rate limit holds across both; a rolling restart under a steady load of
// ticket_create calls fails no call and writes no ticket twice. MCP 2026-07-28 clients (the SDK v2 client pinned,
// and raw requests for the tasks extension) need no session at all: their calls are served by either replica, the
// retry of an input-required support approval continues on the other replica and writes one ticket, and a task
// running on one replica is read, answered (tasks/update) and finished through the other; a task finishing on
// one replica is reported on a subscriptions/listen stream open on the other (the Redis change feed). Skipped,
// with the reason, only when nginx is not installed.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Redis } from 'ioredis';
import {
  createScriptedServer,
  hangTurn,
  type ScriptedServer,
  textTurn,
  toolCallTurn,
} from '@agent-mcp/agent-core/testing';
import pg from 'pg';
import { modernRequest } from './spec-helpers/modern-requests';
import { createSampleDatabase, type SampleDatabase } from './spec-helpers/sample-database';
import { type ServerProcess, startServerProcess, until } from './spec-helpers/server-process';

jest.setTimeout(180_000);

const NGINX = ['nginx', '/usr/sbin/nginx'].find((bin) => {
  try {
    execFileSync(bin, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
const DEPLOY = path.resolve(__dirname, '../../../deploy');
const RUN = randomBytes(4).toString('hex');
const KEY = `amk_${randomBytes(24).toString('hex')}`;
/** Calls of `echo` one principal may make per minute (POLICY_FILE), counted in Redis by both replicas. */
const ECHO_LIMIT = 6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

type Text = {
  content?: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

(NGINX ? describe : describe.skip)(
  `two replicas behind nginx${NGINX ? '' : ' (skipped: nginx is not installed; apt-get install nginx-light)'}`,
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'agent-mcp-replicas-'));
    const prefix = `test:replicas:${RUN}:`;
    let database: SampleDatabase;
    let scripted: ScriptedServer;
    let check: pg.Pool;
    let env: Record<string, string>;
    const ports: number[] = [];
    const replicas: Array<ServerProcess | undefined> = [undefined, undefined];
    let nginx: ChildProcess | undefined;
    let nginxExited: Promise<void> | undefined;
    let lb = '';
    const clients: Client[] = [];

    const startReplica = async (i: number): Promise<ServerProcess> => {
      const replica = await startServerProcess({ ...env, PORT: String(ports[i]) });
      replicas[i] = replica;
      return replica;
    };

    beforeAll(async () => {
      database = await createSampleDatabase();
      scripted = await createScriptedServer({ apiKey: 'test-key' });
      check = new pg.Pool({ connectionString: database.url, max: 2 });
      // pg-pool's end() resolves before its backends have read the Terminate, so under load the DROP … WITH (FORCE)
      // in afterAll can still end one of them, and an 'error' with no listener fails whichever test jest is in.
      check.on('error', () => undefined);
      check.on('connect', (client) => client.on('error', () => undefined));
      const keys = path.join(dir, 'keys.json');
      writeFileSync(
        keys,
        JSON.stringify({
          keys: [
            {
              id: 'ops-bot',
              hash: `sha256:${createHash('sha256').update(KEY).digest('hex')}`,
              tenant: 'acme',
              scopes: ['tools:write'],
            },
          ],
        }),
      );
      const policy = path.join(dir, 'policy.json');
      writeFileSync(
        policy,
        JSON.stringify({ tools: { echo: { rateLimit: { points: ECHO_LIMIT, windowSeconds: 60 } } } }),
      );
      ports.push(await freePort(), await freePort(), await freePort());
      env = {
        AUTH_MODE: 'api-key',
        // Clients reach nginx; the replicas listen on loopback behind it.
        PUBLIC_URL: `http://127.0.0.1:${ports[2]}`,
        API_KEYS_FILE: keys,
        POLICY_FILE: policy,
        REDIS_URL: 'redis://127.0.0.1:6379',
        RATE_LIMIT_KEY_PREFIX: `${prefix}rl:`,
        // The steady load below must not meet the per-principal limits; echo has its own (the policy's).
        RATE_LIMIT_PRINCIPAL: '1000000',
        RATE_LIMIT_TOOL: '1000000',
        RATE_LIMIT_IP: '1000000',
        TRUST_PROXY: 'loopback',
        DATABASE_URL: database.url,
        DATABASE_TOOLS: 'true',
        SUPPORT_TOOLS: 'true',
        RESEARCH_TOOLS: 'false',
        DIAGNOSTIC_TOOLS: 'true',
        OPENAI_BASE_URL: scripted.url,
        OPENAI_API_KEY: 'test-key',
        OPENAI_MODEL: 'scripted-model',
        SHUTDOWN_GRACE_SECONDS: '10',
        // One sealing key for both: a 2026-07-28 retry may reach either replica.
        REQUEST_STATE_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'info',
      };
      await Promise.all([startReplica(0), startReplica(1)]);

      // deploy/nginx.conf as shipped, with the replicas on loopback and every path in the temporary directory.
      let conf = readFileSync(path.join(DEPLOY, 'nginx.conf'), 'utf8')
        .replace(/ +server server-\d:3000[^\n]*\n/g, '')
        .replace(
          'upstream agent_mcp {',
          `upstream agent_mcp {\n    server 127.0.0.1:${ports[0]} max_fails=1 fail_timeout=5s;\n    server 127.0.0.1:${ports[1]} max_fails=1 fail_timeout=5s;`,
        )
        .replace('listen 8080;', `listen 127.0.0.1:${ports[2]};`)
        .replace('access_log /dev/stdout;', 'access_log off;')
        .replace('worker_processes auto;', 'worker_processes 1;')
        .replace('error_log stderr warn;', `error_log ${path.join(dir, 'error.log')} warn;`)
        .replace('/tmp/nginx.pid', path.join(dir, 'nginx.pid'));
      for (const t of ['client-body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
        conf = conf.replace(`/tmp/nginx-${t}`, path.join(dir, t));
      expect(conf).not.toMatch(/^\s*(ip_hash|sticky|hash)\b/m); // round-robin: no affinity of any kind
      writeFileSync(path.join(dir, 'nginx.conf'), conf);
      // No pipes: a worker outliving its master would hold them open, and jest with them.
      nginx = spawn(NGINX as string, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
        stdio: 'ignore',
      });
      nginxExited = new Promise((resolve) => (nginx as ChildProcess).once('exit', () => resolve()));
      lb = `http://127.0.0.1:${ports[2]}`;
      const deadline = Date.now() + 10_000;
      for (;;) {
        const up = await fetch(`${lb}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (up) break;
        if (Date.now() > deadline) throw new Error('nginx did not start');
        await sleep(50);
      }
    });

    afterAll(async () => {
      for (const client of clients) await client.close().catch(() => undefined);
      // SIGTERM: the master stops its workers before it exits (SIGKILL would leave them running).
      nginx?.kill('SIGTERM');
      if (nginxExited && (await Promise.race([nginxExited.then(() => true), sleep(5_000).then(() => false)])) === false)
        nginx?.kill('SIGKILL');
      await Promise.all(replicas.map((r) => r?.kill()));
      await check?.end();
      await scripted?.close();
      await database?.drop();
      const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    });

    /**
     * The SDK's Client; `targets` are the bases its HTTP requests go to, in turn, except those `route` sends
     * somewhere on purpose (by the JSON-RPC message they carry).
     */
    async function connect(
      targets: readonly string[],
      route: (body: string) => string | undefined = () => undefined,
    ): Promise<{ client: Client; sessionId: string; sent: string[] }> {
      let next = 0;
      const sent: string[] = [];
      const transport = new StreamableHTTPClientTransport(new URL(`${targets[0]}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${KEY}` } },
        fetch: (_input, init) => {
          const base =
            route(typeof init?.body === 'string' ? init.body : '') ?? (targets[next++ % targets.length] as string);
          sent.push(`${init?.method ?? 'GET'} ${base}`);
          return fetch(`${base}/mcp`, init);
        },
        reconnectionOptions: {
          initialReconnectionDelay: 100,
          maxReconnectionDelay: 1000,
          reconnectionDelayGrowFactor: 1.5,
          maxRetries: 20,
        },
      });
      const client = new Client({ name: 'replicas-spec', version: '1.0.0' });
      await client.connect(transport);
      clients.push(client);
      return { client, sessionId: transport.sessionId as string, sent };
    }

    const requestLines = (replica: ServerProcess | undefined, sessionId: string) =>
      (replica?.logLines() ?? []).filter((l) => l['msg'] === 'request' && l['sessionId'] === sessionId);

    it('serves a session opened through one replica from the other, directly and through nginx', async () => {
      const [a, b] = replicas as ServerProcess[];
      const { client, sessionId } = await connect([a.base, b.base, lb]);
      for (let i = 0; i < 6; i++) {
        const result = (await client.callTool({ name: 'sql_query', arguments: { sql: `SELECT ${i} AS n` } })) as Text;
        expect(result.isError).toBeFalsy();
      }
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['sql_query', 'ticket_create', 'echo']),
      );
      // Opened on A (initialize), then served by both processes. Request logs are written in batches, so a
      // replica's lines may reach its stderr a moment after the answers.
      const logged = (replica: ServerProcess, method: string) =>
        requestLines(replica, sessionId).some((l) => l['method'] === method);
      await until(
        () => logged(a, 'initialize') && logged(a, 'tools/call') && logged(b, 'tools/call'),
        5_000,
        'logs',
      ).catch(() => undefined);
      expect(logged(a, 'initialize')).toBe(true);
      expect(logged(b, 'tools/call')).toBe(true);
      expect(logged(a, 'tools/call')).toBe(true);
      // A session nobody opened is 404 on each.
      for (const base of [a.base, b.base, lb]) {
        const res = await fetch(`${base}/mcp`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${KEY}`,
            'mcp-session-id': randomUUID(),
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        });
        expect(res.status).toBe(404);
      }
    });

    it('stops the model request of a call running on one replica when the cancel is sent to the other', async () => {
      const [a, b] = replicas as ServerProcess[];
      scripted.reset();
      scripted.enqueue(hangTurn());
      // Opened on B; the call goes to A, its notifications/cancelled to B; the rest in turn.
      const { client, sessionId, sent } = await connect([b.base, a.base], (body) =>
        body.includes('"tools/call"') ? a.base : body.includes('notifications/cancelled') ? b.base : undefined,
      );
      const controller = new AbortController();
      const call = client.callTool({ name: 'database_query', arguments: { question: 'Think hard' } }, undefined, {
        signal: controller.signal,
      });
      call.catch(() => undefined);
      await scripted.waitForRequest(0, 15_000);
      const at = performance.now();
      controller.abort('user pressed stop');
      // The agent run's model request on A is closed: the same cancellation chain as a cancel sent to A itself.
      const closed = await scripted.waitForClientClose(0, 5_000);
      expect((closed.clientClosedAt ?? Infinity) - at).toBeLessThan(1000);
      await expect(call).rejects.toThrow();
      expect(sent).toContain(`POST ${b.base}`);
      // A ran the call and ended it as cancelled, with no answer; B only passed the cancellation on.
      await until(
        () => requestLines(a, sessionId).some((l) => l['method'] === 'tools/call'),
        5_000,
        'the call to be logged',
      );
      expect(requestLines(a, sessionId).find((l) => l['method'] === 'tools/call')?.['outcome']).toBe('cancelled');
      expect(requestLines(b, sessionId).some((l) => l['method'] === 'tools/call')).toBe(false);
    });

    it('stops the SQL statement of a call running on one replica when the cancel is sent to the other', async () => {
      const [a, b] = replicas as ServerProcess[];
      const running = async () =>
        (
          await check.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%generate_series%'",
          )
        ).rows[0]?.n ?? 0;
      const { client } = await connect([b.base, a.base], (body) =>
        body.includes('"tools/call"') ? a.base : body.includes('notifications/cancelled') ? b.base : undefined,
      );
      const controller = new AbortController();
      const call = client.callTool(
        { name: 'sql_query', arguments: { sql: 'SELECT count(*) FROM generate_series(1, 10000000000)' } },
        undefined,
        { signal: controller.signal },
      );
      call.catch(() => undefined);
      for (let i = 0; i < 400 && (await running()) === 0; i++) await sleep(25);
      expect(await running()).toBe(1);
      const at = Date.now();
      controller.abort('user pressed stop');
      while ((await running()) > 0 && Date.now() - at < 5000) await sleep(20);
      expect(Date.now() - at).toBeLessThan(1000);
      await expect(call).rejects.toThrow();
    });

    const MODERN = '2026-07-28';
    const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } };

    /** The SDK v2 client pinned to 2026-07-28; its POSTs go to `targets` in turn unless `route` picks one. */
    async function connectModern(
      targets: readonly string[],
      options: { capabilities?: Record<string, unknown>; route?: (body: string) => string | undefined } = {},
    ): Promise<{ client: ModernClient; sent: string[] }> {
      let next = 0;
      const sent: string[] = [];
      const client = new ModernClient(
        { name: 'replicas-modern', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: MODERN } }, capabilities: options.capabilities ?? {} },
      );
      const transport = new ModernTransport(new URL(`${targets[0]}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${KEY}` } },
        fetch: (_input, init) => {
          const body = typeof init?.body === 'string' ? init.body : '';
          const base = options.route?.(body) ?? (targets[next++ % targets.length] as string);
          sent.push(`${body.match(/"method":"([^"]+)"/)?.[1] ?? init?.method ?? 'GET'} ${base}`);
          return fetch(`${base}/mcp`, init);
        },
      });
      await client.connect(transport);
      return { client, sent };
    }

    /** One 2026-07-28 request, raw, to `base`. */
    const modern = (
      base: string,
      method: string,
      params: Record<string, unknown>,
      capabilities: Record<string, unknown>,
    ) =>
      modernRequest(base, method, params, {
        capabilities,
        headers: { authorization: `Bearer ${KEY}` },
        timeoutMs: 60_000,
      });

    const ticketsOf = async (customerId: number) =>
      (
        await check.query<{ n: number }>('SELECT count(*)::int AS n FROM support_tickets WHERE customer_id = $1', [
          customerId,
        ])
      ).rows[0]?.n ?? 0;

    it('serves a 2026-07-28 client with no session from both replicas, directly and through nginx', async () => {
      const [a, b] = replicas as ServerProcess[];
      const { client, sent } = await connectModern([a.base, b.base, lb]);
      try {
        expect(client.getProtocolEra()).toBe('modern');
        const names = (await client.listTools()).tools.map((t) => t.name);
        expect(names).toEqual(expect.arrayContaining(['sql_query', 'ticket_create', 'support', 'echo']));
        for (let i = 0; i < 6; i++) {
          const result = (await client.callTool({ name: 'sql_query', arguments: { sql: `SELECT ${i} AS n` } })) as Text;
          expect(result.isError).toBeFalsy();
        }
        for (const base of [a.base, b.base, lb]) expect(sent).toContain(`tools/call ${base}`);
        expect(sent.some((s) => s.startsWith('initialize'))).toBe(false);
      } finally {
        await client.close();
      }
    });

    it('continues an input-required support approval on the other replica and writes one ticket', async () => {
      const [a, b] = replicas as ServerProcess[];
      scripted.reset();
      scripted.enqueue(
        toolCallTurn({
          name: 'ticket_create',
          arguments: { subject: 'Across replicas', body: 'Please call me back.' },
        }),
        textTurn('A colleague will call you back.'),
      );
      let calls = 0;
      const asked: string[] = [];
      // The first round goes to A, the retry with the answer to B.
      const { client, sent } = await connectModern([a.base, b.base], {
        capabilities: { elicitation: { form: {} } },
        route: (body) => (body.includes('"tools/call"') ? (calls++ === 0 ? a.base : b.base) : undefined),
      });
      client.setRequestHandler('elicitation/create', async (request) => {
        asked.push(String(request.params.message));
        return { action: 'accept', content: { confirm: true } };
      });
      try {
        const before = await ticketsOf(8);
        const result = (await client.callTool({
          name: 'support',
          arguments: { message: `Call me back (${randomUUID()}).`, customerId: 8 },
        })) as Text;
        expect(result.structuredContent).toMatchObject({ status: 'answered', ticketCreated: { created: true } });
        expect(asked).toHaveLength(1);
        expect(sent.filter((s) => s.startsWith('tools/call'))).toEqual([
          `tools/call ${a.base}`,
          `tools/call ${b.base}`,
        ]);
        // The write was planned once (on A) and answered once (on B): two model requests in all.
        expect(scripted.requests).toHaveLength(2);
        expect(await ticketsOf(8)).toBe(before + 1);
      } finally {
        await client.close();
      }
    });

    it('shows a task running on one replica through the other, and delivers tasks/update there', async () => {
      const [a, b] = replicas as ServerProcess[];
      scripted.reset();
      scripted.enqueue(
        toolCallTurn({ name: 'ticket_create', arguments: { subject: 'As a task', body: 'Please call me.' } }),
        textTurn('Done: a colleague will call.'),
      );
      const caps = { ...TASKS, elicitation: { form: {} } };
      const before = await ticketsOf(9);
      const created = await modern(
        a.base,
        'tools/call',
        { name: 'support', arguments: { message: `Call me (${randomUUID()}).`, customerId: 9 } },
        caps,
      );
      expect(created.result).toMatchObject({ resultType: 'task', status: 'working' });
      const taskId = String(created.result?.['taskId']);
      let task: Record<string, unknown> | undefined;
      for (const started = Date.now(); Date.now() - started < 15_000 && task?.['status'] !== 'input_required';) {
        task = (await modern(b.base, 'tasks/get', { taskId }, caps)).result;
        if (task?.['status'] !== 'input_required') await sleep(50);
      }
      expect(task).toMatchObject({ status: 'input_required' });
      const key = Object.keys((task?.['inputRequests'] as object) ?? {})[0] as string;
      expect(key).toMatch(/^elicitation-[0-9a-f]{8}$/);
      const ack = await modern(
        b.base,
        'tasks/update',
        { taskId, inputResponses: { [key]: { action: 'accept', content: { confirm: true } } } },
        caps,
      );
      expect(ack.result).toMatchObject({ resultType: 'complete' });
      for (const started = Date.now(); Date.now() - started < 15_000; await sleep(50)) {
        task = (await modern(b.base, 'tasks/get', { taskId }, caps)).result;
        if (task?.['status'] !== 'working' && task?.['status'] !== 'input_required') break;
      }
      expect(task).toMatchObject({
        status: 'completed',
        result: { structuredContent: { status: 'answered', ticketCreated: { created: true } } },
      });
      expect(await ticketsOf(9)).toBe(before + 1);
    });

    it('reports the status of a task running on one replica on a listen stream open on the other', async () => {
      const [a, b] = replicas as ServerProcess[];
      scripted.reset();
      scripted.enqueue(
        toolCallTurn({ name: 'ticket_create', arguments: { subject: 'Heard elsewhere', body: 'Please call me.' } }),
        textTurn('Done: a colleague will call.'),
      );
      const caps = { ...TASKS, elicitation: { form: {} } };
      const created = await modern(
        a.base,
        'tools/call',
        { name: 'support', arguments: { message: `Call me (${randomUUID()}).`, customerId: 10 } },
        caps,
      );
      expect(created.result).toMatchObject({ resultType: 'task' });
      const taskId = String(created.result?.['taskId']);
      const controller = new AbortController();
      const res = await fetch(`${b.base}/mcp`, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${KEY}`,
          'mcp-protocol-version': MODERN,
          'mcp-method': 'subscriptions/listen',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'listen-b',
          method: 'subscriptions/listen',
          params: {
            _meta: {
              'io.modelcontextprotocol/protocolVersion': MODERN,
              'io.modelcontextprotocol/clientCapabilities': caps,
            },
            notifications: { taskIds: [taskId] },
          },
        }),
      });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const frames: Array<{ method?: string; params?: Record<string, unknown> }> = [];
      const reading = (async () => {
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
            const data = buffer
              .slice(0, end)
              .split('\n')
              .find((line) => line.startsWith('data: '));
            buffer = buffer.slice(end + 2);
            if (data) frames.push(JSON.parse(data.slice(6)));
          }
        }
      })().catch(() => undefined);
      const statusFrame = async (status: string) => {
        for (const started = Date.now(); Date.now() - started < 15_000; await sleep(20)) {
          const found = frames.find((f) => f.method === 'notifications/tasks' && f.params?.['status'] === status);
          if (found) return found;
        }
        throw new Error(`no ${status} notification; frames: ${JSON.stringify(frames)}`);
      };
      try {
        // The run on A waits for the approval: B reports it waiting, with the question.
        const waiting = await statusFrame('input_required');
        const key = Object.keys((waiting.params?.['inputRequests'] as object) ?? {})[0] as string;
        expect(key).toMatch(/^elicitation-[0-9a-f]{8}$/);
        // Answered on A, which runs the task: B hears of its end through the change feed and reads the outcome.
        const ack = await modern(
          a.base,
          'tasks/update',
          { taskId, inputResponses: { [key]: { action: 'accept', content: { confirm: true } } } },
          caps,
        );
        expect(ack.result).toMatchObject({ resultType: 'complete' });
        const completed = await statusFrame('completed');
        expect(completed.params).toMatchObject({
          taskId,
          result: { structuredContent: { status: 'answered', ticketCreated: { created: true } } },
          _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-b' },
        });
      } finally {
        controller.abort();
        await reading;
      }
      expect(frames[0]).toMatchObject({
        method: 'notifications/subscriptions/acknowledged',
        params: { notifications: { taskIds: [taskId] } },
      });
    });

    it('holds a rate limit across both replicas', async () => {
      const [a, b] = replicas as ServerProcess[];
      const { client } = await connect([a.base, b.base]);
      const outcomes: string[] = [];
      for (let i = 0; i < ECHO_LIMIT + 4; i++) {
        outcomes.push(
          await client.callTool({ name: 'echo', arguments: { message: 'count me' } }).then(
            (r) => ((r as Text).isError ? 'tool error' : 'ok'),
            (error: Error) => (/429|rate|limit/i.test(error.message) ? 'limited' : error.message),
          ),
        );
      }
      // Each replica alone would have allowed ECHO_LIMIT calls, all ten of them between the two.
      expect(outcomes).toEqual([...Array<string>(ECHO_LIMIT).fill('ok'), ...Array<string>(4).fill('limited')]);
    });

    it('restarts both replicas one after the other under a steady load, failing no call and writing no ticket twice', async () => {
      const workers = await Promise.all(Array.from({ length: 4 }, () => connect([lb])));
      const written: string[] = [];
      const failures: string[] = [];
      let stop = false;
      const work = async ({ client }: { client: Client }, w: number) => {
        for (let i = 0; !stop; i++) {
          const idempotencyKey = `${RUN}-${w}-${i}`;
          try {
            const result = (await client.callTool({
              name: 'ticket_create',
              arguments: { customerId: 3, subject: 'Rolling restart', body: `worker ${w}, call ${i}`, idempotencyKey },
            })) as Text;
            if (result.isError) failures.push(`${idempotencyKey}: ${result.content?.[0]?.text}`);
            else written.push(idempotencyKey);
          } catch (error) {
            failures.push(`${idempotencyKey}: ${(error as Error).message}`);
          }
          // Steady, not flat out: the machine runs other tests beside this one.
          await sleep(20);
        }
      };
      const load = workers.map(work);
      await sleep(1000);
      const timeline: string[] = [];
      for (const i of [0, 1]) {
        const old = replicas[i] as ServerProcess;
        const before = written.length;
        old.child.kill('SIGTERM');
        const code = await Promise.race([old.exited, sleep(30_000).then(() => 'still running')]);
        expect(code).toBe(0);
        const fresh = await startReplica(i);
        // nginx skips a replica that refused a connection for fail_timeout (5 s): wait until it sends it work again.
        await until(
          () => fresh.logLines().some((l) => l['msg'] === 'request'),
          30_000,
          `replica ${i + 1} to serve again`,
        );
        timeline.push(`replica ${i + 1} restarted: ${written.length - before} calls meanwhile`);
      }
      await sleep(1000);
      stop = true;
      await Promise.all(load);
      expect(failures).toEqual([]);
      expect(written.length).toBeGreaterThan(20);
      const rows = await check.query<{ key: string; n: number }>(
        'SELECT idempotency_key AS key, count(*)::int AS n FROM support_tickets WHERE idempotency_key LIKE $1 GROUP BY idempotency_key',
        [`${RUN}-%`],
      );
      expect(rows.rows.filter((r) => r.n > 1)).toEqual([]);
      expect(rows.rows.map((r) => r.key).sort()).toEqual([...written].sort());
      process.stderr.write(`rolling restart: ${written.length} calls, 0 failed; ${timeline.join('; ')}\n`);
    });
  },
);
