// Load generation with wrk (one thread, loopback) and its Lua script, which gives every request its own id.
import { execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { BENCH_DIR } from './processes.mjs';

const SCRIPT = resolve(BENCH_DIR, 'lua/jsonrpc.lua');

function hasWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // `wrk --version` exits 1 after printing its version; only a missing binary is ENOENT.
    return error.code !== 'ENOENT';
  }
}

/** Makes sure `wrk` is on the PATH, installing the Debian package when it is not. */
export function ensureWrk() {
  if (hasWrk()) return;
  process.stderr.write('wrk is missing; installing it with apt-get\n');
  execFileSync('apt-get', ['update'], { stdio: 'inherit', timeout: 300_000 });
  execFileSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit', timeout: 300_000 });
  if (!hasWrk()) throw new Error('wrk is still missing after apt-get install');
}

/**
 * One wrk run: `connections` keep-alive connections on one thread for `seconds`, POSTing `method` to `url`.
 * Returns throughput, latency percentiles (ms) and the count of responses that were not a JSON-RPC result.
 */
// Runs so far in this process: each run's JSON-RPC ids start past every earlier run's.
let runCount = 0;

export function runWrk({ url, method, connections, seconds, sessionId = '', protocolVersion = '', era = '' }) {
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--timeout',
    '5s',
    '-s',
    SCRIPT,
    url,
    '--',
    method,
    sessionId,
    protocolVersion,
    era,
    String(++runCount),
  ];
  return new Promise((resolveRun, reject) => {
    // Under /usr/bin/time, to learn whether wrk itself ran out of CPU (then the figure is the client's limit).
    const child = spawn('/usr/bin/time', ['-f', 'WRKTIME %U %S', 'wrk', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t) => (err += t));
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(killer);
      const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
      if (code !== 0 || !line) {
        reject(new Error(`wrk ${args.join(' ')} failed (exit ${code}):\n${err}${out}`));
        return;
      }
      const r = JSON.parse(line.slice('WRKJSON '.length));
      const times = /WRKTIME ([\d.]+) ([\d.]+)/.exec(err);
      const clientCpuSeconds = times ? Number(times[1]) + Number(times[2]) : NaN;
      const socketErrors = r.connect_errors + r.read_errors + r.write_errors + r.timeouts;
      resolveRun({
        rps: r.requests / (r.duration_us / 1e6),
        p50Ms: r.p50_us / 1000,
        p90Ms: r.p90_us / 1000,
        p99Ms: r.p99_us / 1000,
        maxMs: r.max_us / 1000,
        requests: r.requests,
        bad: r.bad,
        socketErrors,
        badSample: r.bad_sample,
        // Share of one core wrk used: near 1 means the load generator, not the server, set the pace.
        clientCpuShare: clientCpuSeconds / (r.duration_us / 1e6),
      });
    });
  });
}
