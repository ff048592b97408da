import { wrapUntrusted } from '@agent-mcp/agent-core';
import { CancelledError } from '@agent-mcp/mcp-core';
import { FetchFailedError, FetchRefusedError, safeUrl } from '../fetch/fetch-errors';
import { type GuardedFetcher } from '../fetch/guarded-fetch';
import { SourceLedger } from './source-ledger';

/** Most characters of one source shown to the model. */
export const SOURCE_CHARS = 16_000;
/** Longest source label in a fence's opening tag (a URL may be 2 KiB; the whole of it is inside the block). */
const LABEL_CHARS = 200;

/** What one research call has read so far, and how it reads more. */
export interface ResearchSources {
  readonly ledger: SourceLedger;
  /** What limited the answer, for the result's `notes`. */
  readonly notes: string[];
  readonly maxSources: number;
  /** Whether the depth's source budget is spent. */
  full(): boolean;
  /** Records a document as a numbered source and returns it as the model sees it (fenced). */
  add(title: string, location: string, text: string): string;
  /** Reads a page through the guarded fetcher and records it as {@link add} does. */
  fetchPage(url: string, signal: AbortSignal): Promise<string>;
}

/** Options of {@link createResearchSources}. */
export interface ResearchSourcesOptions {
  readonly fetcher: GuardedFetcher;
  readonly maxSources: number;
  /** Reports progress to the client (not awaited). */
  readonly progress: (message: string) => void;
}

/** The sources of one research call: a ledger of numbered sources, the notes, and the reading of pages. */
export function createResearchSources({ fetcher, maxSources, progress }: ResearchSourcesOptions): ResearchSources {
  const ledger = new SourceLedger();
  const record = (title: string, location: string, text: string) => {
    const shown = text.slice(0, SOURCE_CHARS);
    const source = ledger.add(title, location, shown);
    progress(`sources read: ${ledger.size} of at most ${maxSources}`);
    return { source, shown };
  };
  return {
    ledger,
    notes: [],
    maxSources,
    full: () => ledger.size >= maxSources,
    add: (title, location, text) => {
      const { source, shown } = record(title, location, text);
      return describeSource(source.number, title, location, shown, shown.length < text.length);
    },
    fetchPage: async (url, signal) => {
      const page = await fetcher.fetch(url, { signal });
      const { source, shown } = record(page.title || safeUrl(page.finalUrl), page.finalUrl, page.text);
      // A page read again keeps the title it was first read with.
      const truncated = page.truncated || shown.length < page.text.length;
      return describeSource(source.number, source.title, page.finalUrl, shown, truncated);
    },
  };
}

/**
 * Reads the pages the caller named, all at once, through the same guard as the model's picks. Returns each as the
 * model sees it; a page that could not be read becomes a note and a fenced line saying why.
 */
export async function readNamedPages(
  sources: ResearchSources,
  urls: readonly string[],
  signal: AbortSignal,
): Promise<string[]> {
  const preface: string[] = [];
  const results = await Promise.all(
    urls.map((url) =>
      sources.fetchPage(url, signal).then(
        (text) => ({ ok: true as const, text }),
        (error: unknown) => ({ ok: false as const, url, error }),
      ),
    ),
  );
  for (const r of results) {
    if (r.ok) preface.push(r.text);
    else {
      if (signal.aborted) throw new CancelledError('The research was cancelled.');
      const message =
        r.error instanceof FetchRefusedError || r.error instanceof FetchFailedError
          ? r.error.message
          : `Could not fetch ${safeUrl(r.url)}.`;
      sources.notes.push(message);
      // The message can name where the page redirected to, an address the page chose: fenced.
      preface.push(
        `Could not read ${safeUrl(r.url)}:\n${wrapUntrusted('fetch_url', message, 'the error of the fetch, which can quote addresses the page sent')}`,
      );
    }
  }
  return preface;
}

// Only the number stands outside the fence: titles and URLs come from the page too, and could carry instructions.
function describeSource(number: number, title: string, location: string, shown: string, truncated: boolean): string {
  return [
    `Source [${number}]${truncated ? ' (truncated)' : ''}:`,
    wrapUntrusted(
      location.slice(0, LABEL_CHARS),
      `Title: ${title}\nLocation: ${location}\n\n${shown}`,
      'content from a document or web page',
    ),
  ].join('\n');
}
