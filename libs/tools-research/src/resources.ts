import { principalKey } from '@agent-mcp/context';
import { type HandlerContext, NotFoundError, type ResourceRegistry } from '@agent-mcp/mcp-core';
import { type CorpusChange, type CorpusIndex, documentUri } from './corpus/corpus-index';

/** URI of the list of documents. */
export const DOCUMENTS_URI = 'research://documents';
/** URI template of one document. */
export const DOCUMENT_URI_TEMPLATE = 'research://documents/{collection}/{+path}';

// Resource calls do not ask the client for its roots (a list must stay cheap): they see the roots that the
// caller's last research call saw.
const collectionsOf = (corpus: CorpusIndex, ctx: HandlerContext) =>
  corpus.collectionsFor({ owner: principalKey(ctx.principal), roots: () => ctx.roots() }, { askRoots: false });

/**
 * The corpus as MCP resources, so a client can open a cited document: `research://documents` (every document
 * the caller may read, with title, path and URI) and `research://documents/{collection}/{+path}` (the text
 * that was indexed and cited). A caller reads the configured folder and only its own roots. Each re-index that
 * changes documents is told to the registry ({@link announceCorpusChange}), so listeners hear of it.
 */
export function registerDocumentResources(resources: ResourceRegistry, corpus: CorpusIndex): void {
  corpus.onChange((change) => announceCorpusChange(resources, change));
  resources.register({
    uri: DOCUMENTS_URI,
    name: 'research-documents',
    metadata: {
      title: 'Research documents',
      description: 'The documents the research tool searches and cites, each with the URI that reads it.',
      mimeType: 'application/json',
    },
    read: async (ctx) =>
      JSON.stringify({ documents: await corpus.list(await collectionsOf(corpus, ctx), ctx.signal) }, null, 2),
  });
  resources.registerTemplate({
    uriTemplate: DOCUMENT_URI_TEMPLATE,
    name: 'research-document',
    metadata: {
      title: 'Research document',
      description: 'The text of one document of the research corpus, as indexed and cited.',
    },
    list: async (ctx) =>
      (await corpus.list(await collectionsOf(corpus, ctx), ctx.signal)).map((d) => ({
        uri: d.uri,
        name: d.path,
        title: d.title,
        mimeType: d.mimeType,
        size: d.size,
      })),
    read: async (uri, _vars, ctx) => {
      const doc = await corpus.read(uri, await collectionsOf(corpus, ctx), ctx.signal);
      if (!doc) throw new NotFoundError('resource', uri);
      return [{ uri: doc.uri, mimeType: doc.mimeType, text: doc.text }];
    },
  });
}

/**
 * What a re-index changed, as resource changes: `notifications/resources/updated` for each document whose content
 * changed or that is gone (a client subscribes to documents that exist, so a new one has no subscriber yet) and,
 * for the configured folder, `research://documents` updated and `list_changed` when documents came or went. A
 * client root's documents are one caller's: their list changes are not told to everyone listening, which would
 * tell every listener when another caller's files change.
 */
export function announceCorpusChange(resources: ResourceRegistry, change: CorpusChange): void {
  const { collection } = change;
  for (const relPath of [...change.updated, ...change.removed])
    resources.notifyUpdated(documentUri(collection.slug, relPath));
  if (collection.slug !== 'corpus') return;
  resources.notifyUpdated(DOCUMENTS_URI);
  if (change.added.length > 0 || change.removed.length > 0) resources.notifyListChanged();
}
