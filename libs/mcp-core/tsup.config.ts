import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/build/tsup-library';

/**
 * The testing entry must share the main entry's classes (the `McpServer` a test builds from the package is the one
 * the linked client serves), so its imports of `../index` resolve to the package itself at run time instead of
 * being bundled a second time.
 */
const shareMainEntry = {
  name: 'share-main-entry',
  setup(build: { onResolve: (o: { filter: RegExp }, cb: (a: { importer: string }) => unknown) => void }) {
    build.onResolve({ filter: /^\.\.\/index$/ }, (args) =>
      /[\\/]src[\\/]testing[\\/]/.test(args.importer) ? { path: '@agent-mcp/mcp-core', external: true } : undefined,
    );
  },
};

export default defineConfig(
  libraryBuild({
    entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
    esbuildPlugins: [shareMainEntry],
  }),
);
