// Probe: what a per-request object with an own accessor (`get x() {}` in an object literal, or
// Object.defineProperty) costs in V8, against the same object built from arrow functions or from a class.
// Finding behind it: `createRequestContext` (libs/context) returns such a literal for every tools/call, and
// everything its getters' closures reach survives young-generation GCs until the next full GC.
// Usage: node tools/bench/probes/accessor-promotion.mjs   (prints CPU time and GC counts per variant)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CALLS = 400_000;
const variant = process.argv[2];

if (variant) {
  class Context {
    #payload;
    constructor(id, payload) {
      this.id = id;
      this.#payload = payload;
    }
    get conversation() {
      return this.#payload;
    }
  }
  const make = {
    arrows: (id, payload) => ({ id, conversation: () => payload }),
    class: (id, payload) => new Context(id, payload),
    'getter literal': (id, payload) => ({
      id,
      get conversation() {
        return payload;
      },
    }),
  }[variant];
  let sink = 0;
  const started = process.cpuUsage();
  // 16 requests in flight at a time, each holding a little data its context can reach, as in the servers.
  for (let i = 0; i < CALLS / 16; i++) {
    const inFlight = [];
    for (let j = 0; j < 16; j++) {
      inFlight.push(
        (async () => {
          const ctx = make(i, { request: i, items: new Array(20).fill(j) });
          await null;
          sink += ctx.id;
        })(),
      );
    }
    await Promise.all(inFlight);
  }
  const used = process.cpuUsage(started);
  if (sink <= 0) throw new Error('nothing was built');
  process.stdout.write(`${(((used.user + used.system) / CALLS) * 1000).toFixed(0)} ns/object\n`);
} else {
  for (const name of ['arrows', 'class', 'getter literal']) {
    const run = spawnSync(process.execPath, ['--trace-gc', fileURLToPath(import.meta.url), name], { encoding: 'utf8' });
    const lines = run.stdout.split('\n');
    const scavenges = lines.filter((l) => l.includes('Scavenge')).length;
    const fullGcs = lines.filter((l) => l.includes('Mark-Compact')).length;
    const result = lines.find((l) => l.includes('ns/object'));
    process.stdout.write(`${name.padEnd(15)} ${result}, ${scavenges} scavenges, ${fullGcs} full GCs\n`);
  }
}
