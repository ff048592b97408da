// What a spec revision requires of a server, read from the suite's own frozen requirement files
// (`requirements/<revision>.yaml` in @modelcontextprotocol/conformance): the scored server scenarios, and the ones
// it runs but does not score (extensions, pending, added after the release), each with the suite's reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `{ scored: string[], notScored: Map<scenario, reason> }` of the server leg of `revision`. */
export function serverRequirements(suiteRoot, revision) {
  const text = readFileSync(join(suiteRoot, 'requirements', `${revision}.yaml`), 'utf8');
  const block = /^server:\n((?:[ \t]+- .*\n)+)/m.exec(text);
  if (!block) throw new Error(`requirements/${revision}.yaml has no server list`);
  const scored = [...block[1].matchAll(/^[ \t]+- (\S+)/gm)].map((m) => m[1]);
  const notScored = new Map();
  for (const m of text.matchAll(/- scenario: (\S+)\n[ \t]+leg: (\S+)\n[ \t]+reason: (\S+)/g)) {
    if (m[2] === 'server') notScored.set(m[1], m[3]);
  }
  return { scored, notScored };
}
