// Where the embedded database lives: a configured directory under its lock, else a scratch directory of this
// process that is removed on release and swept by a later process if this one was killed.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { noopLogger } from '@agent-mcp/context';
import { clearTempFiles, placeData, sweepScratch } from './data-placement';

let parent: string;
beforeEach(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'data-placement-'));
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

describe('data placement', () => {
  it('uses the configured directory when its lock is free, and a scratch directory when it is held', async () => {
    const dataDir = path.join(parent, 'db');
    const first = await placeData({ dataDir, scratchParent: parent, logger: noopLogger });
    expect(first).toMatchObject({ dir: dataDir, configured: dataDir });
    const second = await placeData({ dataDir, scratchParent: parent, logger: noopLogger });
    expect(second.configured).toBeUndefined();
    expect(path.basename(second.dir)).toMatch(new RegExp(`^agent-mcp-pglite-${process.pid}-`));
    expect(existsSync(second.dir)).toBe(true);
    await second.release();
    expect(existsSync(second.dir)).toBe(false);
    await first.release();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('sweeps the scratch directories of processes that are gone, and only those', async () => {
    const dead = path.join(parent, 'agent-mcp-pglite-2147483646-abc');
    const mine = path.join(parent, `agent-mcp-pglite-${process.pid}-def`);
    const other = path.join(parent, 'unrelated');
    for (const dir of [dead, mine, other]) await mkdir(dir);
    expect(await sweepScratch(parent)).toEqual([path.basename(dead)]);
    expect((await readdir(parent)).sort()).toEqual([path.basename(mine), 'unrelated']);
  });

  it('clears the temporary files a cut statement left behind', async () => {
    const tmp = path.join(parent, 'base', 'pgsql_tmp');
    await mkdir(tmp, { recursive: true });
    await writeFile(path.join(tmp, 'pgsql_tmp42.0'), 'x'.repeat(1000));
    expect(await clearTempFiles(parent)).toBe(1);
    expect(await readdir(tmp)).toEqual([]);
    expect(await clearTempFiles(path.join(parent, 'none'))).toBe(0);
  });
});
