// Probe: CPU instructions per stdio echo call of our stdio app, counted by valgrind's callgrind, which does not
// depend on the machine's load (the calls/s of the stdio rows do): a change to the hot path shows here even while
// other work runs. The app serves N1 calls, then (a new process) N2 calls, 16 in flight, asked the 2026-07-28 way
// (`modern`: every request with the `_meta` envelope, no initialize) or the 2025-11-25 way (`legacy`: after
// initialize); a run's figure is (Ir(N2) - Ir(N1)) / (N2 - N1), which leaves the start-up out. A run varies by a few
// per cent (when V8 compiles and collects differs): compare the median of several runs, as it prints.
// Needs valgrind, and the repo's Node 24 first on PATH (the app runs under `process.execPath`); build the app first
// (`npx nx run stdio-server:build`).
// Usage: node tools/bench/probes/stdio-instructions.mjs [modern|legacy] [N1=4000] [N2=14000] [runs=3] [main.js]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const [
  era = 'modern',
  n1 = '4000',
  n2 = '14000',
  runs = '3',
  main = join(REPO_ROOT, 'apps/stdio-server/dist/main.js'),
] = process.argv.slice(2);
if (era !== 'modern' && era !== 'legacy') throw new Error(`era must be modern or legacy, not ${era}`);

const ENVELOPE = JSON.stringify({
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'agent-mcp-bench', version: '0.1.0' },
});
const CALL = '"name":"echo","arguments":{"message":"hello"}';
const INITIALIZE =
  '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}\n' +
  '{"jsonrpc":"2.0","method":"notifications/initialized"}\n';
const line = (id) =>
  era === 'modern'
    ? `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{${CALL},"_meta":${ENVELOPE}}}\n`
    : `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{${CALL}}}\n`;
const dir = mkdtempSync(join(tmpdir(), 'stdio-instructions-'));

/** Instructions of one process of the app serving `calls` echo calls, start-up and exit included. */
async function instructions(calls) {
  const out = join(dir, `callgrind-${era}-${calls}`);
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, main], {
    env: { ...process.env, DIAGNOSTIC_TOOLS: 'true', LOG_LEVEL: 'warning' },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let buffered = '';
  let answered = 0;
  let next = 1;
  const send = (count) => {
    let text = '';
    for (let j = 0; j < count && next <= calls; j++) text += line(next++);
    child.stdin.write(text);
  };
  const done = new Promise((resolveDone, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      let i;
      while ((i = buffered.indexOf('\n')) !== -1) {
        const answer = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        if (answer.includes('"error"')) return reject(new Error(answer));
        // The answer to initialize: the calls start.
        if (answer.includes('"id":0,')) {
          send(16);
          continue;
        }
        if (++answered >= calls) return resolveDone();
        send(1);
      }
    });
  });
  if (era === 'modern') send(16);
  else child.stdin.write(INITIALIZE);
  await done;
  child.stdin.end();
  await new Promise((resolveExit) => child.on('exit', resolveExit));
  const summary = readFileSync(out, 'utf8').match(/^(?:summary|totals): (\d+)/m);
  if (!summary) throw new Error(`no instruction count in ${out}`);
  return Number(summary[1]);
}

const perCall = [];
try {
  for (let run = 1; run <= Number(runs); run++) {
    const a = await instructions(Number(n1));
    const b = await instructions(Number(n2));
    perCall.push(Math.round((b - a) / (Number(n2) - Number(n1))));
    console.log(
      `${era} run ${run}: Ir ${a} (${n1} calls), ${b} (${n2} calls): ${perCall.at(-1)} instructions per call`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const sorted = [...perCall].sort((x, y) => x - y);
console.log(
  `${era}: median ${sorted[Math.floor((sorted.length - 1) / 2)]} instructions per call (${perCall.join(', ')})`,
);
