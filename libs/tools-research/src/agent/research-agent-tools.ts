import { z } from 'zod';
import { type Tool, tool, webSearchTool, wrapUntrusted } from '@agent-mcp/agent-core';
import { type Collection, type CorpusIndex } from '../corpus/corpus-index';
import { FetchRefusedError } from '../fetch/fetch-errors';
import { type ResearchChange, type ResearchSources } from './research-sources';

/** What the research agent may use in one call. */
export interface ResearchToolChoice {
  /** The document index and the collections the caller may search; documents are offered when both are there. */
  readonly corpus: CorpusIndex | undefined;
  readonly collections: readonly Collection[];
  /** Whether pages may be read by URL. */
  readonly fetchUrls: boolean;
  /** Whether the hosted web search tool is offered. */
  readonly webSearch: boolean;
}

/** The research agent's tools: document search and reading, page reading, hosted web search, as `choice` allows. */
export function researchAgentTools(sources: ResearchSources, choice: ResearchToolChoice): Tool[] {
  const tools: Tool[] = [];
  const spent = `You have read ${sources.maxSources} sources, the most for this depth: write the answer now.`;
  const { corpus, collections } = choice;
  // A call keeps what it read (or noted) with its step, so a replay after a crash puts it back in the ledger.
  const restore = (kept: unknown) => sources.restore(kept as ResearchChange);
  if (collections.length > 0 && corpus) {
    tools.push(
      tool({
        name: 'search_documents',
        description:
          'Full-text search over the local documents. Returns titles, URIs and snippets (matches in «»). Use a few keywords.',
        parameters: z.object({ query: z.string().min(1).max(500) }),
        execute: async ({ query }, { signal }) => {
          const hits = await corpus.search(query, collections, { limit: 8, signal });
          if (hits.length === 0) return 'No document matches; try other keywords.';
          return wrapUntrusted(
            'search_documents',
            hits.map((h) => `- ${h.title} — ${h.uri}\n  ${h.snippet.replace(/\s+/g, ' ')}`).join('\n'),
            'content from documents',
          );
        },
      }),
      tool({
        name: 'read_document',
        description:
          'Reads a local document by the URI search_documents gave. Its text becomes a numbered source you can cite.',
        parameters: z.object({ uri: z.string().min(1).max(2048) }),
        execute: async ({ uri }, { signal, keep }) => {
          const doc = await corpus.read(uri, collections, signal);
          if (!doc) return `No readable document has the URI ${JSON.stringify(uri)}; use a URI from search_documents.`;
          if (sources.full() && !sources.ledger.all().some((s) => s.uri === doc.uri)) return spent;
          return sources.add(doc.title, doc.uri, doc.text, keep);
        },
        restore,
      }),
    );
  }
  if (choice.fetchUrls) {
    tools.push(
      tool({
        name: 'fetch_url',
        description:
          'Reads a public web page (http or https) as text. Its text becomes a numbered source you can cite.',
        parameters: z.object({ url: z.string().min(1).max(2048) }),
        execute: async ({ url }, { signal, keep }) => {
          if (sources.full()) return spent;
          try {
            return await sources.fetchPage(url, signal, keep);
          } catch (error) {
            if (error instanceof FetchRefusedError) sources.note(error.message, keep);
            throw error;
          }
        },
        restore,
      }),
    );
  }
  if (choice.webSearch) tools.push(webSearchTool({ searchContextSize: 'medium' }));
  return tools;
}
