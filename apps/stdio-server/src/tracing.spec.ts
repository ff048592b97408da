// Traces of the stdio app, as the HTTP app exports them: with OTEL_EXPORTER_OTLP_ENDPOINT set, each request's spans
// reach an OTLP/HTTP receiver on loopback, continuing the client's trace from `_meta.traceparent`; unset, the app
// loads no part of the OpenTelemetry SDK (checked with a module load hook) and sends nothing.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';

const MAIN = path.resolve(__dirname, '../dist/main.js');

interface ExportedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
}

/** A minimal OTLP/HTTP JSON receiver: what the collector would get, and how many export requests came. */
function startReceiver(): Promise<{ server: Server; url: string; spans: ExportedSpan[]; requests: string[] }> {
  const spans: ExportedSpan[] = [];
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push(req.url ?? '');
      if (req.url === '/v1/traces' && req.headers['content-type']?.includes('json')) {
        const parsed = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }> };
        for (const rs of parsed.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, requests }),
    ),
  );
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Records the URL of every module the app loads (ESM and CommonJS, Node's synchronous hooks), one per line.
const LOAD_HOOK = `
import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
const out = process.env.LOADED_MODULES_FILE;
registerHooks({ load(url, context, next) { appendFileSync(out, url + '\\n'); return next(url, context); } });
`;

// The same, with the OTLP exporter package missing, as in an install that left it out.
const MISSING_EXPORTER_HOOK = `${LOAD_HOOK}
registerHooks({ resolve(specifier, context, next) {
  if (specifier === '@opentelemetry/exporter-trace-otlp-http') throw new Error('Cannot find package ' + specifier);
  return next(specifier, context);
} });
`;

const OTEL_SDK = /@opentelemetry\/(sdk-trace|exporter-trace-otlp-http|context-async-hooks|core|resources)\//;
const TRACING_CHUNK = /\/dist\/tracing-[^/]*\.js$/;

describe('stdio-server traces', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let dir: string;
  let hook: string;
  let missingExporterHook: string;
  beforeAll(async () => {
    receiver = await startReceiver();
    dir = await mkdtemp(path.join(tmpdir(), 'stdio-tracing-'));
    hook = path.join(dir, 'load-hook.mjs');
    await writeFile(hook, LOAD_HOOK);
    missingExporterHook = path.join(dir, 'missing-exporter-hook.mjs');
    await writeFile(missingExporterHook, MISSING_EXPORTER_HOOK);
  });
  afterAll(async () => {
    receiver?.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs one session (tools/list under the client's trace, one echo call), closes stdin; returns the loaded modules. */
  async function session(
    env: Record<string, string>,
    traceId: string,
    name: string,
    withHook = hook,
    stderr?: string[],
  ): Promise<string[]> {
    const loaded = path.join(dir, `${name}.loaded`);
    await writeFile(loaded, '');
    const base = { ...process.env } as Record<string, string>;
    delete base['OTEL_EXPORTER_OTLP_ENDPOINT'];
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', pathToFileURL(withHook).href, MAIN],
      env: { ...base, DIAGNOSTIC_TOOLS: 'true', LOADED_MODULES_FILE: loaded, ...env },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (c: Buffer) => stderr?.push(c.toString()));
    const client = new Client({ name: 'traced-desktop', version: '1.0.0' });
    await client.connect(transport);
    const listed = await client.request(
      { method: 'tools/list', params: { _meta: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } } },
      ListToolsResultSchema,
    );
    expect(listed.tools.map((t) => t.name)).toContain('echo');
    expect((await client.callTool({ name: 'echo', arguments: { message: 'traced' } })).content).toEqual([
      { type: 'text', text: 'traced' },
    ]);
    // Closing stdin ends the process, which flushes its spans first.
    await client.close();
    return (await readFile(loaded, 'utf8')).split('\n').filter(Boolean);
  }

  it('sends each request as a trace to the OTLP endpoint, continuing the client trace from _meta', async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
    const loaded = await session(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' },
      traceId,
      'on',
    );
    await until(
      () => receiver.spans.some((s) => s.traceId === traceId && s.name === 'tools/list'),
      10_000,
      'the tools/list span',
    );
    expect(receiver.spans.find((s) => s.traceId === traceId && s.name === 'tools/list')?.parentSpanId).toBe(
      'b7ad6b7169203331',
    );
    await until(() => receiver.spans.some((s) => s.name === 'tools/call echo'), 10_000, 'the tools/call span');
    const call = receiver.spans.find((s) => s.name === 'tools/call echo') as ExportedSpan;
    const tool = receiver.spans.find((s) => s.name === 'execute_tool echo');
    expect(tool?.parentSpanId).toBe(call.spanId);
    // The load hook sees the SDK here, so its absence below means something.
    expect(loaded.some((url) => OTEL_SDK.test(url))).toBe(true);
    expect(loaded.some((url) => TRACING_CHUNK.test(url))).toBe(true);
  }, 30_000);

  it('loads no part of the SDK and sends nothing when no endpoint is set', async () => {
    const before = receiver.requests.length;
    // The SDK's own variable points at the receiver: were the SDK loaded with its defaults, spans would arrive.
    const loaded = await session(
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces` },
      'c3ce929d0e0e47364bf92f3577b34da6',
      'off',
    );
    expect(loaded.some((url) => url.endsWith('/dist/main.js'))).toBe(true);
    expect(loaded.filter((url) => OTEL_SDK.test(url) || TRACING_CHUNK.test(url))).toEqual([]);
    expect(receiver.requests.length).toBe(before);
  }, 30_000);

  it('serves its tools without traces, and says why, when the SDK cannot be loaded', async () => {
    const before = receiver.requests.length;
    const stderr: string[] = [];
    await session(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' },
      'd3ce929d0e0e47364bf92f3577b34da6',
      'missing',
      missingExporterHook,
      stderr,
    );
    expect(stderr.join('')).toContain('tracing could not start');
    expect(receiver.requests.length).toBe(before);
  }, 30_000);
});
