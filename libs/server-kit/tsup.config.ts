import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/build/tsup-library';

// Two entries (`.` and `./http`), split: what only some servers use (the network auth stages with their JWT and
// Redis clients, the tracing SDK, the local budget's counter) stays in chunks of its own, loaded by dynamic import,
// so a bundling app (the stdio server) keeps them out of its launch.
export default defineConfig(libraryBuild({ entry: { index: 'src/index.ts', http: 'src/http.ts' }, splitting: true }));
