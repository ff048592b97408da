// Slow and oversized clients over real sockets: dribbled headers and bodies are cut at their deadline, long
// URLs get 414, big header blocks 431, and the server keeps serving others throughout.
import { connect } from 'node:net';
import { type AddressInfo } from 'node:net';
import { type Server } from 'node:http';
import { echoTool } from '../../diagnostics';
import { testServer } from '../../spec-helpers/clients';
import { createLimitedHttpServer, HttpServerLimitsError } from './server-limits';
import { createStreamableHttpHandler, type StreamableHttpHandler } from './streamable-http';

const LIMITS = {
  headersTimeoutMs: 400,
  requestTimeoutMs: 3000,
  keepAliveTimeoutMs: 1000,
  maxHeaderBytes: 2048,
  maxUrlBytes: 512,
};
const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

interface RawResult {
  readonly text: string;
  readonly closedAfterMs: number;
}

/** Opens a socket, writes `head`, then `drip` every `everyMs` until the server closes it (or 5 s pass). */
function raw(port: number, head: string, drip = '', everyMs = 100): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let ticker: ReturnType<typeof setInterval> | undefined;
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`server did not close the connection; got ${JSON.stringify(text)}`));
    }, 5000);
    socket.on('connect', () => {
      socket.write(head);
      if (drip) ticker = setInterval(() => socket.writable && socket.write(drip), everyMs);
    });
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      if (ticker) clearInterval(ticker);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
  });
}

describe('HTTP server limits', () => {
  let app: Server;
  let mcp: StreamableHttpHandler;
  let port: number;
  beforeAll(async () => {
    const server = testServer();
    server.tools.register(echoTool);
    mcp = createStreamableHttpHandler(server, { bodyTimeoutMs: 600 });
    app = createLimitedHttpServer(LIMITS, (req, res) => mcp.handle(req, res));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    port = (app.address() as AddressInfo).port;
  });
  afterAll(async () => {
    mcp.close();
    app.closeAllConnections();
    await new Promise<void>((resolve) => app.close(() => resolve()));
  });

  const stillServes = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: INIT,
    });
    expect(res.status).toBe(200);
    await res.json();
  };

  it('cuts a client that dribbles its headers with 408 once the headers timeout passes', async () => {
    const result = await raw(port, 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: 1\r\n', 100);
    expect(result.text).toMatch(/^HTTP\/1\.1 408 /);
    // The drip never finished the header block, yet the server hung up: the deadline, not the client, ended it.
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs);
    await stillServes();
  });

  it('cuts a POST whose body dribbles in with 408 from the MCP handler and closes the connection', async () => {
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${INIT.length}\r\n\r\n`;
    const result = await raw(port, head + INIT.slice(0, 10), ' ', 100);
    expect(result.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(result.text).toContain('Request Timeout: body not received within 600 ms');
    await stillServes();
  });

  it('answers 414 to a request target longer than maxUrlBytes', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/mcp?pad=${'a'.repeat(600)}`);
    expect(res.status).toBe(414);
    expect(await res.json()).toEqual({ error: 'uri_too_long', message: 'Request target longer than 512 bytes' });
    await stillServes();
  });

  it('answers 431 to a header block larger than maxHeaderBytes', async () => {
    const result = await raw(port, `GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(3000)}\r\n\r\n`);
    expect(result.text).toMatch(/^HTTP\/1\.1 431 /);
    await stillServes();
  });

  it('refuses limits that contradict each other', () => {
    expect(() => createLimitedHttpServer({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 }, () => undefined)).toThrow(
      HttpServerLimitsError,
    );
    expect(() => createLimitedHttpServer({ maxUrlBytes: 4096, maxHeaderBytes: 4096 }, () => undefined)).toThrow(
      /maxUrlBytes/,
    );
  });
});
