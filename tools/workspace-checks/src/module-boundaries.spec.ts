// Proves the layering is enforced by the real `nx lint`: a forbidden import planted in a real project's sources
// fails lint with @nx/enforce-module-boundaries naming that file (issue 3, item 2). The clean tree linting green
// is proven by `npm test` stage a, which lints every project before these checks run.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runNx, workspaceRoot, type RunResult } from './support/workspace';

interface Plant {
  /** What the plant breaks, in words. */
  readonly rule: string;
  readonly project: string;
  readonly file: string;
  readonly source: string;
  /** The part of ESLint's message that shows the right constraint fired. */
  readonly message: RegExp;
  /**
   * The import closes a cycle through a real dependency (agent-tools depends on mcp-core, the tools libs on
   * agent-tools), so Nx reports the cycle, a message over several lines, before any layer constraint.
   */
  readonly cycle?: boolean;
}

/** Projects under tools/ that plants go into. */
const TOOLING = new Set(['conformance']);

function plant(rule: string, project: string, slug: string, importLine: string, message: RegExp): Plant {
  const dir = project.endsWith('-server') ? 'apps' : TOOLING.has(project) ? 'tools' : 'libs';
  return {
    rule,
    project,
    file: join(workspaceRoot, dir, project, 'src', `__planted_boundary_check_${slug}__.ts`),
    source: `// Planted by tools/workspace-checks; removed when the check ends.\n${importLine}\nexport const planted = imported;\n`,
    message,
  };
}

const bannedImport = (tag: string, pkg: string) =>
  new RegExp(`project tagged with "${tag}" is not allowed to import "${pkg.replace(/[/.]/g, '\\$&')}"`);
const onlyTags = (tag: string) => new RegExp(`project tagged with "${tag}" can only depend on libs tagged with`);
/**
 * A library importing the test suites (tools/app-suites, not buildable): Nx refuses a buildable library's import of a
 * non-buildable one before it looks at tags, and the layer rule would refuse it if the suites were ever built.
 */
const testSuiteRefused = (tag: string) =>
  new RegExp(
    `Buildable libraries cannot import or export from non-buildable libraries|project tagged with "${tag}" can only depend on libs tagged with`,
  );
const cycle = (plant: Plant, from: string, to: string): Plant => ({
  ...plant,
  message: new RegExp(`Circular dependency between "${from}" and "${to}" detected`),
  cycle: true,
});

