// Traces of a real server process exported over OTLP/HTTP to a receiver on loopback: one agent call continues
// the client's W3C trace (from the traceparent header or from _meta) and holds every span from the MCP request
// down to the SQL statement: pipeline stages, the tool, the agent run, each turn, each model request.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createScriptedServer, type ScriptedServer, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';
import { createSampleDatabase, type SampleDatabase } from './spec-helpers/sample-database';
import { MAIN, type ServerProcess, startServerProcess, until } from './spec-helpers/server-process';

interface ExportedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** A minimal OTLP/HTTP JSON receiver: what the collector would get. */
function startReceiver(): Promise<{ server: Server; url: string; spans: ExportedSpan[] }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.includes('json')) {
        const parsed = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }> };
        for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans }),
    ),
  );
}

const attr = (span: ExportedSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v ? (v.stringValue ?? v.intValue ?? v.boolValue) : undefined;
};

describe('traces over OTLP', () => {
  let scripted: ScriptedServer;
  let database: SampleDatabase;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let server: ServerProcess;
  beforeAll(async () => {
    scripted = await createScriptedServer({ apiKey: 'test-key' });
    database = await createSampleDatabase();
    receiver = await startReceiver();
    server = await startServerProcess({
      DATABASE_URL: database.url,
      OPENAI_BASE_URL: scripted.url,
      OPENAI_API_KEY: 'test-key',
      OPENAI_MODEL: 'scripted-model',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    await scripted?.close();
    await database?.drop();
    receiver?.server.close();
  });

  it('puts one agent call, down to its SQL statement, in the trace the client started (traceparent header)', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const clientSpan = '00f067aa0ba902b7';
    scripted.enqueue(
      toolCallTurn({ name: 'run_sql', arguments: { sql: 'SELECT count(*) AS n FROM customers' } }),
      textTurn('There are customers.'),
    );
    const client = new Client({ name: 'traced', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`), {
        requestInit: { headers: { traceparent: `00-${traceId}-${clientSpan}-01` } },
      }),
    );
    const result = await client.callTool({ name: 'database_query', arguments: { question: 'How many customers?' } });
    expect(result.isError).toBeFalsy();
    await client.close();

    await until(() => receiver.spans.some((s) => s.traceId === traceId && s.name === 'SELECT'), 10_000, 'the SQL span');
    await until(
      () => receiver.spans.some((s) => s.traceId === traceId && s.name === 'tools/call database_query'),
      10_000,
      'the request span',
    );
    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const request = trace.find((s) => s.name === 'tools/call database_query') as ExportedSpan;
    expect(request.parentSpanId).toBe(clientSpan);
    expect(request.kind).toBe(2); // SERVER
    expect(attr(request, 'mcp.method.name')).toBe('tools/call');

    const names = trace.map((s) => s.name);
    for (const name of [
      'mcp.pipeline authenticate',
      'execute_tool database_query',
      'invoke_agent database_agent',
      'agent.turn',
      'chat scripted-model',
      'execute_tool run_sql',
      'SELECT',
    ]) {
      expect(names).toContain(name);
    }
    expect(names.filter((n) => n === 'agent.turn')).toHaveLength(2);
    expect(names.filter((n) => n === 'chat scripted-model')).toHaveLength(2);

    // The SQL statement's ancestry runs through the agent's tool, its turn, the run, the MCP tool and the request.
    const sql = trace.find((s) => s.name === 'SELECT') as ExportedSpan;
    expect(attr(sql, 'db.query.text')).toMatch(/SELECT count\(\*\) AS n FROM customers/);
    const chain: string[] = [];
    for (let s: ExportedSpan | undefined = sql; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined)
      chain.push(s.name);
    expect(chain).toEqual([
      'SELECT',
      'execute_tool run_sql',
      'agent.turn',
      'invoke_agent database_agent',
      'execute_tool database_query',
      'tools/call database_query',
    ]);
    const chat = trace.find((s) => s.name === 'chat scripted-model') as ExportedSpan;
    expect(byId.get(chat.parentSpanId as string)?.name).toBe('agent.turn');
  });

  it('continues a trace context sent in _meta', async () => {
    const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
    const client = new Client({ name: 'traced-meta', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
    await client.request(
      { method: 'tools/list', params: { _meta: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } } } as never,
      (await import('@modelcontextprotocol/sdk/types.js')).ListToolsResultSchema,
    );
    await client.close();
    await until(
      () => receiver.spans.some((s) => s.traceId === traceId && s.name === 'tools/list'),
      10_000,
      'the tools/list span',
    );
    expect(receiver.spans.find((s) => s.traceId === traceId && s.name === 'tools/list')?.parentSpanId).toBe(
      'b7ad6b7169203331',
    );
  });
});

describe('traces when the OpenTelemetry SDK cannot be loaded', () => {
  // An install that left the exporter out: the server says why and serves without traces.
  const MISSING_EXPORTER_HOOK = `
import { registerHooks } from 'node:module';
registerHooks({ resolve(specifier, context, next) {
  if (specifier === '@opentelemetry/exporter-trace-otlp-http') throw new Error('Cannot find package ' + specifier);
  return next(specifier, context);
} });
`;
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'http-tracing-'));
    await writeFile(path.join(dir, 'missing-exporter.mjs'), MISSING_EXPORTER_HOOK);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server?.kill();
    receiver?.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves its tools without traces, and logs why', async () => {
    server = await startServerProcess(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50', DIAGNOSTIC_TOOLS: 'true' },
      ['--import', pathToFileURL(path.join(dir, 'missing-exporter.mjs')).href, MAIN],
    );
    const client = new Client({ name: 'untraced', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`)));
    const echoed = await client.callTool({ name: 'echo', arguments: { message: 'still here' } });
    await client.close();
    expect(echoed.structuredContent).toEqual({ message: 'still here' });
    expect(server.logLines().some((l) => String(l['msg']).includes('tracing could not start'))).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.spans).toEqual([]);
  }, 60_000);
});
