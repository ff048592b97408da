import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';

// Desktop clients start this process often: cache compiled code across launches. Enabled before the rest of the
// program is loaded, which is why the server lives in a module imported below. The cache is the user's own
// (XDG_CACHE_HOME, else ~/.cache), not Node's default in the shared temporary directory, where another local user
// could plant code for this process to run; NODE_COMPILE_CACHE, when set, still decides.
const xdgCache = process.env.XDG_CACHE_HOME;
const cacheHome = xdgCache && path.isAbsolute(xdgCache) ? xdgCache : path.join(homedir(), '.cache');
nodeModule.enableCompileCache?.(process.env.NODE_COMPILE_CACHE ? undefined : path.join(cacheHome, 'agent-mcp', 'node-compile-cache'));

await import('./stdio-main');
