import { type compile as Compile } from 'html-to-text';
import { loadDependency } from './load-dependency';

/** Readable text of an HTML page and its title. */
export interface HtmlText {
  /** `<title>` (or the first `<h1>`), whitespace collapsed; empty when the page has neither. */
  readonly title: string;
  readonly text: string;
}

type Converter = (html: string) => string;
let converters: { body: Converter; title: Converter; heading: Converter } | undefined;

// Elements whose content is never prose a reader sees.
const SKIPPED = [
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'math',
  'iframe',
  'object',
  'embed',
  'canvas',
  'head',
  'nav',
  'form',
  'button',
  'select',
];

function load() {
  if (converters) return converters;
  const { compile } = loadDependency<{ compile: typeof Compile }>('html-to-text');
  const headings = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
    selector,
    options: { uppercase: false },
  }));
  converters = {
    body: compile({
      wordwrap: false,
      selectors: [
        ...SKIPPED.map((selector) => ({ selector, format: 'skip' })),
        ...headings,
        { selector: 'img', format: 'skip' },
        { selector: 'a', options: { ignoreHref: true } },
        { selector: 'table', format: 'dataTable' },
      ],
    }),
    title: compile({ wordwrap: false, baseElements: { selectors: ['title'] }, returnDomByDefault: false }),
    heading: compile({
      wordwrap: false,
      baseElements: { selectors: ['h1'] },
      returnDomByDefault: false,
      selectors: [{ selector: 'h1', options: { uppercase: false } }],
    }),
  };
  return converters;
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Extracts what a reader of the page sees: scripts, styles, templates, navigation and forms dropped,
 * headings and lists kept as lines, the title kept apart. Link targets are left out: the model is told to
 * fetch pages it names, not ones a page points it to with hidden text.
 */
export function htmlToText(html: string): HtmlText {
  const c = load();
  const title = collapse(c.title(html)).slice(0, 300) || collapse(c.heading(html).split('\n')[0] ?? '').slice(0, 300);
  const text = c
    .body(html)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { title, text };
}
