// Profiles our stdio app under the bench's own stdio driver: `node tools/bench/probes/profile-stdio.mjs [ours|ours_modern] [dir]`.
// Writes a V8 .cpuprofile of the server into `dir` (default /tmp/agent-mcp-prof); open it in Chrome DevTools or read
// its self-time shares. The figures it prints are the driver's, slowed by the profiler: not benchmark figures.
import { STDIO_STACKS, measureStdioStack } from '../src/stdio-bench.mjs';

const [key = 'ours_modern', dir = '/tmp/agent-mcp-prof'] = process.argv.slice(2);
const stack = STDIO_STACKS.find((s) => s.key === key);
if (!stack) throw new Error(`unknown stack ${key}: one of ${STDIO_STACKS.map((s) => s.key).join(', ')}`);
const result = await measureStdioStack(
  { ...stack, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=50'] },
  { inFlight: 16, runs: 1, seconds: 5, warmupSeconds: 1, log: (line) => process.stdout.write(`${line}\n`) },
);
process.stdout.write(`${JSON.stringify(result)}\nprofile written to ${dir}\n`);
