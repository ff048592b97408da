// stdio stacks: a driver that keeps N echo tool calls in flight for a while and counts the answers.
import { resolve } from 'node:path';
import { BENCH_DIR, cpuMicros, median, REPO_ROOT, spawnNode, stop } from './processes.mjs';
import { MODERN_VERSION, PROTOCOL_VERSION } from './http-bench.mjs';

export const STDIO_STACKS = [
  { key: 'raw', label: 'raw stdio JSON-RPC echo', script: resolve(BENCH_DIR, 'servers/raw-stdio-echo.mjs'), env: {} },
  {
    key: 'ours',
    label: 'ours: apps/stdio-server',
    script: resolve(REPO_ROOT, 'apps/stdio-server/dist/main.js'),
    env: { DIAGNOSTIC_TOOLS: 'true', LOG_LEVEL: 'warning' },
  },
  // The same process asked the 2026-07-28 way (issue 15): no initialize, the `_meta` envelope on every request.
  {
    key: 'ours_modern',
    label: 'ours: apps/stdio-server, 2026-07-28 requests (server/discover, no initialize)',
    script: resolve(REPO_ROOT, 'apps/stdio-server/dist/main.js'),
    env: { DIAGNOSTIC_TOOLS: 'true', LOG_LEVEL: 'warning' },
    era: 'modern',
  },
];

const ENVELOPE = JSON.stringify({
  'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'agent-mcp-bench', version: '0.1.0' },
});
/** A 2026-07-28 request line: `params` (a JSON object's inner text, or '') with the envelope added. */
const modernLine = (id, method, params = '') =>
  `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"${method}","params":{${params ? `${params},` : ''}"_meta":${ENVELOPE}}}\n`;

const initializeLine = (id) =>
  `${JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'agent-mcp-bench', version: '0.1.0' },
    },
  })}\n`;
const INITIALIZED_LINE = '{"jsonrpc":"2.0","method":"notifications/initialized"}\n';
const ECHO_PARAMS = '"name":"echo","arguments":{"message":"hello"}';
const callLine = (id, era) =>
  era === 'modern'
    ? modernLine(id, 'tools/call', ECHO_PARAMS)
    : `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{${ECHO_PARAMS}}}\n`;

/**
 * A newline-delimited JSON-RPC client on a child's stdin/stdout. Lines are handed to `onLines` a chunk at a
 * time, so the hot loop does no per-line work beyond finding newlines.
 */
