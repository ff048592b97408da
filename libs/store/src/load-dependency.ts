import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Absolute path of a dependency's entry point (PGlite's, which the worker imports). The apps bundle this
 * library into one ESM file, which has no `require`: there it resolves from the entry script, then the working
 * directory, so the dependency always comes from node_modules.
 */
export function resolveDependency(name: string): string {
  // `require.resolve` is checked too: an ESM bundler's stand-in for `require` is a function without it.
  if (typeof require === 'function' && typeof require.resolve === 'function') return require.resolve(name);
  const base = process.argv[1] ? path.resolve(process.argv[1]) : path.join(process.cwd(), 'index.js');
  return createRequire(base).resolve(name);
}
