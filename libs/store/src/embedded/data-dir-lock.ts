import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

/** A held lock on an embedded data directory. */
export interface DataDirLock {
  readonly file: string;
  release(): Promise<void>;
}

/** Why the lock was not taken. */
export interface DataDirLockHeld {
  readonly heldBy: number;
  readonly file: string;
}

/**
 * Takes `<dataDir>.lock`, holding this process's id: two PGlite instances on one directory corrupt it. A lock
 * whose process is gone (a crash) is taken over. Released on close and, failing that, at process exit.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock | DataDirLockHeld> {
  const file = path.join(path.dirname(path.resolve(dataDir)), `${path.basename(dataDir)}.lock`);
  await mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return held(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      // Another engine of this process counts as an owner too: one directory, one instance.
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) return { heldBy: owner, file };
      await unlink(file).catch(() => undefined);
    }
  }
  return { heldBy: 0, file };
}

function held(file: string): DataDirLock {
  let released = false;
  const onExit = () => {
    if (released) return;
    try {
      const fs = process.getBuiltinModule('node:fs');
      if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.once('exit', onExit);
  return {
    file,
    async release() {
      if (released) return;
      onExit();
      released = true;
      process.off('exit', onExit);
    },
  };
}

/** Whether a process with this id runs (one we may not signal counts as running). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
