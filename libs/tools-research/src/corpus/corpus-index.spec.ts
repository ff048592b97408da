// The document corpus on real PostgreSQL: full-text search with snippets, re-indexing on change, bounds,
// and client roots visible only to the client that shared them.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SAMPLE_CORPUS_DIR, eventually, tempDir } from '../spec-helpers/corpus';
import { createTestDatabase, type TestDatabase } from '../spec-helpers/database';
import {
  type Collection,
  type CorpusChange,
  type CorpusIndex,
  createCorpusIndex,
  type CorpusIndexOptions,
  documentUri,
  parseDocumentUri,
} from './corpus-index';

const limits = { maxFiles: 100, maxFileBytes: 64 * 1024 };
const noRoots = { owner: 'nobody', roots: async () => [] };

function folderOf(index: CorpusIndex): Collection {
  if (!index.corpus) throw new Error('the index has no configured folder');
  return index.corpus;
}

describe('corpus index', () => {
  let db: TestDatabase;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await db.drop();
  });

  async function index(overrides: Partial<CorpusIndexOptions>) {
    const created = await createCorpusIndex({
      sql: db.sql,
      limits,
      rescanMs: 60_000,
      watch: false,
      clientRoots: false,
      ...overrides,
    });
    cleanups.push(() => created.close());
    return created;
  }

  it('finds sample documents with ranked snippets and reads them by URI', async () => {
    const corpus = await index({ dir: SAMPLE_CORPUS_DIR });
    const collections = await corpus.collectionsFor(noRoots);
    const hits = await corpus.search('DNS rebinding', collections);
    expect(hits[0]).toEqual(
      expect.objectContaining({
        uri: 'research://documents/corpus/url-fetch-safety.md',
        title: 'URL fetch safety',
        path: 'url-fetch-safety.md',
      }),
    );
    expect(hits[0]?.snippet).toMatch(/«rebinding»/i);
    const doc = await corpus.read(hits[0]?.uri ?? '', collections);
    expect(doc?.text).toBe((await readFile(path.join(SAMPLE_CORPUS_DIR, 'url-fetch-safety.md'), 'utf8')).trim());
  });

  it('indexes HTML as its visible text under its <title>', async () => {
    const corpus = await index({ dir: SAMPLE_CORPUS_DIR });
    const collections = await corpus.collectionsFor(noRoots);
    const hits = await corpus.search('ts_headline snippet', collections);
    expect(hits[0]?.title).toBe('Full-text search in PostgreSQL');
    expect(await corpus.search('console', collections)).toEqual([]);
  });

  it('falls back to any-word matching when no document has every word', async () => {
    const corpus = await index({ dir: SAMPLE_CORPUS_DIR });
    const hits = await corpus.search('zebra metadata', await corpus.collectionsFor(noRoots));
    expect(hits.map((h) => h.path)).toContain('url-fetch-safety.md');
  });

  it('creates its tables idempotently: a second index on the same database works', async () => {
    await (await index({ dir: SAMPLE_CORPUS_DIR })).sync(folderOf(await index({ dir: SAMPLE_CORPUS_DIR })));
    const again = await index({ dir: SAMPLE_CORPUS_DIR });
    const report = await again.sync(folderOf(again));
    expect(report.indexed).toBe(0);
    expect(report.unchanged).toBeGreaterThanOrEqual(5);
  });

  it('re-indexes a changed, added or deleted file at the next search once the rescan interval passed', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    await writeFile(path.join(tmp.dir, 'a.md'), '# Alpha\n\nThe walrus sleeps.');
    const corpus = await index({ dir: tmp.dir, rescanMs: 0 });
    const collections = await corpus.collectionsFor(noRoots);
    expect((await corpus.search('walrus', collections)).map((h) => h.path)).toEqual(['a.md']);
    await writeFile(path.join(tmp.dir, 'a.md'), '# Alpha\n\nThe narwhal swims.');
    await writeFile(path.join(tmp.dir, 'b.txt'), 'Beta\nAnother narwhal.');
    expect(await corpus.search('walrus', collections)).toEqual([]);
    expect((await corpus.search('narwhal', collections)).map((h) => h.path).sort()).toEqual(['a.md', 'b.txt']);
    await rm(path.join(tmp.dir, 'b.txt'));
    expect((await corpus.search('narwhal', collections)).map((h) => h.path)).toEqual(['a.md']);
  });

  it('re-indexes soon after a change when watching, without waiting for the rescan interval', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    await writeFile(path.join(tmp.dir, 'notes.md'), '# Notes\n\nNothing yet.');
    const corpus = await index({ dir: tmp.dir, rescanMs: 3_600_000, watch: true, debounceMs: 50 });
    const collections = await corpus.collectionsFor(noRoots);
    expect(await corpus.search('capybara', collections)).toEqual([]);
    await writeFile(path.join(tmp.dir, 'notes.md'), '# Notes\n\nA capybara appeared.');
    expect(await eventually(async () => (await corpus.search('capybara', collections)).length === 1)).toBe(true);
  });

  it('tells its listeners which documents a re-index added, changed and removed, once they are written', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    await writeFile(path.join(tmp.dir, 'a.md'), '# Alpha\n\nThe walrus sleeps.');
    await writeFile(path.join(tmp.dir, 'b.md'), '# Beta\n\nThe heron waits.');
    const corpus = await index({ dir: tmp.dir });
    const changes: Array<Omit<CorpusChange, 'collection'> & { slug: string }> = [];
    const collections = await corpus.collectionsFor(noRoots);
    corpus.onChange(({ collection, ...change }) => changes.push({ slug: collection.slug, ...change }));
    await corpus.sync(folderOf(corpus));
    await writeFile(path.join(tmp.dir, 'a.md'), '# Alpha\n\nThe walrus woke up.');
    await rm(path.join(tmp.dir, 'b.md'));
    await writeFile(path.join(tmp.dir, 'c.md'), '# Gamma\n\nA new page.');
    await corpus.sync(folderOf(corpus));
    expect(changes).toEqual([
      { slug: 'corpus', added: ['a.md', 'b.md'], updated: [], removed: [] },
      { slug: 'corpus', added: ['c.md'], updated: ['a.md'], removed: ['b.md'] },
    ]);
    expect((await corpus.read(documentUri('corpus', 'a.md'), collections))?.text).toContain('woke up');
  });

  it('tells no listener of a re-index that found nothing new, nor of a touched file with the same content', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    await writeFile(path.join(tmp.dir, 'a.md'), '# Alpha\n\nThe walrus sleeps.');
    const corpus = await index({ dir: tmp.dir });
    await corpus.sync(folderOf(corpus));
    const changes: CorpusChange[] = [];
    corpus.onChange((change) => changes.push(change));
    await corpus.sync(folderOf(corpus));
    await writeFile(path.join(tmp.dir, 'a.md'), '# Alpha\n\nThe walrus sleeps.'); // new mtime, same content
    expect(await corpus.sync(folderOf(corpus))).toEqual(expect.objectContaining({ indexed: 0, unchanged: 1 }));
    expect(changes).toEqual([]);
  });

  it('announces a change once when two servers on one database re-index the same folder', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    await writeFile(path.join(tmp.dir, 'a.md'), '# Alpha\n\nThe walrus sleeps.');
    const [first, second] = [await index({ dir: tmp.dir }), await index({ dir: tmp.dir })] as const;
    await first.sync(folderOf(first));
    await second.sync(folderOf(second));
    const heard: string[] = [];
    first.onChange((change) => heard.push(`first: ${change.updated.join()}${change.removed.join()}`));
    second.onChange((change) => heard.push(`second: ${change.updated.join()}${change.removed.join()}`));
    await writeFile(path.join(tmp.dir, 'a.md'), '# Alpha\n\nThe walrus woke up.');
    // Both see the change on disk at once, as two replicas' watchers would; the database lets one write it.
    const reports = await Promise.all([first.sync(folderOf(first)), second.sync(folderOf(second))]);
    expect(reports.map((r) => r.indexed).sort()).toEqual([0, 1]);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatch(/^(first|second): a\.md$/);
    await rm(path.join(tmp.dir, 'a.md'));
    heard.length = 0;
    await Promise.all([first.sync(folderOf(first)), second.sync(folderOf(second))]);
    expect(heard).toHaveLength(1);
  });

  it('indexes only md, txt and html files within the size and count bounds', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    await mkdir(path.join(tmp.dir, 'sub'));
    await writeFile(path.join(tmp.dir, 'sub', 'ok.md'), 'ocelot');
    await writeFile(path.join(tmp.dir, 'big.txt'), `ocelot ${'x '.repeat(40_000)}`);
    await writeFile(path.join(tmp.dir, 'script.js'), 'ocelot');
    await writeFile(path.join(tmp.dir, '.hidden.md'), 'ocelot');
    const corpus = await index({ dir: tmp.dir });
    const report = await corpus.sync(folderOf(corpus));
    expect(report).toEqual(expect.objectContaining({ indexed: 1, tooLarge: 1 }));
    expect((await corpus.search('ocelot', await corpus.collectionsFor(noRoots))).map((h) => h.uri)).toEqual([
      documentUri('corpus', 'sub/ok.md'),
    ]);
  });

  it('stops at the file count bound and says the index is incomplete', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    for (const name of ['a.md', 'b.md', 'c.md']) await writeFile(path.join(tmp.dir, name), `# ${name}\n\nquokka`);
    const capped = await index({ dir: tmp.dir, limits: { maxFiles: 2, maxFileBytes: 1024 } });
    expect(await capped.sync(folderOf(capped))).toEqual(expect.objectContaining({ indexed: 2, incomplete: true }));
    expect((await capped.search('quokka', await capped.collectionsFor(noRoots))).map((h) => h.path).sort()).toEqual([
      'a.md',
      'b.md',
    ]);
  });

  it("indexes a client's roots for that client only", async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    await writeFile(path.join(tmp.dir, 'plan.md'), '# Plan\n\nThe okapi project starts Monday.');
    const corpus = await index({ dir: SAMPLE_CORPUS_DIR, clientRoots: true });
    const alice = { owner: 'alice', roots: async () => [{ uri: pathToFileURL(tmp.dir).toString(), name: 'work' }] };
    const mallory = { owner: 'mallory', roots: async () => [] };
    const aliceCollections = await corpus.collectionsFor(alice);
    const hits = await corpus.search('okapi', aliceCollections);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.path).toBe('work/plan.md');
    const malloryCollections = await corpus.collectionsFor(mallory);
    expect(await corpus.search('okapi', malloryCollections)).toEqual([]);
    expect(await corpus.read(hits[0]?.uri ?? '', malloryCollections)).toBeUndefined();
    expect((await corpus.read(hits[0]?.uri ?? '', aliceCollections))?.text).toContain('okapi');
  });

  it('ignores roots when they are disabled', async () => {
    const corpus = await index({ dir: SAMPLE_CORPUS_DIR, clientRoots: false });
    const collections = await corpus.collectionsFor({
      owner: 'a',
      roots: async () => [{ uri: pathToFileURL('/').toString() }],
    });
    expect(collections.map((c) => c.slug)).toEqual(['corpus']);
  });

  it('parses only well-formed document URIs', () => {
    expect(parseDocumentUri(documentUri('corpus', 'guides/a b.md'))).toEqual({
      slug: 'corpus',
      relPath: 'guides/a b.md',
    });
    expect(parseDocumentUri('research://documents/corpus/../secret.md')).toBeUndefined();
    expect(parseDocumentUri('research://documents/corpus/%2e%2e/secret.md')).toBeUndefined();
    expect(parseDocumentUri('file:///etc/passwd')).toBeUndefined();
  });
});
