// What a re-index of the corpus tells the MCP resource registry (and so the listen streams): the documents whose
// content changed or that are gone, the document list of the configured folder, and list_changed when documents
// came or went; a client root's changes name only its own documents.
import { type ResourceChange, ResourceRegistry } from '@agent-mcp/mcp-core';
import { type Collection } from './corpus/corpus-index';
import { announceCorpusChange, DOCUMENTS_URI } from './resources';

const corpus: Collection = { key: 'corpus:1', slug: 'corpus', dir: '/srv/docs', label: 'corpus' };
const root: Collection = { key: 'root:2', slug: 'root-0123456789ab', dir: '/home/alice/work', label: 'work' };

function recorded(): { registry: ResourceRegistry; changes: ResourceChange[] } {
  const registry = new ResourceRegistry();
  const changes: ResourceChange[] = [];
  registry.onChange((change) => changes.push(change));
  return { registry, changes };
}

it('tells of changed and removed documents, the document list, and that the list changed', () => {
  const { registry, changes } = recorded();
  announceCorpusChange(registry, { collection: corpus, added: ['new.md'], updated: ['a b.md'], removed: ['old.md'] });
  expect(changes).toEqual([
    { kind: 'updated', uri: 'research://documents/corpus/a%20b.md' },
    { kind: 'updated', uri: 'research://documents/corpus/old.md' },
    { kind: 'updated', uri: DOCUMENTS_URI },
    { kind: 'list_changed' },
  ]);
});

it('tells of a changed document and the document list, but no list change, when no document came or went', () => {
  const { registry, changes } = recorded();
  announceCorpusChange(registry, { collection: corpus, added: [], updated: ['guides/a.md'], removed: [] });
  expect(changes).toEqual([
    { kind: 'updated', uri: 'research://documents/corpus/guides/a.md' },
    { kind: 'updated', uri: DOCUMENTS_URI },
  ]);
});

it("names only a client root's own documents, never a list change every listener would hear", () => {
  const { registry, changes } = recorded();
  announceCorpusChange(registry, { collection: root, added: ['plan.md'], updated: ['notes.md'], removed: [] });
  expect(changes).toEqual([{ kind: 'updated', uri: 'research://documents/root-0123456789ab/notes.md' }]);
});
