// Memory under abandoned sessions: open many sessions on our HTTP server (initialize, never DELETE) and compare
// its RSS after 1k with its RSS after up to 100k. Garbage is collected through the inspector before each
// sample (HeapProfiler.collectGarbage), so the figures are live memory, not collection timing.
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import { freePort, REPO_ROOT, rssKiB, sleep, spawnNode, stop, waitForPort } from './processes.mjs';
import { PROTOCOL_VERSION } from './http-bench.mjs';

const SERVER = resolve(REPO_ROOT, 'apps/http-server/dist/main.js');
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'agent-mcp-bench', version: '0.1.0' },
  },
});

/** A Chrome DevTools Protocol session on the server's inspector. */
async function inspect(wsUrl) {
  const ws = new WebSocket(wsUrl);
  await new Promise((r, reject) => {
    ws.addEventListener('open', r, { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${wsUrl}`)), { once: true });
  });
  let nextId = 0;
  const waiting = new Map();
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    const done = waiting.get(message.id);
    if (done) {
      waiting.delete(message.id);
      done(message);
    }
  });
  const call = (method, params = {}) =>
    new Promise((r, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => reject(new Error(`inspector ${method} timed out`)), 60_000);
      waiting.set(
        id,
        (m) => (clearTimeout(timer), m.error ? reject(new Error(`${method}: ${m.error.message}`)) : r(m.result)),
      );
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { call, close: () => ws.close() };
}

async function sample(child, cdp) {
  // Twice: the first pass may leave weak references and finalizers for the second.
  await cdp.call('HeapProfiler.collectGarbage');
  await cdp.call('HeapProfiler.collectGarbage');
  await sleep(200);
  const usage = await cdp.call('Runtime.evaluate', {
    expression: 'JSON.stringify(process.memoryUsage())',
    returnByValue: true,
  });
  const memory = JSON.parse(usage.result.value);
  return {
    rssMiB: mib(rssKiB(child.pid) * 1024),
    heapUsedMiB: mib(memory.heapUsed),
    externalMiB: mib(memory.external),
  };
}

const mib = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Opens `count` sessions with `concurrency` keep-alive connections; stops early at `deadline`. */
async function openSessions(port, count, { concurrency, deadline }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let started = 0;
  let opened = 0;
  let failed = 0;
  let firstFailure = '';
  const one = () =>
    new Promise((r) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/mcp',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'content-length': Buffer.byteLength(INITIALIZE),
          },
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200 && res.headers['mcp-session-id']) opened++;
            else {
              failed++;
              firstFailure ||= `status ${res.statusCode}`;
            }
            r();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => {
        failed++;
        firstFailure ||= error.message;
        r();
      });
      req.end(INITIALIZE);
    });
  const worker = async () => {
    while (started < count && Date.now() < deadline) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { opened, failed, firstFailure };
}

/**
 * Opens `small` sessions, samples memory, then opens more up to `large` in total (bounded by `maxSeconds`)
 * and samples again. The server keeps its defaults (MAX_SESSIONS 10 000, LRU eviction of idle sessions).
 */
export async function measureSessionsMemory({ small, large, maxSeconds, concurrency = 32, log }) {
  const port = await freePort();
  const child = spawnNode(SERVER, {
    env: { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warning' },
    nodeArgs: ['--inspect=127.0.0.1:0'],
  });
  try {
    await waitForPort(child, port);
    const wsUrl = /ws:\/\/127\.0\.0\.1:\d+\/[\w-]+/.exec(child.stderrTail())?.[0];
    if (!wsUrl) throw new Error(`no inspector URL on stderr:\n${child.stderrTail()}`);
    const cdp = await inspect(wsUrl);
    try {
      const idle = await sample(child, cdp);
      const first = await openSessions(port, small, { concurrency, deadline: Date.now() + maxSeconds * 1000 });
      const atSmall = {
        ...(await sample(child, cdp)),
        sessionsOpened: first.opened,
        liveSessions: await liveSessions(port),
      };
      log(
        `  sessions: idle RSS ${idle.rssMiB} MiB; after ${first.opened}: RSS ${atSmall.rssMiB} MiB, heap ${atSmall.heapUsedMiB} MiB, ${atSmall.liveSessions} live`,
      );
      const started = Date.now();
      const second = await openSessions(port, large - first.opened, {
        concurrency,
        deadline: started + maxSeconds * 1000,
      });
      const seconds = (Date.now() - started) / 1000;
      const total = first.opened + second.opened;
      const atLarge = { ...(await sample(child, cdp)), sessionsOpened: total, liveSessions: await liveSessions(port) };
      log(
        `  sessions: after ${total} (${Math.round(second.opened / seconds)} initialize/s): RSS ${atLarge.rssMiB} MiB, heap ${atLarge.heapUsedMiB} MiB, ${atLarge.liveSessions} live`,
      );
      const failed = first.failed + second.failed;
      if (failed)
        log(`  sessions: ${failed} initialize requests failed (first: ${first.firstFailure || second.firstFailure})`);
      return {
        idle,
        small: atSmall,
        large: atLarge,
        ratio: Math.round((atLarge.rssMiB / atSmall.rssMiB) * 100) / 100,
        initializePerSecond: Math.round(second.opened / seconds),
        failed,
        reachedTarget: total >= large,
      };
    } finally {
      cdp.close();
    }
  } finally {
    await stop(child);
  }
}

async function liveSessions(port) {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()).sessions;
}
