// A caller's roots become collections: only file:// folders that exist, keyed apart per caller.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rootCollections } from './collections';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roots-'));
  writeFileSync(join(dir, 'a-file.txt'), 'not a folder');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps file:// folders only, named by the root and keyed per caller', async () => {
  const roots = [
    { uri: pathToFileURL(dir).href, name: 'notes' },
    { uri: pathToFileURL(join(dir, 'a-file.txt')).href },
    { uri: pathToFileURL(join(dir, 'missing')).href },
    { uri: 'https://example.com/' },
  ];
  const mine = await rootCollections('alice', roots);
  expect(mine).toEqual([
    { key: expect.stringMatching(/^root:[0-9a-f]{16}$/), slug: expect.any(String), dir, label: 'notes' },
  ]);
  expect(mine[0]?.slug).toBe(`root-${mine[0]?.key.slice('root:'.length, 'root:'.length + 12)}`);
  const theirs = await rootCollections('bob', roots);
  expect(theirs[0]?.key).not.toBe(mine[0]?.key);
});