// Two rounds, because plants that close a cycle in the project graph are reported as the cycle instead of the
// layer constraint each is meant to prove: mcp-core -> agent-core with agent-core -> mcp-core, and the
// tools-database -> app plant (every app depends on every tools lib) with tools-research -> tools-database.
// Some wrong imports can only ever close a cycle (mcp-core -> agent-tools, agent-tools -> a tools lib): those are
// proven by Nx's cycle report, since the real dependency runs the other way.
const rounds: readonly (readonly Plant[])[] = [
  [
    plant(
      'the MCP layer may not import openai',
      'mcp-core',
      'openai',
      `import imported from 'openai';`,
      bannedImport('layer:mcp', 'openai'),
    ),
    plant(
      'the MCP layer may not import the agent layer',
      'mcp-core',
      'agent_core',
      `import { VERSION as imported } from '@agent-mcp/agent-core';`,
      onlyTags('layer:mcp'),
    ),
    plant(
      'context may not import the MCP SDK',
      'context',
      'mcp_sdk',
      `import * as imported from '@modelcontextprotocol/sdk';`,
      bannedImport('layer:shared', '@modelcontextprotocol/sdk'),
    ),
    plant(
      'context may not import openai',
      'context',
      'openai',
      `import imported from 'openai';`,
      bannedImport('layer:shared', 'openai'),
    ),
    plant(
      // Not mcp-core: its specs use the store, so that plant would be reported as a cycle.
      'the store may not import the agent layer',
      'store',
      'agent_core',
      `import { VERSION as imported } from '@agent-mcp/agent-core';`,
      onlyTags('layer:store'),
    ),
    plant(
      'the store may not import openai',
      'store',
      'openai',
      `import imported from 'openai';`,
      bannedImport('layer:store', 'openai'),
    ),
    plant(
      'auth may not import the agent layer',
      'auth',
      'agent_core',
      `import { VERSION as imported } from '@agent-mcp/agent-core';`,
      onlyTags('layer:shared'),
    ),
    plant(
      'a tools lib may not import another tools lib',
      'tools-research',
      'tools_database',
      `import { VERSION as imported } from '@agent-mcp/tools-database';`,
      onlyTags('layer:bridge'),
    ),
    plant(
      'a tools lib reaches openai only through agent-core',
      'tools-support',
      'openai',
      `import imported from 'openai';`,
      bannedImport('layer:bridge', 'openai'),
    ),
    plant(
      'the shared layer may not import agent-tools',
      'auth',
      'agent_tools',
      `import { createThreadTools as imported } from '@agent-mcp/agent-tools';`,
      onlyTags('layer:shared'),
    ),
    plant(
      'agent-tools reaches openai only through agent-core',
      'agent-tools',
      'openai',
      `import imported from 'openai';`,
      bannedImport('layer:agent-tools', 'openai'),
    ),
    plant(
      'agent-tools may not import the MCP SDK (it speaks MCP through mcp-core)',
      'agent-tools',
      'mcp_sdk',
      `import * as imported from '@modelcontextprotocol/sdk';`,
      bannedImport('layer:agent-tools', '@modelcontextprotocol/sdk'),
    ),
    cycle(
      plant(
        'the MCP layer may not import agent-tools',
        'mcp-core',
        'agent_tools',
        `import { createThreadTools as imported } from '@agent-mcp/agent-tools';`,
        onlyTags('layer:mcp'),
      ),
      'mcp-core',
      'agent-tools',
    ),
    // Every lib is upstream of the apps (through server-kit), so a lib importing an app closes a cycle, reported
    // as such; a tooling project is upstream of no app, so this plant closes none and the app rule itself fires.
    plant(
      'no project may import an app by name',
      'conformance',
      'app_by_name',
      `import * as imported from '@agent-mcp/stdio-server';`,
      /Imports of apps are forbidden/,
    ),
    plant(
      'the composition layer reaches openai only through agent-core',
      'server-kit',
      'openai',
      `import imported from 'openai';`,
      bannedImport('layer:composition', 'openai'),
    ),
    plant(
      'the composition layer may not import the MCP SDK',
      'server-kit',
      'mcp_sdk',
      `import * as imported from '@modelcontextprotocol/sdk/types.js';`,
      bannedImport('layer:composition', '@modelcontextprotocol/sdk/types.js'),
    ),
    plant(
      'the composition layer may not import tooling or a test suite',
      'server-kit',
      'app_suites',
      `import { describeAgentRuns as imported } from '@agent-mcp/app-suites';`,
      testSuiteRefused('layer:composition'),
    ),
    plant(
      'the store may not import the MCP SDK',
      'store',
      'mcp_sdk',
      `import * as imported from '@modelcontextprotocol/sdk/types.js';`,
      bannedImport('layer:store', '@modelcontextprotocol/sdk/types.js'),
    ),
    plant(
      'no library may import a test suite (layer:testing is for apps and tooling)',
      'mcp-core',
      'app_suites',
      `import { describeAgentRuns as imported } from '@agent-mcp/app-suites';`,
      testSuiteRefused('layer:mcp'),
    ),
  ],
  [
    plant(
      'the agent layer may not import the MCP SDK',
      'agent-core',
      'mcp_sdk',
      `import * as imported from '@modelcontextprotocol/sdk/types.js';`,
      bannedImport('layer:agent', '@modelcontextprotocol/sdk/types.js'),
    ),
    plant(
      'the agent layer may not import the MCP layer',
      'agent-core',
      'mcp_core',
      `import { VERSION as imported } from '@agent-mcp/mcp-core';`,
      onlyTags('layer:agent'),
    ),
    plant(
      'the runs library (agent layer) may not import the MCP layer',
      'durable-runs',
      'mcp_core',
      `import { VERSION as imported } from '@agent-mcp/mcp-core';`,
      onlyTags('layer:agent'),
    ),
    cycle(
      plant(
        'agent-tools may not import a tools lib',
        'agent-tools',
        'tools_database',
        `import { VERSION as imported } from '@agent-mcp/tools-database';`,
        onlyTags('layer:agent-tools'),
      ),
      'agent-tools',
      'tools-database',
    ),
    plant(
      "agent-tools reaches data only through context's ports, never the store",
      'agent-tools',
      'store',
      `import { createPgSqlClient as imported } from '@agent-mcp/store';`,
      onlyTags('layer:agent-tools'),
    ),
    plant(
      'an app reaches openai only through agent-core',
      'stdio-server',
      'openai',
      `import imported from 'openai';`,
      bannedImport('layer:app', 'openai'),
    ),
    plant(
      'no lib may import an app by path',
      'tools-database',
      'app',
      `import * as imported from '../../../apps/http-server/src/main';`,
      /Projects cannot be imported by a relative or absolute path/,
    ),
  ],
];

