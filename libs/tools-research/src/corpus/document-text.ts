import path from 'node:path';
import { htmlToText } from '../html-text';

/** A document's searchable form. */
export interface DocumentText {
  readonly title: string;
  readonly text: string;
  /** Media type of the text served as the document's resource. */
  readonly mimeType: 'text/markdown' | 'text/plain';
}

/**
 * The title and text of a file: Markdown and text as they are (title from the first `#` heading or the first
 * line), HTML as the text a reader sees (title from `<title>`). The file name is the title of last resort.
 */
export function documentText(relPath: string, content: string): DocumentText {
  const ext = path.extname(relPath).toLowerCase();
  const fallback = path.basename(relPath);
  if (ext === '.html' || ext === '.htm') {
    const { title, text } = htmlToText(content);
    return { title: title || fallback, text, mimeType: 'text/plain' };
  }
  const text = content
    .replace(/^\uFEFF/, '')
    .replace(/\r\n/g, '\n')
    .trim();
  if (ext === '.md' || ext === '.markdown') {
    const heading = /^#\s+(.+?)\s*#*\s*$/m.exec(text)?.[1];
    return { title: (heading ?? fallback).slice(0, 300), text, mimeType: 'text/markdown' };
  }
  const firstLine = text.split('\n', 1)[0]?.trim() ?? '';
  return {
    title: (firstLine.length > 0 && firstLine.length <= 120 ? firstLine : fallback).slice(0, 300),
    text,
    mimeType: 'text/plain',
  };
}
