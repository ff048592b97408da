// Citations are checked against the text the run read, renumbered in order of mention, and the rest dropped.
import { checkCitations } from './citations';
import { SourceLedger } from './source-ledger';

function ledger() {
  const l = new SourceLedger();
  l.add('Tides', 'https://a.example/tides', 'Spring tides happen near full and new moons.\nNeap tides are weaker.');
  l.add('Moons', 'research://documents/corpus/moons.md', 'The Moon’s orbit takes   27.3 days.');
  return l;
}

describe('checkCitations', () => {
  it('keeps a citation whose quote occurs in its source, ignoring case, spacing and typographic quotes', () => {
    const out = checkCitations(
      'It takes 27.3 days [2].',
      [{ source: 2, quote: "the moon's orbit takes 27.3 DAYS" }],
      ledger(),
    );
    expect(out.citations).toEqual([
      { title: 'Moons', url_or_uri: 'research://documents/corpus/moons.md', quote: "the moon's orbit takes 27.3 DAYS" },
    ]);
    expect(out.answer).toBe('It takes 27.3 days [1].');
    expect(out.notes).toEqual([]);
  });

  it('renumbers citations in order of first mention', () => {
    const out = checkCitations(
      'Orbits [2], tides [1], orbits again [2].',
      [
        { source: 1, quote: 'Neap tides are weaker' },
        { source: 2, quote: 'orbit takes 27.3 days' },
      ],
      ledger(),
    );
    expect(out.answer).toBe('Orbits [1], tides [2], orbits again [1].');
    expect(out.citations.map((c) => c.title)).toEqual(['Moons', 'Tides']);
  });

  it('drops quotes not in the source, sources never read and too-short quotes, and removes their markers', () => {
    const out = checkCitations(
      'Tides follow the sun [1]. Aliens [7]. Short [2].',
      [
        { source: 1, quote: 'tides follow the sun' },
        { source: 7, quote: 'anything at all here' },
        { source: 2, quote: 'The' },
      ],
      ledger(),
    );
    expect(out.citations).toEqual([]);
    expect(out.answer).toBe('Tides follow the sun. Aliens. Short.');
    expect(out.notes).toHaveLength(3);
  });
});
