import { type FSWatcher } from 'node:fs';
import { type Logger, noopLogger, type Root, type SqlClient } from '@agent-mcp/context';
import { type CorpusFileLimits } from './corpus-files';
import { rootCollections, sha256 } from './collections';
import { createCorpusSync } from './corpus-sync';
import { createCorpusStore, type CorpusStore } from './corpus-store';

/** A folder of documents the index keeps. */
export interface Collection {
  /** Row key in the database: unique per folder (and per caller, for roots). */
  readonly key: string;
  /** Name in resource URIs: `corpus` for the configured folder, `root-<hash>` for a client's root. */
  readonly slug: string;
  readonly dir: string;
  readonly label: string;
}

/** A search hit with the URI that reads the document. */
export interface DocumentHit {
  readonly uri: string;
  readonly title: string;
  readonly path: string;
  readonly snippet: string;
  readonly rank: number;
}

/** A document as served. */
export interface CorpusDocument {
  readonly uri: string;
  readonly title: string;
  readonly path: string;
  readonly text: string;
  readonly mimeType: string;
}

/** The listing entry of a document. */
export interface DocumentSummary {
  readonly uri: string;
  readonly title: string;
  readonly path: string;
  readonly mimeType: string;
  readonly size: number;
}

/** What one re-index did. */
export interface SyncReport {
  readonly indexed: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly tooLarge: number;
  readonly incomplete: boolean;
}

/**
 * The documents one re-index wrote or deleted, by path relative to the collection's folder: what it found new
 * (`added`), changed in content (`updated`) and gone (`removed`). Told once per change, by the process that wrote it,
 * even when several servers index one folder into one database.
 */
export interface CorpusChange {
  readonly collection: Collection;
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
}

/** Who asks: the caller's key (for roots) and how to reach their roots. */
export interface CorpusCaller {
  readonly owner: string;
  roots(): Promise<readonly Root[]>;
}

/** Options of {@link createCorpusIndex}. */
export interface CorpusIndexOptions {
  readonly sql: SqlClient;
  /** The configured folder; none: only client roots. */
  readonly dir?: string;
  readonly limits: CorpusFileLimits;
  /** A search re-checks a folder whose last check is older than this. */
  readonly rescanMs: number;
  /** Watch the configured folder and re-index soon after a change. */
  readonly watch: boolean;
  /** Index the client's file:// roots. */
  readonly clientRoots: boolean;
  readonly logger?: Logger;
  /** Wait after the last change event before re-indexing. Default 300 ms. */
  readonly debounceMs?: number;
}

/** The document corpus: folders indexed in PostgreSQL full-text search, kept fresh. */
export interface CorpusIndex {
  /** The configured folder's collection, if any. */
  readonly corpus: Collection | undefined;
  /**
   * The collections `caller` may search: the configured folder and, when enabled, the caller's roots
   * (asked of the client, bounded in time). Roots seen before are remembered for resource reads.
   */
  collectionsFor(caller: CorpusCaller, options?: { readonly askRoots?: boolean }): Promise<Collection[]>;
  /** Ranked hits with snippets; re-indexes first what is stale. */
  search(
    query: string,
    collections: readonly Collection[],
    options?: { readonly limit?: number; readonly signal?: AbortSignal },
  ): Promise<DocumentHit[]>;
  /** A document by its URI, if it is in one of `collections`. */
  read(uri: string, collections: readonly Collection[], signal?: AbortSignal): Promise<CorpusDocument | undefined>;
  list(collections: readonly Collection[], signal?: AbortSignal): Promise<DocumentSummary[]>;
  /** Re-indexes one collection now (serialised with other runs on it). */
  sync(collection: Collection): Promise<SyncReport>;
  /**
   * Calls `listener` after each re-index that wrote or deleted documents (the watcher's, a search's rescan, or
   * {@link CorpusIndex.sync}); returns an unsubscribe. A throwing listener is logged and does not fail the re-index.
   */
  onChange(listener: (change: CorpusChange) => void): () => void;
  /** Stops watching. */
  close(): Promise<void>;
}

/** Prefix of document URIs. */
export const DOCUMENT_URI_PREFIX = 'research://documents/';

const ROOTS_TIMEOUT_MS = 5_000;
/** Most callers whose roots are remembered; the oldest is forgotten first. */
const MAX_TRACKED = 1_000;

/** The URI of a document: its folder's slug and its relative path, each segment percent-encoded. */
export function documentUri(slug: string, relPath: string): string {
  return `${DOCUMENT_URI_PREFIX}${slug}/${relPath.split('/').map(encodeURIComponent).join('/')}`;
}

