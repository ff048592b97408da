import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/build/tsup-library';

// `cli` backs the root scripts `npm run db:load-sample` and `npm run db:setup-role`.
export default defineConfig(libraryBuild({ entry: { index: 'src/index.ts', cli: 'src/cli.ts' } }));