class LineClient {
  constructor(child) {
    this.child = child;
    this.pending = '';
    this.onLines = () => undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      const text = this.pending + chunk;
      const last = text.lastIndexOf('\n');
      if (last === -1) {
        this.pending = text;
        return;
      }
      this.pending = text.slice(last + 1);
      this.onLines(text.slice(0, last + 1));
    });
  }

  write(text) {
    this.child.stdin.write(text);
  }

  /** Waits for the lines answering every one of `ids` (string ids), bounded; resolves with the last one's. */
  waitFor(ids, timeoutMs = 10_000) {
    const waiting = new Set([ids].flat());
    return new Promise((resolveLine, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to ${[...waiting]} within ${timeoutMs} ms:\n${this.child.stderrTail()}`)),
        timeoutMs,
      );
      this.onLines = (block) => {
        for (const line of block.split('\n')) {
          const id = [...waiting].find((w) => line.includes(`"id":${JSON.stringify(w)}`));
          if (id === undefined) continue;
          waiting.delete(id);
          const message = JSON.parse(line);
          if (message.error) {
            clearTimeout(timer);
            this.onLines = () => undefined;
            return reject(new Error(`${id} failed: ${line}`));
          }
          if (waiting.size > 0) continue;
          clearTimeout(timer);
          this.onLines = () => undefined;
          return resolveLine(message);
        }
      };
    });
  }
}

/** Keeps `inFlight` calls outstanding for `seconds`; returns answers per second and the error count. */
function drive(client, { inFlight, seconds, firstId, era }) {
  return new Promise((resolveRun, reject) => {
    let nextId = firstId;
    let answered = 0;
    let errors = 0;
    let outstanding = 0;
    let sending = true;
    const send = (n) => {
      let out = '';
      for (let i = 0; i < n; i++) out += callLine(nextId++, era);
      outstanding += n;
      client.write(out);
    };
    const started = performance.now();
    const endAt = started + seconds * 1000;
    let elapsedMs = 0;
    const timer = setTimeout(
      () => reject(new Error(`stdio drive stalled with ${outstanding} outstanding`)),
      seconds * 1000 + 15_000,
    );
    client.onLines = (block) => {
      let n = 0;
      for (let i = block.indexOf('\n'); i !== -1; i = block.indexOf('\n', i + 1)) n++;
      if (block.includes('"error"')) errors += block.split('\n').filter((l) => l.includes('"error"')).length;
      outstanding -= n;
      if (sending) {
        answered += n;
        if (performance.now() >= endAt) {
          sending = false;
          elapsedMs = performance.now() - started;
        } else {
          send(n);
        }
      }
      if (!sending && outstanding <= 0) {
        clearTimeout(timer);
        client.onLines = () => undefined;
        resolveRun({ callsPerSecond: answered / (elapsedMs / 1000), answered, errors, lastId: nextId });
      }
    };
    send(inFlight);
  });
}

/** Starts one stdio stack and opens it (`initialize`, or `server/discover` for the 2026-07-28 way). */
async function openStdioStack(stack) {
  // `nodeArgs` (optional) is for profiling runs, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'].
  const child = spawnNode(stack.script, { env: stack.env, nodeArgs: stack.nodeArgs, stdio: ['pipe', 'pipe', 'pipe'] });
  const client = new LineClient(child);
  try {
    const answer = client.waitFor('bench-init');
    if (stack.era === 'modern') {
      client.write(modernLine('bench-init', 'server/discover'));
      await answer;
    } else {
      client.write(initializeLine('bench-init'));
      await answer;
      client.write(INITIALIZED_LINE);
    }
  } catch (error) {
    child.stdin.end();
    await stop(child);
    throw error;
  }
  return { stack, child, client, nextId: 1 };
}

async function closeStdioStack({ child }) {
  child.stdin.end();
  await stop(child);
}

/**
 * Measures stdio stacks side by side: all run at once (an idle one costs nothing), each is warmed up, then for
 * sequential (1 in flight) and `inFlight` calls in flight the stacks take turns run by run, starting one later each
 * run, so that a change of the machine's state during the part hits them all alike (the raw echo is the floor the
 * others are divided by). Returns `{ [stackKey]: { sequential, concurrent } }` with the median calls/s of `runs`
 * runs of `seconds` each.
 */
export async function measureStdioStacks(stacks, { inFlight, runs, seconds, warmupSeconds, log }) {
  const opened = [];
  try {
    for (const stack of stacks) opened.push(await openStdioStack(stack));
    for (const o of opened) {
      const warm = await drive(o.client, { inFlight, seconds: warmupSeconds, firstId: o.nextId, era: o.stack.era });
      o.nextId = warm.lastId;
    }
    const results = Object.fromEntries(stacks.map((s) => [s.key, {}]));
    for (const [name, n] of [
      ['sequential', 1],
      ['concurrent', inFlight],
    ]) {
      const samples = new Map(opened.map((o) => [o, []]));
      for (let i = 0; i < runs; i++) {
        for (let k = 0; k < opened.length; k++) {
          const o = opened[(k + i) % opened.length];
          const cpuBefore = cpuMicros(o.child.pid);
          const r = await drive(o.client, { inFlight: n, seconds, firstId: o.nextId, era: o.stack.era });
          r.cpuUsPerCall = (cpuMicros(o.child.pid) - cpuBefore) / Math.max(1, r.answered);
          o.nextId = r.lastId;
          samples.get(o).push(r);
          log(
            `  ${o.stack.key} stdio ${n} in flight run ${i + 1}/${runs}: ${r.callsPerSecond.toFixed(0)} calls/s, server CPU ${r.cpuUsPerCall.toFixed(1)} us/call${r.errors ? `, ${r.errors} errors` : ''}`,
          );
        }
      }
      for (const [o, runsOf] of samples) {
        results[o.stack.key][name] = {
          inFlight: n,
          callsPerSecond: Math.round(median(runsOf.map((s) => s.callsPerSecond))),
          cpuUsPerCall: Math.round(median(runsOf.map((s) => s.cpuUsPerCall)) * 10) / 10,
          errors: runsOf.reduce((e, s) => e + s.errors, 0),
          runs: runsOf.map((s) => Math.round(s.callsPerSecond)),
        };
      }
    }
    return results;
  } finally {
    for (const o of opened) await closeStdioStack(o);
  }
}

/** Measures one stdio stack alone (the profiling probe's entry): {@link measureStdioStacks} of one. */
export async function measureStdioStack(stack, options) {
  return (await measureStdioStacks([stack], options))[stack.key];
}

/** Node's own start and exit (`node -e 0`): the floor under any cold start on this machine. */
export const NODE_FLOOR = { key: 'node', label: 'node -e 0 (Node starts and exits; no server)' };

/** One launch: spawn to the awaited answer (to the exit for the Node floor), and the process's CPU time by then. */
async function coldLaunch(stack) {
  if (stack.key === NODE_FLOOR.key) {
    const started = performance.now();
    const child = spawnNode('0', { nodeArgs: ['-e'], stdio: ['ignore', 'ignore', 'pipe'] });
    const { code } = await child.exited;
    if (code !== 0) throw new Error(`node -e 0 exited ${code}: ${child.stderrTail()}`);
    return { ms: performance.now() - started, cpuMs: undefined };
  }
  const started = performance.now();
  const child = spawnNode(stack.script, { env: stack.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const client = new LineClient(child);
  try {
    // The modern client needs both answers: server/discover and tools/list, written at once.
    const target =
      stack.key === 'raw' ? 'cold-init' : stack.era === 'modern' ? ['cold-init', 'cold-list'] : 'cold-list';
    const answer = client.waitFor(target);
    client.write(
      stack.era === 'modern'
        ? modernLine('cold-init', 'server/discover') + modernLine('cold-list', 'tools/list')
        : initializeLine('cold-init') + INITIALIZED_LINE + '{"jsonrpc":"2.0","id":"cold-list","method":"tools/list"}\n',
    );
    const message = await answer;
    const ms = performance.now() - started;
    // CPU the process spent to get there: steadier than wall time when other work shares the machine.
    const cpuMs = cpuMicros(child.pid) / 1000;
    if (stack.key !== 'raw' && !message.result.tools?.some((t) => t.name === 'echo')) {
      throw new Error(`tools/list did not list echo: ${JSON.stringify(message)}`);
    }
    return { ms, cpuMs };
  } finally {
    child.stdin.end();
    await stop(child);
  }
}

/**
 * Cold start: spawn, write initialize + notifications/initialized + tools/list at once, and time spawn to
 * the tools/list answer (for the raw echo, spawn to the initialize answer; for the Node floor, spawn to exit).
 * One warm-up launch of each stack first, since the server's compile cache is filled on its first launch; then
 * `runs` rounds that launch each stack once in turn, so that a burst of load elsewhere hits every stack alike.
 */
export async function measureColdStarts(stacks, { runs, log }) {
  const samples = new Map(stacks.map((s) => [s.key, { times: [], cpu: [] }]));
  for (const stack of stacks) await coldLaunch(stack);
  for (let i = 0; i < runs; i++) {
    for (const stack of stacks) {
      const { ms, cpuMs } = await coldLaunch(stack);
      samples.get(stack.key).times.push(ms);
      if (cpuMs !== undefined) samples.get(stack.key).cpu.push(cpuMs);
    }
  }
  const results = {};
  for (const stack of stacks) {
    const { times, cpu } = samples.get(stack.key);
    const result = {
      medianMs: round(median(times)),
      minMs: round(Math.min(...times)),
      maxMs: round(Math.max(...times)),
      cpuMedianMs: cpu.length > 0 ? round(median(cpu)) : undefined,
      runs: times.map(round),
    };
    log(
      `  ${stack.key} cold start: median ${result.medianMs} ms (min ${result.minMs}, max ${result.maxMs}${result.cpuMedianMs === undefined ? '' : `; CPU ${result.cpuMedianMs} ms`}) over ${runs} runs`,
    );
    results[stack.key] = result;
  }
  return results;
}

const round = (x) => Math.round(x * 10) / 10;
