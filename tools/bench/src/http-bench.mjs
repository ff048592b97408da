// HTTP stacks: each in its own process, started, warmed up, measured with wrk (median of the runs), stopped.
import { resolve } from 'node:path';
import { BENCH_DIR, cpuMicros, freePort, median, REPO_ROOT, spawnNode, stop, waitForPort } from './processes.mjs';
import { runWrk } from './wrk.mjs';

export const PROTOCOL_VERSION = '2025-11-25';
const ACCEPT = 'application/json, text/event-stream';

/** The stacks compared, in the order they are run and printed. */
export const HTTP_STACKS = [
  {
    key: 'raw',
    label: 'raw node:http JSON-RPC echo (the floor)',
    script: resolve(BENCH_DIR, 'servers/raw-http-echo.mjs'),
    env: {},
    session: false,
  },
  {
    key: 'sdk_stateless',
    label: 'SDK 1.32 stateless, JSON (new server+transport per request, node:http)',
    script: resolve(BENCH_DIR, 'servers/sdk-stateless-http.mjs'),
    env: {},
    session: false,
  },
  // Ours at the default settings (LOG_LEVEL info: one request log line per request), then without request logs.
  // DIAGNOSTIC_TOOLS only adds the `echo` tool measured here.
  {
    key: 'ours',
    label: 'ours: apps/http-server, stateful session, JSON, defaults (request logs on)',
    script: resolve(REPO_ROOT, 'apps/http-server/dist/main.js'),
    env: { HOST: '127.0.0.1', DIAGNOSTIC_TOOLS: 'true' },
    session: true,
  },
  {
    key: 'ours_quiet',
    label: 'ours: same, LOG_LEVEL=warning (no request logs)',
    script: resolve(REPO_ROOT, 'apps/http-server/dist/main.js'),
    env: { HOST: '127.0.0.1', DIAGNOSTIC_TOOLS: 'true', LOG_LEVEL: 'warning' },
    session: true,
  },
  {
    key: 'ours_stateless',
    label: 'ours: apps/http-server, MCP_HTTP_MODE=stateless, JSON, defaults (request logs on)',
    script: resolve(REPO_ROOT, 'apps/http-server/dist/main.js'),
    env: { HOST: '127.0.0.1', DIAGNOSTIC_TOOLS: 'true', MCP_HTTP_MODE: 'stateless' },
    session: false,
  },
  // The 2026-07-28 way (issue 15): every request stateless, carrying the `_meta` envelope and the Mcp-Method and
  // Mcp-Name headers (no ping in that revision), beside SDK v2's `createMcpHandler` serving the same tool.
  {
    key: 'sdk_v2',
    label: 'SDK v2 2.3 createMcpHandler, 2026-07-28 requests, JSON (an McpServer per request, node:http)',
    script: resolve(BENCH_DIR, 'servers/sdk-v2-handler-http.mjs'),
    env: {},
    session: false,
    era: 'modern',
    methods: ['tools/call'],
  },
  {
    key: 'ours_modern',
    label: 'ours: apps/http-server, 2026-07-28 requests (stateless), defaults (request logs on)',
    script: resolve(REPO_ROOT, 'apps/http-server/dist/main.js'),
    env: { HOST: '127.0.0.1', DIAGNOSTIC_TOOLS: 'true' },
    session: false,
    era: 'modern',
    methods: ['tools/call'],
  },
];

export const HTTP_METHODS = ['ping', 'tools/call'];

export const MODERN_VERSION = '2026-07-28';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'agent-mcp-bench', version: '0.1.0' },
};
const PROBE_PARAMS = {
  'tools/call': { name: 'echo', arguments: { message: 'probe' } },
  sql_query: { name: 'sql_query', arguments: { sql: 'SELECT n, n * 2 AS twice FROM generate_series(1, 10) n' } },
};

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Opens one MCP session on a Streamable HTTP endpoint: initialize, then notifications/initialized. */
export async function openSession(url) {
  const init = await post(url, {
    jsonrpc: '2.0',
    id: 'bench-init',
    method: 'initialize',
    params: {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'agent-mcp-bench', version: '0.1.0' },
    },
  });
  const sessionId = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !sessionId)
    throw new Error(`initialize failed: ${init.status} ${init.text.slice(0, 300)}`);
  const ack = await post(
    url,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION },
  );
  if (ack.status !== 202) throw new Error(`notifications/initialized failed: ${ack.status} ${ack.text.slice(0, 300)}`);
  return sessionId;
}

/** Checks once, outside wrk, that the stack answers the method with a result (not an error). */
async function probe(url, method, headers, era) {
  const rpc = method === 'sql_query' ? 'tools/call' : method;
  let params = PROBE_PARAMS[method];
  let extra = {};
  if (era === 'modern') {
    params = { ...params, _meta: ENVELOPE };
    extra = { 'mcp-method': rpc, ...(PROBE_PARAMS[method] ? { 'mcp-name': PROBE_PARAMS[method].name } : {}) };
  }
  const res = await post(
    url,
    { jsonrpc: '2.0', id: 'bench-probe', method: rpc, ...(params && { params }) },
    { ...headers, ...extra },
  );
  if (res.status !== 200 || !res.text.includes('"result"') || res.text.includes('"isError":true')) {
    throw new Error(`${method} probe failed: ${res.status} ${res.text.slice(0, 300)}`);
  }
}

