// Proves every lib ships the way another team consumes it (issue 3, item 8): `npm pack` holds the built ESM, CJS
// and both declaration files and no sources; installed from those tarballs in a project outside the repo, each
// `exports` entry loads with require() and import() on Node 24 with the same named exports, and TypeScript resolves
// and compiles its types both as ESM and as CommonJS.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import * as ts from 'typescript';
import { installPacked, packLibs, writeManifest, type PackResult } from './support/packed-libs';
import { nodeBin, run, workspacePackages, workspaceRoot, type WorkspacePackage } from './support/workspace';

interface Probe {
  readonly resolved: string;
  readonly keys: readonly string[];
}

const libs = workspacePackages('libs').filter((lib) => !lib.manifest.private);

/** Every import specifier a lib's `exports` map offers (`@agent-mcp/x`, `@agent-mcp/x/testing`, ...). */
function entriesOf(lib: WorkspacePackage): string[] {
  return Object.keys(lib.manifest.exports ?? { '.': {} })
    .filter((key) => key !== './package.json' && !key.includes('*'))
    .map((key) => (key === '.' ? lib.manifest.name : `${lib.manifest.name}/${key.slice(2)}`));
}

const entries = libs.flatMap((lib) => entriesOf(lib).map((specifier) => [specifier, lib] as const));

let workDir: string;
let consumerDir: string;
const packs = new Map<string, PackResult>();
let cjs: Record<string, Probe>;
let esm: Record<string, Probe>;

const CJS_PROBE = `
const out = {};
for (const spec of process.argv.slice(2)) {
  const mod = require(spec);
  out[spec] = { resolved: require.resolve(spec), keys: Object.keys(mod).filter((k) => k !== '__esModule' && k !== 'default').sort() };
}
process.stdout.write(JSON.stringify(out));
`;

const ESM_PROBE = `
import { fileURLToPath } from 'node:url';
const out = {};
for (const spec of process.argv.slice(2)) {
  const mod = await import(spec);
  out[spec] = { resolved: fileURLToPath(import.meta.resolve(spec)), keys: Object.keys(mod).filter((k) => k !== 'default').sort() };
}
process.stdout.write(JSON.stringify(out));
`;

async function probe(script: string): Promise<Record<string, Probe>> {
  const result = await run(nodeBin, [script, ...entries.map(([specifier]) => specifier)], {
    cwd: consumerDir,
    timeoutMs: 30_000,
  });
  if (result.code !== 0) throw new Error(`${script} failed in a fresh Node process:\n${result.output}`);
  return JSON.parse(result.stdout) as Record<string, Probe>;
}

beforeAll(async () => {
  for (const lib of libs) {
    if (!existsSync(join(workspaceRoot, lib.dir, 'dist', 'index.js'))) {
      throw new Error(`${lib.dir} is not built; run this project's test through Nx, which builds the libs first`);
    }
  }
  workDir = mkdtempSync(join(tmpdir(), 'agent-mcp-packaging-'));
  const packDir = join(workDir, 'packs');
  consumerDir = join(workDir, 'consumer');

  for (const result of await packLibs(libs, packDir)) packs.set(result.name, result);
  writeManifest(consumerDir, { name: 'packaging-consumer', version: '1.0.0', private: true });
  await installPacked(consumerDir, packDir, [...packs.values()], libs);

  writeFileSync(join(consumerDir, 'probe.cjs'), CJS_PROBE);
  writeFileSync(join(consumerDir, 'probe.mjs'), ESM_PROBE);
  [cjs, esm] = await Promise.all([probe('probe.cjs'), probe('probe.mjs')]);
}, 200_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

it('packs every lib', () => {
  expect(libs.length).toBeGreaterThan(0);
  expect([...packs.keys()].sort()).toEqual(libs.map((lib) => lib.manifest.name).sort());
});

it.each(libs.map((lib) => [lib.manifest.name, lib] as const))(
  '%s packs ESM, CJS, both declarations and no sources',
  (name) => {
    const files = (packs.get(name)?.files ?? []).map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.cjs',
        'dist/index.d.ts',
        'dist/index.d.cts',
        'package.json',
        'README.md',
      ]),
    );
    expect(
      files.filter(
        (f) => f.startsWith('src/') || /\.(spec|test)\.[cm]?[jt]s$/.test(f) || /(^|\/)tsconfig[^/]*\.json$/.test(f),
      ),
    ).toEqual([]);
  },
);

it.each(entries)('%s gives the same named exports to require() and import()', (specifier, lib) => {
  const installed = join(consumerDir, 'node_modules', ...lib.manifest.name.split('/')) + sep;
  expect(cjs[specifier]?.resolved).toMatch(/\.cjs$/);
  expect(esm[specifier]?.resolved).toMatch(/\.js$/);
  // From the installed tarball, not from the workspace's symlinked sources.
  expect(cjs[specifier]?.resolved.startsWith(installed)).toBe(true);
  expect(esm[specifier]?.resolved.startsWith(installed)).toBe(true);
  expect(cjs[specifier]?.keys.length).toBeGreaterThan(0);
  expect(esm[specifier]?.keys).toEqual(cjs[specifier]?.keys);
});

it.each(entries)('%s resolves its types through `exports` for import and for require', (specifier, lib) => {
  const installed = join(consumerDir, 'node_modules', ...lib.manifest.name.split('/')) + sep;
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const asImport = ts.resolveModuleName(
    specifier,
    join(consumerDir, 'consumer.mts'),
    options,
    ts.sys,
    undefined,
    undefined,
    ts.ModuleKind.ESNext,
  );
  const asRequire = ts.resolveModuleName(
    specifier,
    join(consumerDir, 'consumer.cts'),
    options,
    ts.sys,
    undefined,
    undefined,
    ts.ModuleKind.CommonJS,
  );
  expect(asImport.resolvedModule?.resolvedFileName).toMatch(/\.d\.ts$/);
  expect(asRequire.resolvedModule?.resolvedFileName).toMatch(/\.d\.cts$/);
  expect(asImport.resolvedModule?.resolvedFileName.startsWith(installed)).toBe(true);
  expect(asRequire.resolvedModule?.resolvedFileName.startsWith(installed)).toBe(true);
});

it('a TypeScript consumer type-checks against every entry, as ESM and as CommonJS', () => {
  const names = entries.map((_, i) => `m${i}`);
  const esmFile = join(consumerDir, 'consumer.mts');
  const cjsFile = join(consumerDir, 'consumer.cts');
  writeFileSync(
    esmFile,
    `${entries.map(([s], i) => `import * as m${i} from '${s}';`).join('\n')}\nexport const all: object[] = [${names.join(', ')}];\n`,
  );
  writeFileSync(
    cjsFile,
    `${entries.map(([s], i) => `import m${i} = require('${s}');`).join('\n')}\nexport const all: object[] = [${names.join(', ')}];\n`,
  );
  const program = ts.createProgram([esmFile, cjsFile], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(workspaceRoot, 'node_modules', '@types')],
  });
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(diagnostics).toEqual([]);
});
