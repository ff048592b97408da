import { builtinModules, isBuiltin } from 'node:module';
import type { Options } from 'tsup';

/**
 * Node's built-in modules marked free of side effects, so an import whose bindings the bundle never uses is
 * dropped instead of kept for its effects. It matters at launch: the ESM facade of `node:http` reads every export,
 * `WebSocket` included, which loads undici (~20 ms here) even when nothing of `http` is ever called.
 */
const builtinsWithoutSideEffects = {
  name: 'builtins-without-side-effects',
  setup(build: {
    onResolve(
      options: { filter: RegExp },
      callback: (args: { path: string }) => { path: string; external: boolean; sideEffects: boolean } | undefined,
    ): void;
  }) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
      isBuiltin(args.path) ? { path: args.path, external: true, sideEffects: false } : undefined,
    );
  },
};

/**
 * The one build recipe every published `@agent-mcp/*` library shares: ESM + CJS + declarations for both,
 * dependencies left external (they are the consumer's to install), Node 22 as the floor.
 */
export function libraryBuild(overrides: Options = {}): Options {
  return {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { composite: false, customConditions: [], ignoreDeprecations: '6.0' } },
    outDir: 'dist',
    clean: true,
    sourcemap: true,
    target: 'node22',
    platform: 'node',
    treeshake: true,
    splitting: false,
    tsconfig: 'tsconfig.lib.json',
    ...overrides,
  };
}

/**
 * Apps ship as one ESM file with a shebang: started often by desktop clients, so module resolution is paid
 * once at build time, not at every launch. Workspace libraries are bundled in; third-party packages stay
 * external and load from node_modules.
 */
export function appBuild(overrides: Options = {}): Options {
  return {
    entry: { main: 'src/main.ts' },
    format: ['esm'],
    dts: false,
    outDir: 'dist',
    clean: true,
    sourcemap: true,
    target: 'node22',
    platform: 'node',
    // Workspace libraries, zod, ipaddr.js and the SDK's URI templates are bundled (zod's ~100 modules cost a launch
    // more to resolve than to parse; ipaddr.js, CommonJS, costs the ESM loader more than its code);
    // every other package stays external: some load files beside their own modules (WASM, workers).
    // The OpenTelemetry API too: the libraries' no-op spans would otherwise cost every launch a module graph of
    // their own (the SDK, loaded only when tracing is configured, shares the API's globals with the bundled copy).
    noExternal: [
      /^@agent-mcp\//,
      /^zod(\/|$)/,
      /^ipaddr\.js$/,
      /^@modelcontextprotocol\/sdk\/shared\/uriTemplate/,
      /^@opentelemetry\/api$/,
    ],
    // Node's built-ins are left to the plugin below (tsup would otherwise mark them external itself, with side
    // effects), and keep the `node:` prefix they are written with.
    external: [
      new RegExp(
        `^(?!@agent-mcp/|zod(/|$)|ipaddr\\.js$|@modelcontextprotocol/sdk/shared/uriTemplate|@opentelemetry/api$|node:|(${builtinModules.join('|')})(/|$))[^./]`,
      ),
    ],
    removeNodeProtocol: false,
    // Chunks let an entry enable the compile cache before the bulk of the code loads.
    splitting: true,
    // Smaller source is faster to read and decode at every launch; names are kept for readable stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    banner: { js: '#!/usr/bin/env node' },
    esbuildPlugins: [builtinsWithoutSideEffects],
    // The libraries' own builds import their shared chunks bare, to keep evaluation order; the libraries declare
    // `sideEffects: false`, so esbuild drops those imports here and warned on every build of the app (what a user
    // saw on `npm start`), while the chunks' exports still arrive through the named imports.
    esbuildOptions(options) {
      options.logOverride = { ...options.logOverride, 'ignored-bare-import': 'silent' };
    },
    tsconfig: 'tsconfig.app.json',
    ...overrides,
  };
}
