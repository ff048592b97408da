import { enableCompileCache } from 'node:module';

// Desktop clients start this process often: cache compiled code across launches. Enabled before the rest
// of the program is loaded, which is why the server lives in a module imported below.
enableCompileCache?.();

await import('./stdio-main');
