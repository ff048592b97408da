import baseConfig, { depConstraints } from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Tests drive the thread tools through the SDK's real MCP client, as a user's client would; the library itself
    // still may not import the SDK (the base rule applies to every other file).
    files: ['src/**/*.spec.ts', 'src/spec-helpers/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: depConstraints.map((c) =>
            c.sourceTag === 'layer:agent-tools'
              ? {
                  ...c,
                  bannedExternalImports: c.bannedExternalImports.filter((p) => !p.startsWith('@modelcontextprotocol')),
                }
              : c,
          ),
        },
      ],
    },
  },
];