/** ESLint's stylish report for one file: the absolute path on its own line, then its indented problems. */
function problemsFor(output: string, file: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.trim() === file);
  if (start < 0) return [];
  const problems: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s+\d+:\d+\s/.test(line)) break;
    problems.push(line.trim());
  }
  return problems;
}

/** Plants every file of a round, lints the planted projects once, and always removes the plants. */
async function lintWithPlants(plants: readonly Plant[]): Promise<RunResult> {
  const projects = [...new Set(plants.map((p) => p.project))];
  try {
    for (const p of plants) writeFileSync(p.file, p.source);
    // The lint rule reads Nx's cached project graph; drop it so no edge planted by an earlier round survives.
    await runNx(['reset', '--onlyWorkspaceData'], 60_000);
    return await runNx(
      ['run-many', '-t', 'lint', '-p', projects.join(','), '--skip-nx-cache', '--output-style=static'],
      180_000,
    );
  } finally {
    for (const p of plants) rmSync(p.file, { force: true });
  }
}

/** Every project's Nx name and layer tags, read from its package.json. */
function projectTags(): Map<string, readonly string[]> {
  const tags = new Map<string, readonly string[]>();
  for (const folder of ['libs', 'apps', 'tools']) {
    for (const entry of readdirSync(join(workspaceRoot, folder), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      let manifest: { name: string; nx?: { name?: string; tags?: string[] } };
      try {
        manifest = JSON.parse(readFileSync(join(workspaceRoot, folder, entry.name, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      tags.set(manifest.nx?.name ?? manifest.name, manifest.nx?.tags ?? []);
      tags.set(manifest.name, manifest.nx?.tags ?? []);
    }
  }
  return tags;
}

it('every layer tag, and every tag a constraint names, is proven by a plant from or into a project carrying it', () => {
  const tags = projectTags();
  const used = new Set([...tags.values()].flat());
  // Every tag the constraints name (sourceTag or allowed), read from the config's text.
  const config = readFileSync(join(workspaceRoot, 'eslint.config.mjs'), 'utf8');
  for (const [, tag] of config.matchAll(/'(layer:[a-z-]+)'/g)) used.add(tag as string);
  const proven = new Set<string>();
  for (const p of rounds.flat()) {
    for (const t of tags.get(p.project) ?? []) proven.add(t);
    const imported = /from '(@agent-mcp\/[a-z-]+)'/.exec(p.source)?.[1];
    for (const t of (imported && tags.get(imported)) || []) proven.add(t);
  }
  expect([...used].filter((t) => !proven.has(t)).sort()).toEqual([]);
});

describe.each(rounds.map((plants, i) => [i + 1, plants] as const))(
  'nx lint with forbidden imports planted (round %i)',
  (_round, plants) => {
    let result: RunResult;

    beforeAll(async () => {
      result = await lintWithPlants(plants);
    }, 200_000);

    it('fails', () => {
      expect(result.code).not.toBe(0);
    });

    it.each(plants.map((p) => [p.rule, p] as const))('%s', (_rule, p) => {
      if (p.cycle) {
        expect(result.output).toContain(p.file);
        expect(result.output).toMatch(p.message);
        return;
      }
      const problems = problemsFor(result.output, p.file);
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/@nx\/enforce-module-boundaries$/)]));
      expect(problems.filter((line) => line.endsWith('@nx/enforce-module-boundaries')).join('\n')).toMatch(p.message);
    });
  },
);