/** Splits a document URI; undefined when it is not one. */
export function parseDocumentUri(uri: string): { slug: string; relPath: string } | undefined {
  if (!uri.startsWith(DOCUMENT_URI_PREFIX)) return undefined;
  const rest = uri.slice(DOCUMENT_URI_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  try {
    const relPath = rest
      .slice(slash + 1)
      .split('/')
      .map(decodeURIComponent)
      .join('/');
    if (!relPath || relPath.split('/').some((s) => s === '' || s === '.' || s === '..')) return undefined;
    return { slug: rest.slice(0, slash), relPath };
  } catch {
    return undefined;
  }
}

/**
 * Creates the corpus index. The tables are created on first use; the configured folder is indexed on the
 * first search (or at once by {@link CorpusIndex.sync}), watched when enabled, and re-checked (mtime and size,
 * then a content hash) when its last check is older than `rescanMs`.
 */
export async function createCorpusIndex(options: CorpusIndexOptions): Promise<CorpusIndex> {
  const store: CorpusStore = createCorpusStore(options.sql);
  const logger = options.logger ?? noopLogger;
  const rootsByOwner = new Map<string, Collection[]>();
  let schema: Promise<void> | undefined;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let closed = false;

  const corpus: Collection | undefined = options.dir
    ? { key: `corpus:${(await sha256(options.dir)).slice(0, 16)}`, slug: 'corpus', dir: options.dir, label: 'corpus' }
    : undefined;

  const ensureSchema = () => {
    schema ??= store.ensureSchema().catch((error: unknown) => {
      schema = undefined;
      throw error;
    });
    return schema;
  };

  const listeners = changeListeners(logger);
  const syncer = createCorpusSync({
    store,
    ensureSchema,
    limits: options.limits,
    rescanMs: options.rescanMs,
    logger,
    onChange: listeners.emit,
  });
  const { sync, fresh } = syncer;

  if (corpus && options.watch) {
    try {
      const { watch } = await import('node:fs');
      watcher = watch(corpus.dir, { recursive: true, persistent: false }, () => {
        syncer.markDirty(corpus.key);
        clearTimeout(debounce);
        debounce = setTimeout(() => {
          if (!closed)
            sync(corpus).catch((error: unknown) => logger.warn('research corpus re-index failed', { err: error }));
        }, options.debounceMs ?? 300);
        debounce.unref();
      });
      watcher.on('error', (error) => logger.warn('research corpus watcher failed; relying on rescans', { err: error }));
    } catch (error) {
      logger.warn('research corpus cannot be watched; relying on rescans', { dir: corpus.dir, err: error });
    }
  }

  const bySlug = (collections: readonly Collection[], slug: string) => collections.find((c) => c.slug === slug);
  const pathOf = (c: Collection, relPath: string) => (c.slug === 'corpus' ? relPath : `${c.label}/${relPath}`);

  return {
    corpus,
    async collectionsFor(caller, { askRoots = true } = {}) {
      const out: Collection[] = corpus ? [corpus] : [];
      if (!options.clientRoots) return out;
      if (askRoots) {
        let timer: NodeJS.Timeout | undefined;
        const roots = await Promise.race([
          caller.roots().catch(() => [] as readonly Root[]),
          new Promise<readonly Root[]>((resolve) => (timer = setTimeout(() => resolve([]), ROOTS_TIMEOUT_MS))),
        ]).finally(() => clearTimeout(timer));
        const collections = await rootCollections(caller.owner, roots);
        const oldest = rootsByOwner.keys().next();
        if (rootsByOwner.size >= MAX_TRACKED && !rootsByOwner.has(caller.owner) && !oldest.done)
          rootsByOwner.delete(oldest.value);
        rootsByOwner.set(caller.owner, collections);
      }
      return [...out, ...(rootsByOwner.get(caller.owner) ?? [])];
    },
    async search(query, collections, { limit = 8, signal } = {}) {
      if (collections.length === 0) return [];
      for (const c of collections) await fresh(c);
      const hits = await store.search(
        query,
        collections.map((c) => c.key),
        limit,
        signal,
      );
      return hits.flatMap((hit) => {
        const c = collections.find((x) => x.key === hit.collection);
        return c
          ? [
              {
                uri: documentUri(c.slug, hit.relPath),
                title: hit.title,
                path: pathOf(c, hit.relPath),
                snippet: hit.snippet,
                rank: hit.rank,
              },
            ]
          : [];
      });
    },
    async read(uri, collections, signal) {
      const parsed = parseDocumentUri(uri);
      const c = parsed && bySlug(collections, parsed.slug);
      if (!parsed || !c) return undefined;
      await ensureSchema();
      const doc = await store.get(c.key, parsed.relPath, signal);
      return doc
        ? {
            uri: documentUri(c.slug, doc.relPath),
            title: doc.title,
            path: pathOf(c, doc.relPath),
            text: doc.body,
            mimeType: doc.mimeType,
          }
        : undefined;
    },
    async list(collections, signal) {
      if (collections.length === 0) return [];
      for (const c of collections) await fresh(c);
      const rows = await store.list(
        collections.map((c) => c.key),
        options.limits.maxFiles,
        signal,
      );
      return rows.flatMap((r) => {
        const c = collections.find((x) => x.key === r.collection);
        return c
          ? [
              {
                uri: documentUri(c.slug, r.relPath),
                title: r.title,
                path: pathOf(c, r.relPath),
                mimeType: r.mimeType,
                size: r.size,
              },
            ]
          : [];
      });
    },
    sync,
    onChange: listeners.add,
    async close() {
      closed = true;
      listeners.clear();
      clearTimeout(debounce);
      watcher?.close();
      await syncer.settle();
    },
  };
}

/** The listeners of {@link CorpusIndex.onChange}. */
function changeListeners(logger: Logger) {
  const listeners = new Set<(change: CorpusChange) => void>();
  return {
    add(listener: (change: CorpusChange) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(change: CorpusChange): void {
      for (const listener of [...listeners]) {
        // A listener's failure is logged, never the re-index's: the documents are written either way.
        try {
          listener(change);
        } catch (error) {
          logger.warn('research corpus: a change listener failed', { err: error });
        }
      }
    },
    clear: () => listeners.clear(),
  };
}
