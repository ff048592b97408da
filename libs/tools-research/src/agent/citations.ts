import { type SourceLedger } from './source-ledger';

/** A citation as the model proposes it. */
export interface ProposedCitation {
  readonly source: number;
  readonly quote: string;
}

/** A citation that survived checking, in the shape of the tool's output. */
export interface Citation {
  readonly title: string;
  readonly url_or_uri: string;
  readonly quote: string;
}

/** The answer with its checked citations, and what was dropped. */
export interface CheckedAnswer {
  readonly answer: string;
  readonly citations: Citation[];
  readonly notes: string[];
}

const normalise = (s: string) =>
  s
    .normalize('NFKC')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[«»*_`]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

const MIN_QUOTE = 8;

/**
 * Checks the model's citations against what the run read: the source number must be a source handed to the
 * model, and the quote must occur in its text (case, whitespace, typographic quotes and Markdown emphasis
 * ignored). Surviving citations are renumbered 1..n in order of first mention, markers in the answer are
 * rewritten to match, and markers of dropped citations are removed, each drop noted.
 */
export function checkCitations(
  answer: string,
  proposed: readonly ProposedCitation[],
  ledger: SourceLedger,
): CheckedAnswer {
  const notes: string[] = [];
  const verified = new Map<number, Citation>();
  for (const c of proposed) {
    if (verified.has(c.source)) continue;
    const source = ledger.get(c.source);
    if (!source) {
      notes.push(`Citation [${c.source}] was dropped: no source with that number was read in this run.`);
      continue;
    }
    const quote = c.quote.trim();
    if (normalise(quote).length < MIN_QUOTE || !normalise(source.text).includes(normalise(quote))) {
      notes.push(`Citation [${c.source}] (${source.title}) was dropped: its quote does not appear in the source.`);
      continue;
    }
    verified.set(c.source, { title: source.title, url_or_uri: source.uri, quote });
  }
  // Order by first mention in the answer; cited but never mentioned come last.
  const mentioned = [...answer.matchAll(/\[(\d{1,3})\]/g)].map((m) => Number(m[1]));
  const order = [...new Set([...mentioned.filter((n) => verified.has(n)), ...verified.keys()])];
  const renumber = new Map(order.map((n, i) => [n, i + 1]));
  const rewritten = answer
    .replace(/\[(\d{1,3})\]/g, (_m, n: string) => {
      const to = renumber.get(Number(n));
      return to === undefined ? '' : `[${to}]`;
    })
    .replace(/ +([.,;:])/g, '$1')
    .replace(/ {2,}/g, ' ')
    .trim();
  return { answer: rewritten, citations: order.flatMap((n) => verified.get(n) ?? []), notes };
}
