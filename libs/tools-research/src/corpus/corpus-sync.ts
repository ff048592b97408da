import { readFile } from 'node:fs/promises';
import { type Logger } from '@agent-mcp/context';
import { type CorpusFileLimits, listCorpusFiles } from './corpus-files';
import { type CorpusStore } from './corpus-store';
import { type Collection, type CorpusChange, type SyncReport } from './corpus-index';
import { documentText } from './document-text';
import { sha256 } from './collections';

/** Most collections whose sync state is kept; the oldest is forgotten first (and re-checked when next used). */
const MAX_TRACKED = 1_000;

interface CollectionState {
  lastSyncAt: number;
  dirty: boolean;
  running: Promise<SyncReport> | undefined;
}

/** Options of {@link createCorpusSync}. */
export interface CorpusSyncOptions {
  readonly store: CorpusStore;
  /** Creates the tables once; a failure is retried on the next call. */
  readonly ensureSchema: () => Promise<void>;
  readonly limits: CorpusFileLimits;
  /** A search re-checks a folder whose last check is older than this. */
  readonly rescanMs: number;
  readonly logger: Logger;
  /**
   * Told of each re-index that wrote or deleted documents, once they are written (not of one that found nothing).
   * Must not throw.
   */
  readonly onChange?: (change: CorpusChange) => void;
}

/** Keeps collections indexed: one run at a time per folder, re-run when marked dirty or stale. */
export interface CorpusSync {
  /** Re-indexes `collection` now, after any run already going on it. */
  sync(collection: Collection): Promise<SyncReport>;
  /** Waits for a running sync, then re-indexes if the folder is dirty or its last check is stale. */
  fresh(collection: Collection): Promise<void>;
  /** Marks a folder changed (a watcher saw an event). */
  markDirty(key: string): void;
  /** Resolves once every running sync has ended, failed or not. */
  settle(): Promise<void>;
}

/**
 * Indexes folders into the store: files whose mtime and size are unchanged are skipped, then a content hash spares
 * a re-parse of a touched file; files gone from the folder are removed.
 */
export function createCorpusSync({
  store,
  ensureSchema,
  limits,
  rescanMs,
  logger,
  onChange,
}: CorpusSyncOptions): CorpusSync {
  const states = new Map<string, CollectionState>();

  const stateOf = (key: string): CollectionState => {
    let state = states.get(key);
    if (!state) {
      const oldest = states.keys().next();
      if (states.size >= MAX_TRACKED && !oldest.done) states.delete(oldest.value);
      state = { lastSyncAt: 0, dirty: true, running: undefined };
      states.set(key, state);
    }
    return state;
  };

  async function runSync(collection: Collection): Promise<SyncReport> {
    await ensureSchema();
    const listing = await listCorpusFiles(collection.dir, limits);
    const stored = await store.files(collection.key);
    const added: string[] = [];
    const updated: string[] = [];
    let unchanged = 0;
    for (const file of listing.files) {
      const before = stored.get(file.relPath);
      if (before && before.mtimeMs === file.mtimeMs && before.size === file.size) {
        unchanged++;
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = await readFile(file.path);
      } catch {
        continue;
      }
      if (bytes.length > limits.maxFileBytes) continue;
      const contentHash = await sha256(bytes);
      const current = { relPath: file.relPath, mtimeMs: file.mtimeMs, size: bytes.length, contentHash };
      if (before && before.contentHash === contentHash) {
        await store.touch(collection.key, current);
        unchanged++;
        continue;
      }
      const doc = documentText(file.relPath, bytes.toString('utf8'));
      if (
        await store.upsert(collection.key, { ...current, title: doc.title, body: doc.text, mimeType: doc.mimeType })
      ) {
        (before ? updated : added).push(file.relPath);
      } else {
        // Another replica wrote this very content first (and says so): only our bookkeeping is behind.
        await store.touch(collection.key, current);
        unchanged++;
      }
    }
    const removed = await store.removeOthers(
      collection.key,
      listing.files.map((f) => f.relPath),
    );
    const indexed = added.length + updated.length;
    const report = {
      indexed,
      unchanged,
      removed: removed.length,
      tooLarge: listing.tooLarge,
      incomplete: listing.incomplete,
    };
    if (indexed || removed.length || listing.incomplete || listing.tooLarge)
      logger.info('research corpus indexed', { collection: collection.label, ...report });
    if (indexed || removed.length) onChange?.({ collection, added, updated, removed });
    return report;
  }

  function sync(collection: Collection): Promise<SyncReport> {
    const state = stateOf(collection.key);
    // One run at a time per folder; a change during a run marks it dirty again for the next search.
    const previous = state.running ?? Promise.resolve(undefined);
    const next = previous
      .catch(() => undefined)
      .then(() => {
        state.dirty = false;
        return runSync(collection);
      })
      .then(
        (report) => {
          state.lastSyncAt = Date.now();
          return report;
        },
        (error: unknown) => {
          state.dirty = true;
          throw error;
        },
      )
      .finally(() => {
        if (state.running === next) state.running = undefined;
      });
    state.running = next;
    return next;
  }

  async function fresh(collection: Collection): Promise<void> {
    const state = stateOf(collection.key);
    if (state.running) await state.running.catch(() => undefined);
    if (state.dirty || Date.now() - state.lastSyncAt >= rescanMs) await sync(collection);
  }

  return {
    sync,
    fresh,
    markDirty: (key) => void (stateOf(key).dirty = true),
    settle: async () => {
      await Promise.all([...states.values()].map((s) => s.running?.catch(() => undefined)));
    },
  };
}
