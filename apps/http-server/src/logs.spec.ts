// The server log as an operator reads it: pino JSON lines on stderr, one per request with request id, principal,
// method, tool, outcome and duration, and no secret anywhere, whatever the client sent.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createPinoLogger } from './observability/pino-logger';
import { MAIN, type ServerProcess, startServerProcess, until } from './spec-helpers/server-process';

const dir = mkdtempSync(path.join(tmpdir(), 'http-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pino logger', () => {
  it("writes redacted JSON lines in the shape of the libraries' logger", () => {
    let out = '';
    const destination = new Writable({ write: (chunk, _enc, done) => ((out += chunk.toString()), done()) });
    const { logger, flush } = createPinoLogger({
      level: 'debug',
      bindings: { service: 's' },
      redact: { paths: ['args.ssn'] },
      destination: destination as never,
    });
    logger.child({ sessionToken: 'tok-1' }).warn('header was Bearer abcdefgh12345678', {
      args: { ssn: '123-45-6789', q: 'x' },
      headers: { cookie: 'sid=2' },
    });
    flush();
    const line = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'warning',
      service: 's',
      msg: 'header was Bearer [redacted]',
      sessionToken: '[redacted]',
      args: { ssn: '[redacted]', q: 'x' },
      headers: { cookie: '[redacted]' },
    });
    expect(new Date(line.time as string).getTime()).not.toBeNaN();
    expect(out).not.toMatch(/tok-1|abcdefgh12345678|123-45-6789|sid=2/);
  });
});

describe('pino logger, lines of primitive fields (written without pino, in its layout)', () => {
  const capture = () => {
    let out = '';
    const destination = new Writable({ write: (chunk, _enc, done) => ((out += chunk.toString()), done()) });
    return {
      destination,
      text: () => out,
      lines: () =>
        out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    };
  };

  it('lays a primitive line out as pino lays out one with an object field', () => {
    const { destination, lines } = capture();
    const { logger, flush } = createPinoLogger({
      level: 'info',
      bindings: { service: 's' },
      destination: destination as never,
    });
    const child = logger.child({ replica: 2 });
    child.info('request', { requestId: 7, method: 'ping', durationMs: 0.5 });
    child.info('request', { requestId: 7, method: 'ping', durationMs: 0.5, nested: { a: 1 } });
    flush();
    const [fast, general] = lines();
    expect(Object.keys(general as object)).toEqual([
      'level',
      'time',
      'service',
      'replica',
      'requestId',
      'method',
      'durationMs',
      'nested',
      'msg',
    ]);
    expect(Object.keys(fast as object)).toEqual([
      'level',
      'time',
      'service',
      'replica',
      'requestId',
      'method',
      'durationMs',
      'msg',
    ]);
    expect(fast).toEqual({ ...general, nested: undefined, time: fast?.['time'] });
  });

  it('redacts a primitive line as the general path does, configured paths included', () => {
    const { destination, lines } = capture();
    const { logger, flush } = createPinoLogger({
      level: 'info',
      redact: { paths: ['ssn'] },
      destination: destination as never,
    });
    logger.warn('Bearer abcdefgh12345678 seen', {
      ssn: 123456789,
      apiKey: 'k-1',
      inputTokens: 3,
      note: 'sk-abcdefghijklmnopqrst',
    });
    flush();
    expect(lines()[0]).toMatchObject({
      level: 'warning',
      msg: 'Bearer [redacted] seen',
      ssn: '[redacted]',
      apiKey: '[redacted]',
      inputTokens: 3,
      note: '[redacted]',
    });
  });

  it('leaves out lines under the level', () => {
    const { destination, text } = capture();
    const { logger, flush } = createPinoLogger({ level: 'warning', destination: destination as never });
    logger.info('request', { requestId: 1 });
    logger.warn('kept', { requestId: 2 });
    flush();
    expect(
      text()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).msg),
    ).toEqual(['kept']);
  });
});

