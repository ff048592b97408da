// The architecture as documented is the architecture as built (issue 14, item 8): the root README's "Layering"
// table and each library's "Where it sits" section name the layer tag and the library dependencies each
// package.json declares, and who depends on it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspacePackages, workspaceRoot } from './support/workspace';

const libs = workspacePackages('libs');
const short = (name: string) => name.replace(/^@agent-mcp\//, '');

function dependenciesOf(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(workspaceRoot, dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const names = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
  return [...new Set(names.filter((n) => n.startsWith('@agent-mcp/')).map(short))].sort();
}

const names = (text: string) => [...text.matchAll(/`(?:@agent-mcp\/)?([a-z-]+)`/g)].map((m) => m[1] as string).sort();

it('the root README has one Layering row per library, with its tag and its dependencies', () => {
  const readme = readFileSync(join(workspaceRoot, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Layering'),
    readme.indexOf('\n## ', readme.indexOf('## Layering') + 3),
  );
  const rows = new Map(
    [...section.matchAll(/^\| `([a-z-]+)` \| `([a-z:-]+)` \| ([^|]*) \|/gm)].map((m) => [
      m[1],
      { tag: m[2], deps: m[3] },
    ]),
  );
  expect([...rows.keys()].sort()).toEqual(libs.map((l) => short(l.manifest.name)).sort());
  for (const lib of libs) {
    const row = rows.get(short(lib.manifest.name));
    expect({ lib: lib.dir, tag: row?.tag, deps: names(row?.deps ?? '') }).toEqual({
      lib: lib.dir,
      tag: lib.manifest.nx?.tags?.join(', '),
      deps: dependenciesOf(lib.dir),
    });
  }
});

it.each(libs.map((l) => [l.dir, l] as const))('%s/README.md says where it sits', (dir, lib) => {
  const readme = readFileSync(join(workspaceRoot, dir, 'README.md'), 'utf8');
  const at = readme.indexOf('\n## Where it sits\n');
  expect(at).toBeGreaterThan(0);
  const section = readme.slice(at).split(/\n## /)[1] ?? '';
  const text = section.replace(/\s+/g, ' ');
  const layer = /Layer `([a-z:-]+)`/.exec(text)?.[1];
  const dependsOn = /Depends on: (.*?)\. Used by:/.exec(text)?.[1] ?? '';
  const usedBy = /Used by: (.*)$/.exec(text)?.[1] ?? '';
  const name = short(lib.manifest.name);
  const dependents = libs
    .filter((other) => dependenciesOf(other.dir).includes(name))
    .map((o) => short(o.manifest.name));
  expect({ layer, dependsOn: names(dependsOn), usedBy: names(usedBy).filter((n) => !n.includes('/')) }).toEqual({
    layer: lib.manifest.nx?.tags?.join(', '),
    dependsOn: dependenciesOf(dir),
    usedBy: dependents.sort(),
  });
});
