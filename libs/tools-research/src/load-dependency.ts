import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Loads a dependency on first use instead of importing it at start: the apps are launched often by desktop
 * clients and most sessions never extract HTML. CommonJS (tests, the CJS build) resolves from this package;
 * ESM bundles, which have no `require`, resolve from the entry script.
 */
export function loadDependency<T>(name: string): T {
  return dependencyRequire()(name) as T;
}

/** Absolute path of a file of a dependency (or of this package, by its own name). */
export function resolveDependency(name: string): string {
  return dependencyRequire().resolve(name);
}

function dependencyRequire(): NodeJS.Require {
  if (typeof require === 'function' && typeof require.resolve === 'function') return require;
  const base = process.argv[1] ? path.resolve(process.argv[1]) : path.join(process.cwd(), 'index.js');
  return createRequire(base);
}
