import nx from '@nx/eslint-plugin';
import prettierRecommended from 'eslint-plugin-prettier/recommended';

/**
 * The layering of the repository, enforced on every import (see README "Layering"):
 * - layer:shared (context, auth): neutral, data in and decisions out; neither MCP nor OpenAI.
 * - layer:mcp (mcp-core): speaks MCP; knows nothing of agents or OpenAI.
 * - layer:agent (agent-core): talks to models; knows nothing of MCP.
 * - layer:agent-tools (agent-tools): runs agents as MCP tools (runAgentTool, thread tools); may use mcp, agent and
 *   shared, never the tools libs above it.
 * - layer:bridge (tools-*): MCP tools backed by agents; may use the layers below, never each other.
 * - layer:composition (server-kit): composes the layers below into a server; only apps and tooling import it.
 * - layer:app (apps): entry points over the composition; nothing imports them.
 * - layer:tooling (tools/*): dev tooling (conformance fixture, benchmarks, example consumer).
 * - layer:testing (tools/app-suites, also layer:tooling): behaviour suites the apps' specs run over their transport;
 *   only apps and tooling may import it, so no library's code can reach a test suite.
 * Only agent-core may import `openai`; only the MCP layer, apps and tooling may import `@modelcontextprotocol/*`.
 * Nothing below the composition can import it: every lower lib is one of its dependencies, so such an import is
 * also a cycle, which the same rule reports first.
 */
const MCP_SDK = ['@modelcontextprotocol/*'];
const OPENAI = ['openai', 'openai/*'];

export const depConstraints = [
  {
    sourceTag: 'layer:shared',
    onlyDependOnLibsWithTags: ['layer:shared'],
    bannedExternalImports: [...MCP_SDK, ...OPENAI],
  },
  // The data layer: implementations of context's ports (SQL client, stores, embedded PostgreSQL host).
  {
    sourceTag: 'layer:store',
    onlyDependOnLibsWithTags: ['layer:shared'],
    bannedExternalImports: [...MCP_SDK, ...OPENAI],
  },
  {
    sourceTag: 'layer:mcp',
    onlyDependOnLibsWithTags: ['layer:shared', 'layer:store'],
    bannedExternalImports: [...OPENAI],
  },
  // agent-core, and durable-runs over it (the queue and journals of agent runs); neither knows MCP.
  {
    sourceTag: 'layer:agent',
    onlyDependOnLibsWithTags: ['layer:shared', 'layer:agent'],
    bannedExternalImports: [...MCP_SDK],
  },
  {
    sourceTag: 'layer:agent-tools',
    onlyDependOnLibsWithTags: ['layer:mcp', 'layer:agent', 'layer:shared'],
    bannedExternalImports: [...MCP_SDK, ...OPENAI],
  },
  {
    sourceTag: 'layer:bridge',
    onlyDependOnLibsWithTags: ['layer:agent-tools', 'layer:mcp', 'layer:agent', 'layer:store', 'layer:shared'],
    notDependOnLibsWithTags: ['layer:bridge', 'layer:composition', 'layer:app'],
    bannedExternalImports: [...MCP_SDK, ...OPENAI],
  },
  {
    sourceTag: 'layer:composition',
    onlyDependOnLibsWithTags: [
      'layer:bridge',
      'layer:agent-tools',
      'layer:mcp',
      'layer:agent',
      'layer:store',
      'layer:shared',
    ],
    bannedExternalImports: [...MCP_SDK, ...OPENAI],
  },
  {
    sourceTag: 'layer:app',
    onlyDependOnLibsWithTags: [
      'layer:testing',
      'layer:composition',
      'layer:bridge',
      'layer:agent-tools',
      'layer:mcp',
      'layer:agent',
      'layer:store',
      'layer:shared',
    ],
    bannedExternalImports: [...OPENAI],
  },
  {
    sourceTag: 'layer:tooling',
    onlyDependOnLibsWithTags: [
      'layer:composition',
      'layer:bridge',
      'layer:agent-tools',
      'layer:mcp',
      'layer:agent',
      'layer:store',
      'layer:shared',
    ],
  },
];

/**
 * For a library whose tests drive it through the SDK's real MCP client, as a user's client would: its specs and spec
 * helpers may import `@modelcontextprotocol/*`; the library itself still may not (the base rule applies to every
 * other file). `tag` is the library's layer.
 */
export function specsMayImportMcpSdk(tag) {
  return {
    files: ['src/**/*.spec.ts', 'src/spec-helpers/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: depConstraints.map((c) =>
            c.sourceTag === tag
              ? {
                  ...c,
                  bannedExternalImports: c.bannedExternalImports.filter((p) => !p.startsWith('@modelcontextprotocol')),
                }
              : c,
          ),
        },
      ],
    },
  };
}

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/node_modules', '**/coverage', '**/test-results', 'docs/api', '.nx'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    // Build and test configuration reaches into the workspace's shared tooling by path, by design.
    ignores: ['**/eslint.config.mjs', '**/jest.config.cjs', '**/tsup.config.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints,
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Layout is the formatter's (.prettierrc.json, 120 columns): lint fails on any file Prettier would change.
  // `npx prettier --write .` fixes it.
  prettierRecommended,
];
