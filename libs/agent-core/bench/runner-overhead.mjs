// Runner overhead per model turn and memory over many runs, against the built dist (run `nx build agent-core`
// first). Run with: npm run bench -w libs/agent-core   (or: node --expose-gc bench/runner-overhead.mjs)
//
// 1. HTTP: a two-turn run (tool call, then answer) against the scripted server with zero latency, compared with
//    the same two requests made with the bare openai client: the difference is what the runner adds per turn.
// 2. In process: the same run against the scripted model: the whole cost is the runner's.
// 3. Memory: heap after 1k and after 10k in-process runs (after GC); it should not grow.
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { z } from 'zod';
import { Agent, createOpenAIProvider, run, tool } from '../dist/index.js';
import { createScriptedModel, createScriptedServer, textTurn, toolCallTurn } from '../dist/testing.js';

const gc = globalThis.gc ?? (() => undefined);
const HTTP_RUNS = Number(process.env.BENCH_HTTP_RUNS ?? 500);
const MEM_RUNS = Number(process.env.BENCH_MEM_RUNS ?? 10_000);

const add = tool({
  name: 'add',
  description: 'Adds two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => a + b,
});
const script = () => [toolCallTurn({ name: 'add', arguments: { a: 1, b: 2 } }), textTurn('The sum is 3.')];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function httpOverhead(api) {
  const server = await createScriptedServer();
  const provider = createOpenAIProvider({ apiKey: 'bench', baseURL: server.url, api, env: {} });
  const agent = new Agent({ name: 'bench', tools: [add] });
  const client = new OpenAI({ apiKey: 'bench', baseURL: server.url, maxRetries: 0 });
  const bare = async () => {
    if (api === 'responses') {
      await client.responses.create({ model: 'm', input: 'What is 1+2?', tools: [add.definition] });
      await client.responses.create({ model: 'm', input: 'What is 1+2? 3' });
    } else {
      const messages = [{ role: 'user', content: 'What is 1+2?' }];
      await client.chat.completions.create({ model: 'm', messages });
      await client.chat.completions.create({ model: 'm', messages });
    }
  };
  const viaRunner = () => run(agent, 'What is 1+2?', { modelProvider: provider });
  const sample = async (fn) => {
    const times = [];
    for (let i = 0; i < HTTP_RUNS; i++) {
      server.enqueue(...script());
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    return median(times);
  };
  // Warm up both paths (JIT, lazy openai import, keep-alive sockets), then interleave the measurements.
  await sample(bare);
  await sample(viaRunner);
  const bareMs = await sample(bare);
  const runMs = await sample(viaRunner);
  await server.close();
  return { bareTurnMs: bareMs / 2, runTurnMs: runMs / 2, overheadPerTurnMs: (runMs - bareMs) / 2 };
}

async function inProcess(runs) {
  const agent = new Agent({ name: 'bench', tools: [add] });
  const model = createScriptedModel();
  const local = agent.clone({ model });
  const t = performance.now();
  for (let i = 0; i < runs; i++) {
    model.enqueue(...script());
    await run(local, 'What is 1+2?');
  }
  return (performance.now() - t) / (runs * 2);
}

async function memory() {
  // The scripted model keeps every request for tests to inspect; use a model that keeps nothing.
  let n = 0;
  const model = {
    name: 'bench-model',
    async getResponse(request) {
      n++;
      const done = request.input.at(-1)?.type === 'function_call_output';
      return {
        output: done
          ? [{ type: 'message', role: 'assistant', content: 'The sum is 3.' }]
          : [{ type: 'function_call', callId: `c${n}`, name: 'add', arguments: '{"a":1,"b":2}' }],
        usage: { requests: 1, inputTokens: 10, outputTokens: 5, totalTokens: 15 },
      };
    },
    getStreamedResponse() {
      throw new Error('not used: the benchmark runs non-streamed');
    },
  };
  const agent = new Agent({ name: 'bench', tools: [add], model });
  const heapAt = async (runs) => {
    for (let i = 0; i < runs; i++) await run(agent, 'What is 1+2?');
    gc();
    await new Promise((r) => setTimeout(r, 10));
    gc();
    return process.memoryUsage().heapUsed / 1024 / 1024;
  };
  const after1k = await heapAt(1000);
  const after10k = await heapAt(MEM_RUNS - 1000);
  return { after1kMb: after1k, after10kMb: after10k };
}

const fmt = (ms) => `${(ms * 1000).toFixed(0)} µs`;
if (!globalThis.gc) console.log('(run with --expose-gc for meaningful memory figures)');
for (const api of ['responses', 'chat']) {
  const r = await httpOverhead(api);
  console.log(
    `${api.padEnd(9)} over HTTP: bare openai ${fmt(r.bareTurnMs)}/turn, via runner ${fmt(r.runTurnMs)}/turn, ` +
      `runner overhead ${fmt(r.overheadPerTurnMs)}/turn (median of ${HTTP_RUNS} two-turn runs)`,
  );
}
console.log(`in process (scripted model): ${fmt(await inProcess(2000))}/turn, all of it runner`);
const mem = await memory();
console.log(
  `heap after 1k runs ${mem.after1kMb.toFixed(1)} MB, after ${MEM_RUNS / 1000}k runs ${mem.after10kMb.toFixed(1)} MB ` +
    `(growth ${(mem.after10kMb - mem.after1kMb).toFixed(2)} MB)`,
);
