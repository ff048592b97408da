import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Root } from '@agent-mcp/context';
import { type Collection } from './corpus-index';

/** Hex SHA-256 of `data`, through Web Crypto (no node:crypto load at start). */
export async function sha256(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Buffer.from(digest).toString('hex');
}

/**
 * The collections of a caller's roots: the first 20 `file://` roots that are directories, each keyed by a hash of
 * the owner and the folder, so two callers naming one folder keep apart.
 */
export async function rootCollections(owner: string, roots: readonly Root[]): Promise<Collection[]> {
  const out: Collection[] = [];
  for (const root of roots.slice(0, 20)) {
    if (!root.uri.startsWith('file://')) continue;
    let dir: string;
    try {
      dir = fileURLToPath(root.uri);
      if (!(await stat(dir)).isDirectory()) continue;
    } catch {
      continue;
    }
    const hash = (await sha256(`${owner}\u0000${dir}`)).slice(0, 16);
    out.push({ key: `root:${hash}`, slug: `root-${hash.slice(0, 12)}`, dir, label: root.name ?? dir });
  }
  return out;
}
