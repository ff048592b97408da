import { defineConfig } from 'tsup';
import { appBuild } from '../../tools/build/tsup-library';

export default defineConfig(appBuild({ entry: { 'fixture-server': 'src/fixture-server.ts' } }));
