import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Loads a dependency (`pg`, `libpg-query`, PGlite's entry) at run time instead of importing it statically.
 * The apps bundle this library into one ESM file; a static import would inline `pg` (CommonJS, which breaks
 * in an ESM bundle) and `libpg-query` (whose WebAssembly file must stay beside its code). Loaded this way
 * they always come from node_modules. CommonJS (tests, the CJS build) resolves from this package; ESM
 * bundles, which have no `require`, resolve from the entry script, then the working directory.
 */
export function loadDependency<T>(name: string): T {
  return dependencyRequire()(name) as T;
}

/** Absolute path of a dependency's entry point. */
export function resolveDependency(name: string): string {
  return dependencyRequire().resolve(name);
}

function dependencyRequire(): NodeJS.Require {
  // `require.resolve` is checked too: an ESM bundler's stand-in for `require` is a function without it.
  if (typeof require === 'function' && typeof require.resolve === 'function') return require;
  const base = process.argv[1] ? path.resolve(process.argv[1]) : path.join(process.cwd(), 'index.js');
  return createRequire(base);
}
