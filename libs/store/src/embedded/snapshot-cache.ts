import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Logger } from '@agent-mcp/context';
import { type WorkerHost } from './worker-host';

/** What the snapshot is built from. */
export interface SnapshotSource {
  /** SQL that creates the database; a function is called only when a snapshot must be built. */
  readonly setupSql: string | (() => string);
  readonly role: string;
  /** Cache directory between processes; `false` disables the file cache. Default: the OS tmpdir. */
  readonly snapshotCacheDir?: string | false;
}

/** Options of {@link loadSnapshot}. */
export interface LoadSnapshotOptions {
  readonly source: SnapshotSource;
  /** PGlite's entry point: its version is part of the cache key. */
  readonly entry: string;
  readonly host: WorkerHost;
  readonly startTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * The gzipped data directory of a database built by `setupSql`, read from the file cache when a previous
 * process built the same one, else built in a throwaway worker (PGlite's initdb takes seconds) and cached.
 */
export async function loadSnapshot({
  source,
  entry,
  host,
  startTimeoutMs,
  logger,
}: LoadSnapshotOptions): Promise<Uint8Array> {
  const cacheFile = await snapshotPath(source, entry);
  if (cacheFile) {
    const cached = await readFile(cacheFile).catch(() => undefined);
    if (cached) return new Uint8Array(cached);
  }
  const started = Date.now();
  const builder = await host.spawn();
  try {
    const reply = await host.exchange(builder, { op: 'build', setupSql: setupSqlOf(source) }, startTimeoutMs);
    if (reply.type !== 'built' || !reply.bytes) throw new Error(reply.error?.message ?? 'snapshot build failed');
    logger.info('embedded database built', { ms: Date.now() - started, bytes: reply.bytes.byteLength });
    if (cacheFile) {
      // Written under a unique name and renamed, so concurrent processes never read a partial file.
      const tmp = `${cacheFile}.${process.pid}.${Date.now()}.tmp`;
      await mkdir(path.dirname(cacheFile), { recursive: true });
      await writeFile(tmp, reply.bytes);
      await rename(tmp, cacheFile);
    }
    return reply.bytes;
  } finally {
    await builder.terminate();
  }
}

const builtSetupSql = new WeakMap<SnapshotSource, string>();

/** The setup script of `source`, built once if it was given as a function. */
export function setupSqlOf(source: SnapshotSource): string {
  if (typeof source.setupSql === 'string') return source.setupSql;
  let sql = builtSetupSql.get(source);
  if (sql === undefined) {
    sql = source.setupSql();
    builtSetupSql.set(source, sql);
  }
  return sql;
}

/** The cache file of `source`: keyed by PGlite's version, the role and the setup script. */
export async function snapshotPath(source: SnapshotSource, entry: string): Promise<string | undefined> {
  if (source.snapshotCacheDir === false) return undefined;
  const dir = source.snapshotCacheDir ?? path.join(tmpdir(), 'agent-mcp-tools-database');
  const pkg = await readFile(path.join(path.dirname(entry), '..', 'package.json'), 'utf8').catch(() => '');
  const version = (/"version"\s*:\s*"([^"]+)"/.exec(pkg) ?? [])[1] ?? 'unknown';
  // Loaded here, not at the top: node:crypto costs a launch ~20 ms and this runs only when the engine starts.
  const { createHash } = await import('node:crypto');
  const key = createHash('sha256')
    .update(version)
    .update('\0')
    .update(source.role)
    .update('\0')
    .update(setupSqlOf(source))
    .digest('hex')
    .slice(0, 16);
  return path.join(dir, `pglite-${version}-${key}.tar.gz`);
}
