import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/build/tsup-library';

export default defineConfig(libraryBuild({ entry: { index: 'src/index.ts' } }));
