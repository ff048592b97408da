// Profiles one of our HTTP stacks under the bench's own wrk driver:
// `node tools/bench/probes/profile-http.mjs [ours|ours_quiet|ours_stateless|ours_modern] [method] [dir]`.
// Writes a V8 .cpuprofile of the server into `dir` (default /tmp/agent-mcp-prof); open it in Chrome DevTools or read
// its self-time shares. The figures it prints are slowed by the profiler: not benchmark figures.
import { HTTP_STACKS, measureHttpStacks } from '../src/http-bench.mjs';
import { ensureWrk } from '../src/wrk.mjs';

const [key = 'ours_modern', method = 'tools/call', dir = '/tmp/agent-mcp-prof'] = process.argv.slice(2);
const stack = HTTP_STACKS.find((s) => s.key === key);
if (!stack) throw new Error(`unknown stack ${key}: one of ${HTTP_STACKS.map((s) => s.key).join(', ')}`);
ensureWrk((line) => process.stdout.write(`${line}\n`));
const result = await measureHttpStacks(
  [{ ...stack, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=50'] }],
  {
    concurrencies: [32],
    runs: 1,
    seconds: 5,
    warmupSeconds: 1,
    methods: [method],
    log: (line) => process.stdout.write(`${line}\n`),
  },
);
process.stdout.write(`${JSON.stringify(result)}\nprofile written to ${dir}\n`);
