/** A source the agent read during one run. */
export interface ReadSource {
  /** The number the model cites it by, from 1. */
  readonly number: number;
  readonly title: string;
  /** The page's final URL or the document's resource URI. */
  readonly uri: string;
  /** Exactly the text the model was shown, against which quotes are checked. */
  readonly text: string;
}

/**
 * The sources one run actually read, numbered in reading order. Citations may only point here: a source is
 * entered when its text is handed to the model, never on the model's word.
 */
export class SourceLedger {
  private readonly byUri = new Map<string, ReadSource>();
  private readonly byNumber: ReadSource[] = [];

  /** Enters a source (or returns the one with the same URI, with the text seen extended) and returns it. */
  add(title: string, uri: string, text: string): ReadSource {
    const existing = this.byUri.get(uri);
    if (existing) {
      if (existing.text.includes(text)) return existing;
      const merged = { ...existing, text: `${existing.text}\n${text}` };
      this.byUri.set(uri, merged);
      this.byNumber[merged.number - 1] = merged;
      return merged;
    }
    const source = { number: this.byNumber.length + 1, title, uri, text };
    this.byUri.set(uri, source);
    this.byNumber.push(source);
    return source;
  }

  /**
   * Puts back a source as {@link add} returned it in an earlier process of the same run (a call replayed after a
   * crash): under its number, with its text; a later entry of the same source wins, as it would have.
   */
  restore(source: ReadSource): void {
    const { number, title, uri, text } = source;
    const entry = { number, title, uri, text };
    this.byUri.set(uri, entry);
    this.byNumber[number - 1] = entry;
  }

  get(number: number): ReadSource | undefined {
    return this.byNumber[number - 1];
  }

  get size(): number {
    return this.byNumber.length;
  }

  all(): readonly ReadSource[] {
    return this.byNumber;
  }
}
