import { wrapUntrusted } from '@agent-mcp/agent-core';
import { CancelledError } from '@agent-mcp/mcp-core';
import { FetchFailedError, FetchRefusedError, safeUrl } from '../fetch/fetch-errors';
import { type FetchedPage, type GuardedFetcher } from '../fetch/guarded-fetch';
import { type ReadSource, SourceLedger } from './source-ledger';

/** Most characters of one source shown to the model. */
export const SOURCE_CHARS = 16_000;
/** Longest source label in a fence's opening tag (a URL may be 2 KiB; the whole of it is inside the block). */
const LABEL_CHARS = 200;

/**
 * What a tool call of the agent changed in the sources, kept with its step (`ToolContext.keep`): a call replayed
 * from the record of a run resumed after a crash does not run again, and {@link ResearchSources.restore} puts this
 * back, so a citation of a page read before the crash is checked against it as in the uninterrupted run.
 */
export interface ResearchChange {
  /** The source as the ledger holds it after the call. */
  readonly source?: ReadSource;
  /** A note for the result. */
  readonly note?: string;
}

/** Where a tool call keeps what it changed (its `ToolContext.keep`). */
export type KeepChange = (change: ResearchChange) => void;

/** What one research call has read so far, and how it reads more. */
export interface ResearchSources {
  readonly ledger: SourceLedger;
  /** What limited the answer, for the result's `notes`. */
  readonly notes: string[];
  readonly maxSources: number;
  /** Whether the depth's source budget is spent. */
  full(): boolean;
  /** Records a document as a numbered source and returns it as the model sees it (fenced). */
  add(title: string, location: string, text: string, keep?: KeepChange): string;
  /** Reads a page through the guarded fetcher, recording nothing yet. */
  read(url: string, signal: AbortSignal): Promise<FetchedPage>;
  /** Records a page read through the guarded fetcher as {@link add} does. */
  addPage(page: FetchedPage, keep?: KeepChange): string;
  /** Reads a page through the guarded fetcher and records it as {@link add} does. */
  fetchPage(url: string, signal: AbortSignal, keep?: KeepChange): Promise<string>;
  /** Adds a note, kept with the call's step when `keep` is given. */
  note(message: string, keep?: KeepChange): void;
  /** Puts back what a replayed call kept (see {@link ResearchChange}). */
  restore(change: ResearchChange): void;
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
  const notes: string[] = [];
  const record = (title: string, location: string, text: string, keep: KeepChange | undefined) => {
    const shown = text.slice(0, SOURCE_CHARS);
    const source = ledger.add(title, location, shown);
    keep?.({ source });
    progress(`sources read: ${ledger.size} of at most ${maxSources}`);
    return { source, shown };
  };
  const addPage = (page: FetchedPage, keep?: KeepChange) => {
    const { source, shown } = record(page.title || safeUrl(page.finalUrl), page.finalUrl, page.text, keep);
    // A page read again keeps the title it was first read with.
    const truncated = page.truncated || shown.length < page.text.length;
    return describeSource(source.number, source.title, page.finalUrl, shown, truncated);
  };
  return {
    ledger,
    notes,
    maxSources,
    full: () => ledger.size >= maxSources,
    add: (title, location, text, keep) => {
      const { source, shown } = record(title, location, text, keep);
      return describeSource(source.number, title, location, shown, shown.length < text.length);
    },
    read: (url, signal) => fetcher.fetch(url, { signal }),
    addPage,
    fetchPage: async (url, signal, keep) => addPage(await fetcher.fetch(url, { signal }), keep),
    note: (message, keep) => {
      notes.push(message);
      keep?.({ note: message });
    },
    restore: ({ source, note }) => {
      if (source) ledger.restore(source);
      if (note !== undefined) notes.push(note);
    },
  };
}

/**
 * Reads the pages the caller named, all at once, through the same guard as the model's picks. Returns each as the
 * model sees it; a page that could not be read becomes a note and a fenced line saying why. Numbered in the order
 * named, not the order read: a run resumed after a crash reads them again, and its recorded turns cite them.
 */
export async function readNamedPages(
  sources: ResearchSources,
  urls: readonly string[],
  signal: AbortSignal,
): Promise<string[]> {
  const preface: string[] = [];
  const results = await Promise.all(
    urls.map((url) =>
      sources.read(url, signal).then(
        (page) => ({ ok: true as const, page }),
        (error: unknown) => ({ ok: false as const, url, error }),
      ),
    ),
  );
  for (const r of results) {
    if (r.ok) preface.push(sources.addPage(r.page));
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
