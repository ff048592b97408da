import { type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** A document file found in a folder. */
export interface CorpusFile {
  readonly path: string;
  /** Path relative to the folder, with `/` separators. */
  readonly relPath: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Bounds of one folder walk. */
export interface CorpusFileLimits {
  readonly maxFiles: number;
  readonly maxFileBytes: number;
  /** Most folder levels descended. Default 12. */
  readonly maxDepth?: number;
  /** Most directory entries looked at, so a huge root (a home folder) cannot stall a search. Default 50 × maxFiles. */
  readonly maxEntries?: number;
}

/** What a walk found and what it left out. */
export interface CorpusListing {
  readonly files: readonly CorpusFile[];
  /** Documents over the size cap. */
  readonly tooLarge: number;
  /** The walk stopped at a bound (files, entries); some documents were not looked at. */
  readonly incomplete: boolean;
}

/** File types the corpus indexes. */
export const DOCUMENT_EXTENSIONS: readonly string[] = ['.md', '.markdown', '.txt', '.html', '.htm'];

const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'out-tsc']);

/**
 * Lists the documents under `dir` (Markdown, text, HTML), sorted by relative path, within bounds. Hidden
 * entries and symbolic links are not followed: a link could lead out of the folder the operator named.
 */
export async function listCorpusFiles(dir: string, limits: CorpusFileLimits): Promise<CorpusListing> {
  const maxDepth = limits.maxDepth ?? 12;
  const maxEntries = limits.maxEntries ?? limits.maxFiles * 50;
  const found: Array<{ path: string; relPath: string }> = [];
  let entries = 0;
  let incomplete = false;
  const queue: Array<{ dir: string; depth: number }> = [{ dir, depth: 0 }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    let children: Dirent[];
    try {
      children = await readdir(next.dir, { withFileTypes: true });
    } catch {
      continue;
    }
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) {
      if (++entries > maxEntries) {
        incomplete = true;
        break;
      }
      if (child.name.startsWith('.')) continue;
      const full = path.join(next.dir, child.name);
      if (child.isDirectory()) {
        if (SKIPPED_DIRS.has(child.name)) continue;
        if (next.depth + 1 > maxDepth) incomplete = true;
        else queue.push({ dir: full, depth: next.depth + 1 });
      } else if (child.isFile() && DOCUMENT_EXTENSIONS.includes(path.extname(child.name).toLowerCase())) {
        found.push({ path: full, relPath: path.relative(dir, full).split(path.sep).join('/') });
      }
    }
    if (entries > maxEntries) break;
  }
  found.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  const files: CorpusFile[] = [];
  let tooLarge = 0;
  for (const file of found) {
    if (files.length >= limits.maxFiles) {
      incomplete = true;
      break;
    }
    try {
      const info = await stat(file.path);
      if (info.size > limits.maxFileBytes) tooLarge++;
      else files.push({ ...file, size: info.size, mtimeMs: info.mtimeMs });
    } catch {
      // Deleted between listing and stat: it simply is not there.
    }
  }
  return { files, tooLarge, incomplete };
}
