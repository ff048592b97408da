import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Logger } from '@agent-mcp/context';
import { isAlive, lockDataDir } from './data-dir-lock';

/** Where the embedded database's files live for this process. */
export interface DataPlacement {
  /** The directory the worker opens: the configured one, or a private scratch directory. */
  readonly dir: string;
  /** The configured directory when this process holds its lock; `undefined` when it runs on scratch. */
  readonly configured: string | undefined;
  /** Releases the lock, or removes the scratch directory. */
  release(): Promise<void>;
}

/** Options of {@link placeData}. */
export interface PlaceDataOptions {
  /** The configured directory; none means scratch. */
  readonly dataDir?: string;
  /** Parent of scratch directories. Default: the OS temporary directory. */
  readonly scratchParent?: string;
  readonly logger: Logger;
}

const SCRATCH_PREFIX = 'agent-mcp-pglite-';

/**
 * Decides where the database lives: the configured directory if its lock is free, else a scratch directory
 * of this process (removed on close and at exit). Always a directory, never PGlite's in-memory file system:
 * a worker ended at a caller's deadline is replaced by one that reopens the same files, so the server's own
 * rows (tasks, threads, confirmations, tickets, the research index) survive it, in "memory" mode too.
 */
export async function placeData(options: PlaceDataOptions): Promise<DataPlacement> {
  const { dataDir, logger } = options;
  if (dataDir) {
    const taken = await lockDataDir(dataDir).catch((error: unknown) => ({
      heldBy: -1,
      file: String((error as Error).message),
    }));
    if ('release' in taken) return { dir: dataDir, configured: dataDir, release: () => taken.release() };
    logger.warn(
      'embedded database directory is in use by another process; this one keeps its data in a scratch directory until it exits',
      { dataDir, lock: taken.file, ...(taken.heldBy > 0 ? { pid: taken.heldBy } : {}) },
    );
  }
  return scratchPlacement(options.scratchParent ?? tmpdir());
}

async function scratchPlacement(parent: string): Promise<DataPlacement> {
  await sweepScratch(parent);
  const dir = await mkdtemp(path.join(parent, `${SCRATCH_PREFIX}${process.pid}-`));
  let removed = false;
  // A process that exits without close() still leaves nothing behind; a killed one is swept by the next start.
  const onExit = () => {
    if (removed) return;
    removed = true;
    try {
      process.getBuiltinModule('node:fs').rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort at exit; the next start's sweep removes what is left.
    }
  };
  process.once('exit', onExit);
  return {
    dir,
    configured: undefined,
    async release() {
      process.off('exit', onExit);
      if (removed) return;
      removed = true;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Removes scratch directories of processes that are gone (killed before they could remove their own). */
export async function sweepScratch(parent: string): Promise<string[]> {
  const names = await readdir(parent).catch(() => [] as string[]);
  const swept: string[] = [];
  for (const name of names) {
    const pid = Number(new RegExp(`^${SCRATCH_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    await rm(path.join(parent, name), { recursive: true, force: true }).catch(() => undefined);
    swept.push(name);
  }
  return swept;
}

/**
 * Removes the temporary files a statement spilled to disk (`base/pgsql_tmp`). PostgreSQL removes them when a
 * statement ends, but not when its worker is ended mid-statement; called before a worker opens `dir`, when no
 * statement can be using them.
 */
export async function clearTempFiles(dir: string): Promise<number> {
  const tmp = path.join(dir, 'base', 'pgsql_tmp');
  const names = await readdir(tmp).catch(() => [] as string[]);
  await Promise.all(names.map((name) => rm(path.join(tmp, name), { recursive: true, force: true })));
  return names.length;
}