describe('http-server request log', () => {
  const key = `amk_${randomBytes(24).toString('hex')}`;
  let server: ServerProcess;
  beforeAll(async () => {
    const keys = path.join(dir, 'keys.json');
    writeFileSync(
      keys,
      JSON.stringify({
        keys: [
          {
            id: 'log-bot',
            hash: `sha256:${createHash('sha256').update(key).digest('hex')}`,
            tenant: 'acme',
            scopes: ['*'],
          },
        ],
      }),
    );
    server = await startServerProcess({
      AUTH_MODE: 'api-key',
      API_KEYS_FILE: keys,
      DIAGNOSTIC_TOOLS: 'true',
      LOG_LEVEL: 'debug',
      LOG_REDACT: 'client.note',
    });
  });
  afterAll(() => server.kill());

  it('logs one line per request with id, principal, method, tool, outcome and duration, and never the key', async () => {
    const client = new Client({ name: 'logs', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}`, cookie: `session=${key}` } },
    });
    await client.connect(transport);
    await client.callTool({ name: 'echo', arguments: { message: `my key is ${key}` } });
    await client.close();
    const refused = await fetch(`${server.base}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${key}x`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
    expect(refused.status).toBe(401);

    await until(() => server.logLines().some((l) => l.method === 'tools/call'), 5_000, 'the tools/call log line');
    const call = server.logLines().find((l) => l.msg === 'request' && l.method === 'tools/call');
    expect(call).toMatchObject({
      level: 'info',
      principal: 'log-bot',
      tenant: 'acme',
      tool: 'echo',
      outcome: 'ok',
      transport: 'http',
      service: 'openai-agent-mcp',
    });
    expect(call?.requestId).toBeDefined();
    expect(typeof call?.sessionId).toBe('string');
    expect(typeof call?.durationMs).toBe('number');
    expect(server.stderr()).not.toContain(key);
    expect(server.stderr()).not.toContain(key.slice(4, 20));
  });
});

// Request lines wait in a buffer (one write per ~32 KiB, not per line); none may be lost when the process ends.
describe('buffered request log: no line lost at the end of the process', () => {
  const CALLS = 300;
  const pings = async (base: string) => {
    for (let i = 0; i < CALLS; i += 30) {
      const batch = Array.from({ length: Math.min(30, CALLS - i) }, (_, k) =>
        fetch(`${base}/mcp`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: `ping-${i + k}`, method: 'ping' }),
        }).then(async (res) => expect(res.status).toBe(200)),
      );
      await Promise.all(batch);
    }
  };
  const pingLines = (server: ServerProcess) =>
    server.logLines().filter((l) => l.msg === 'request' && l.method === 'ping' && l.outcome === 'ok');

  it('writes every request line before exiting on SIGTERM', async () => {
    const server = await startServerProcess({ MCP_HTTP_MODE: 'stateless', LOG_LEVEL: 'info' });
    try {
      await pings(server.base);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      await until(() => pingLines(server).length >= CALLS, 5_000, `${CALLS} ping lines`);
      expect(new Set(pingLines(server).map((l) => l.requestId)).size).toBe(CALLS);
    } finally {
      await server.kill();
    }
  });

  it('writes every request line, and the error, before exiting on a fatal error', async () => {
    // A real uncaught exception inside the server process, thrown on a signal the test sends once the calls are in.
    const plant = path.join(dir, 'plant-fatal-error.mjs');
    writeFileSync(
      plant,
      "process.on('SIGUSR2', () => setImmediate(() => { throw new Error('planted fatal error'); }));\n",
    );
    const server = await startServerProcess({ MCP_HTTP_MODE: 'stateless', LOG_LEVEL: 'info' }, [
      '--import',
      plant,
      MAIN,
    ]);
    try {
      await pings(server.base);
      server.child.kill('SIGUSR2');
      expect(await server.exited).toBe(1);
      await until(() => server.logLines().some((l) => l.msg === 'fatal error; exiting'), 5_000, 'the fatal error line');
      const fatal = server.logLines().find((l) => l.msg === 'fatal error; exiting');
      expect(fatal).toMatchObject({
        level: 'error',
        origin: 'uncaughtException',
        err: { message: 'planted fatal error' },
      });
      expect(new Set(pingLines(server).map((l) => l.requestId)).size).toBe(CALLS);
    } finally {
      await server.kill();
    }
  });
});
