// Where the untrusted-data fences of `wrapUntrusted` lie in a text a model reads, so a test can prove that planted
// text reaches the model only inside one.

const OPENING = /<untrusted-data source="(?:[^"\\]|\\.)*" boundary="([0-9a-f]{16})">/g;

/** The spans `[start, end)` of the fenced blocks in `text`, from an opening tag to its closing tag. */
export function fencedSpans(text: string): ReadonlyArray<readonly [number, number]> {
  const spans: Array<readonly [number, number]> = [];
  for (const opening of text.matchAll(OPENING)) {
    const closing = `</untrusted-data boundary="${opening[1]}">`;
    const end = text.indexOf(closing, opening.index + opening[0].length);
    // An opening without its closing tag fences nothing: the text after it is not inside a block.
    if (end >= 0) spans.push([opening.index, end + closing.length]);
  }
  return spans;
}

/**
 * How many times `needle` occurs in `text` outside every untrusted-data fence: 0 when each occurrence was fenced.
 * The needle should be text a test planted, without fence tags of its own (a forged opening tag and its forged
 * closing tag, both with the same boundary, would look like a fence to this count).
 *
 * @example
 * expect(textOf(result)).toContain(planted);
 * expect(countUnfenced(textOf(result), planted)).toBe(0);
 */
export function countUnfenced(text: string, needle: string): number {
  if (!needle) throw new RangeError('countUnfenced needs a non-empty needle');
  const spans = fencedSpans(text);
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if (!spans.some(([start, end]) => at > start && at + needle.length < end)) count++;
  }
  return count;
}
