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
import { type ServerProcess, startServerProcess, until } from './spec-helpers/server-process';

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
