import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { childEnv, run, workspaceRoot, type WorkspacePackage } from './workspace';

export interface PackResult {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/** Packs the libs with `npm pack` into `packDir`, as they would be published. */
export async function packLibs(libs: readonly WorkspacePackage[], packDir: string): Promise<PackResult[]> {
  mkdirSync(packDir, { recursive: true });
  const pack = await run(
    'npm',
    ['pack', ...libs.flatMap((lib) => ['-w', lib.dir]), '--pack-destination', packDir, '--json'],
    {
      timeoutMs: 90_000,
    },
  );
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.output}`);
  return JSON.parse(pack.stdout) as PackResult[];
}

function dependenciesOf(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {});
}

/**
 * Installs the packed tarballs into the project at `projectDir` (its package.json written already) with
 * `npm install --offline`. A fresh install would resolve the newest third-party versions in range, whose metadata
 * is not in the npm cache, and tests do not go to the registry; so each third-party dependency is linked to the
 * repo's installed copy first (npm keeps a link that satisfies the range). Our packages come from the tarballs.
 */
export async function installPacked(
  projectDir: string,
  packDir: string,
  packs: readonly PackResult[],
  libs: readonly WorkspacePackage[],
): Promise<void> {
  // Each dependency links to the copy its package resolves: the package's own node_modules when npm nested a
  // version there (another package needs an older one at the root), else the root's.
  const installed = new Map<string, string>();
  for (const dir of [projectDir, ...libs.map((lib) => join(workspaceRoot, lib.dir))]) {
    for (const dep of dependenciesOf(dir).filter((d) => !d.startsWith('@agent-mcp/'))) {
      const nested = join(dir, 'node_modules', ...dep.split('/'));
      if (!installed.has(dep) || existsSync(nested))
        installed.set(dep, existsSync(nested) ? nested : join(workspaceRoot, 'node_modules', ...dep.split('/')));
    }
  }
  for (const [dep, target] of installed) {
    const link = join(projectDir, 'node_modules', ...dep.split('/'));
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, 'dir');
  }
  const tarballs = packs.map((p) => join(packDir, p.filename));
  const install = await run(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs],
    {
      cwd: projectDir,
      timeoutMs: 90_000,
      env: { ...childEnv, npm_config_engine_strict: 'false' },
    },
  );
  if (install.code !== 0) throw new Error(`npm install of the packed libs failed:\n${install.output}`);
}

/** Writes a package.json for a throwaway consumer project. */
export function writeManifest(projectDir: string, manifest: Record<string, unknown>): void {
  mkdirSync(projectDir, { recursive: true });
  writeFileSync(join(projectDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
