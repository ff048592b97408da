import { mkdirSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * The compile cache's directory: the user's own (XDG_CACHE_HOME, else ~/.cache), not Node's default in the shared
 * temporary directory, where another local user could plant code for this process to run. Each level is created
 * without `recursive`, which on some file systems (procfs) never returns; where one cannot be made, no cache.
 */
function compileCacheDir(): string | undefined {
  const xdg = process.env.XDG_CACHE_HOME;
  const cacheHome = xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.cache');
  const dir = path.join(cacheHome, 'agent-mcp', 'node-compile-cache');
  for (const level of [cacheHome, path.dirname(dir), dir]) {
    try {
      mkdirSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    }
  }
  return dir;
}

// Desktop clients start this process often: cache compiled code across launches. Enabled before the rest of the
// program is loaded, which is why the server lives in a module imported below. NODE_COMPILE_CACHE, when set, decides.
if (process.env.NODE_COMPILE_CACHE) nodeModule.enableCompileCache?.();
else {
  const dir = compileCacheDir();
  if (dir) nodeModule.enableCompileCache?.(dir);
}

await import('./stdio-main');
