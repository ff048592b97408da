// Proves `nx affected` follows the real layering: a change in each layer affects exactly the projects that depend
// on it (issue 3, item 2). Tooling projects (tagged layer:tooling) may also be affected; product projects must match.
import { join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { nxJson, runNx } from './support/workspace';

const TOOLS = ['tools-database', 'tools-research', 'tools-support'];
const APPS = ['http-server', 'stdio-server'];
// The composition both apps call: downstream of every product lib, upstream of the apps.
const COMPOSITION = ['server-kit'];

let tooling: Set<string>;
let dependents: Map<string, Set<string>>;

/** Everything that depends on `project`, directly or not, by the project graph. */
function dependentsOf(project: string): Set<string> {
  const seen = new Set<string>([project]);
  const queue = [project];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const next of dependents.get(current) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

/** The product projects (not tooling) that Nx says a change to `file` affects. */
async function affectedBy(file: string): Promise<string[]> {
  const affected = await nxJson<string[]>(['show', 'projects', '--affected', `--files=${file}`]);
  return affected.filter((p) => !tooling.has(p)).sort();
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-mcp-graph-'));
  try {
    const result = await runNx(['graph', `--file=${join(dir, 'graph.json')}`], 60_000);
    if (result.code !== 0) throw new Error(`nx graph failed:\n${result.output}`);
    const graph = JSON.parse(readFileSync(join(dir, 'graph.json'), 'utf8')) as {
      graph: {
        nodes: Record<string, { data: { tags?: string[] } }>;
        dependencies: Record<string, { source: string; target: string }[]>;
      };
    };
    tooling = new Set(
      Object.entries(graph.graph.nodes)
        .filter(([, n]) => n.data.tags?.includes('layer:tooling'))
        .map(([name]) => name),
    );
    dependents = new Map();
    for (const edges of Object.values(graph.graph.dependencies)) {
      for (const { source, target } of edges) {
        if (!dependents.has(target)) dependents.set(target, new Set());
        dependents.get(target)?.add(source);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

it('the tooling projects are only tools/* (so excluding them below hides no product project)', () => {
  expect([...tooling].length).toBeGreaterThan(0);
  expect(tooling.has('workspace-checks')).toBe(true);
  for (const p of [
    ...TOOLS,
    ...COMPOSITION,
    ...APPS,
    'mcp-core',
    'agent-core',
    'durable-runs',
    'agent-tools',
    'context',
    'auth',
  ])
    expect(tooling.has(p)).toBe(false);
});

it('a change in agent-core affects durable-runs, agent-tools, the tools libs, the composition and both apps, never mcp-core, context or auth', async () => {
  expect(await affectedBy('libs/agent-core/src/index.ts')).toEqual(
    ['agent-core', 'durable-runs', 'agent-tools', ...COMPOSITION, ...APPS, ...TOOLS].sort(),
  );
});

it('a change in durable-runs affects agent-tools, the tools libs, the composition and both apps, never agent-core', async () => {
  expect(await affectedBy('libs/durable-runs/src/index.ts')).toEqual(
    ['durable-runs', 'agent-tools', ...COMPOSITION, ...APPS, ...TOOLS].sort(),
  );
});

it('a change in mcp-core affects agent-tools, the tools libs, the composition and both apps, never agent-core', async () => {
  expect(await affectedBy('libs/mcp-core/src/index.ts')).toEqual(
    ['mcp-core', 'agent-tools', ...COMPOSITION, ...APPS, ...TOOLS].sort(),
  );
});

it('a change in agent-tools affects the tools libs, the composition and both apps, never mcp-core or agent-core', async () => {
  expect(await affectedBy('libs/agent-tools/src/index.ts')).toEqual(
    ['agent-tools', ...COMPOSITION, ...APPS, ...TOOLS].sort(),
  );
});

it('a change in context affects everything that depends on it, at least mcp-core, the tools libs and the apps', async () => {
  const affected = await affectedBy('libs/context/src/index.ts');
  expect(affected).toEqual([...dependentsOf('context')].filter((p) => !tooling.has(p)).sort());
  expect(affected).toEqual(expect.arrayContaining(['context', 'mcp-core', ...TOOLS, ...APPS]));
});

it('a change in auth affects exactly what depends on it, never context', async () => {
  const affected = await affectedBy('libs/auth/src/index.ts');
  expect(affected).toEqual([...dependentsOf('auth')].filter((p) => !tooling.has(p)).sort());
  expect(affected).not.toContain('context');
});

it.each(APPS)('a change in %s affects only that app', async (app) => {
  expect(await affectedBy(`apps/${app}/src/main.ts`)).toEqual([app]);
});