/** Starts a stack's server and, for a stateful one, opens its session; returns what wrk needs to reach it. */
async function startStack(stack) {
  const port = await freePort();
  const child = spawnNode(stack.script, {
    env: { ...stack.env, PORT: String(port) },
    nodeArgs: stack.nodeArgs,
    stdio: stack.stdio,
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    await waitForPort(child, port);
    let sessionId = '';
    let headers = {};
    if (stack.era === 'modern') {
      headers = { 'mcp-protocol-version': MODERN_VERSION };
    } else if (stack.session) {
      sessionId = await openSession(url);
      headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION };
    } else if (stack.key !== 'raw') {
      headers = { 'mcp-protocol-version': PROTOCOL_VERSION };
    }
    return {
      stack,
      child,
      url,
      sessionId,
      headers,
      protocolVersion: headers['mcp-protocol-version'] ?? '',
      era: stack.era ?? '',
    };
  } catch (error) {
    await stop(child);
    throw error;
  }
}

/**
 * Measures the stacks side by side (optional `nodeArgs` and `stdio` per stack for profiling runs): all servers run
 * at once (an idle one costs nothing), and for every method and concurrency the stacks take turns run by run,
 * starting one later each run, so a burst of load elsewhere hits them all alike. `runs` wrk runs of `seconds` each
 * after a warm-up. Returns `{ [stackKey]: { [method]: { [c]: { rps, p50Ms, p99Ms, runs: [...] } } } }`, figures
 * of the median run by req/s.
 */
export async function measureHttpStacks(
  stacks,
  { concurrencies, runs, seconds, warmupSeconds, methods = HTTP_METHODS, log },
) {
  const started = [];
  try {
    for (const stack of stacks) started.push(await startStack(stack));
    const results = Object.fromEntries(stacks.map((s) => [s.key, {}]));
    for (const method of methods) {
      // Each stack asked only what its revision has (2026-07-28 has no ping).
      const asked = started.filter((s) => !s.stack.methods || s.stack.methods.includes(method));
      for (const s of asked) {
        await probe(s.url, method, s.headers, s.era);
        const { url, sessionId, protocolVersion, era } = s;
        const connections = Math.max(...concurrencies);
        await runWrk({ url, method, connections, seconds: warmupSeconds, sessionId, protocolVersion, era });
      }
      for (const c of concurrencies) {
        const samples = new Map(asked.map((s) => [s, []]));
        for (let i = 0; i < runs; i++) {
          for (let k = 0; k < asked.length; k++) {
            const s = asked[(k + i) % asked.length];
            const cpuBefore = cpuMicros(s.child.pid);
            const r = await runWrk({
              url: s.url,
              method,
              connections: c,
              seconds,
              sessionId: s.sessionId,
              protocolVersion: s.protocolVersion,
              era: s.era,
            });
            r.cpuUsPerReq = (cpuMicros(s.child.pid) - cpuBefore) / Math.max(1, r.requests);
            samples.get(s).push(r);
            log(
              `  ${s.stack.key} ${method} c=${c} run ${i + 1}/${runs}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, server CPU ${r.cpuUsPerReq.toFixed(0)} us/req, wrk CPU ${(r.clientCpuShare * 100).toFixed(0)}%${r.bad || r.socketErrors ? `, ${r.bad} bad, ${r.socketErrors} socket errors (${r.badSample})` : ''}`,
            );
          }
        }
        for (const s of asked) (results[s.stack.key][method] ??= {})[c] = summarize(samples.get(s));
      }
    }
    return results;
  } finally {
    for (const s of started) await stop(s.child);
  }
}

/**
 * The figures of the median run (by req/s), the median server CPU time per request (steadier than req/s on a
 * busy machine), and the bad-response total over all runs.
 */
export function summarize(samples) {
  const mid = median(samples.map((s) => s.rps));
  const chosen = samples.reduce((best, s) => (Math.abs(s.rps - mid) < Math.abs(best.rps - mid) ? s : best));
  return {
    rps: Math.round(mid),
    p50Ms: round(chosen.p50Ms),
    p99Ms: round(chosen.p99Ms),
    cpuUsPerReq: Math.round(median(samples.map((s) => s.cpuUsPerReq))),
    clientCpuShare: round(chosen.clientCpuShare),
    bad: samples.reduce((n, s) => n + s.bad + s.socketErrors, 0),
    runs: samples.map((s) => ({
      rps: Math.round(s.rps),
      p50Ms: round(s.p50Ms),
      p99Ms: round(s.p99Ms),
      cpuUsPerReq: Math.round(s.cpuUsPerReq),
      clientCpuShare: round(s.clientCpuShare),
      bad: s.bad,
      socketErrors: s.socketErrors,
    })),
  };
}

const round = (x) => Math.round(x * 1000) / 1000;
