// The fetcher's error catalogue (README "Errors"): the codes in the README's table and in FETCH_ERROR_CODES are the
// same, both ways, and each class carries its code and its class name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FETCH_ERROR_CODES, FetchFailedError, FetchRefusedError, safeUrl } from './fetch-errors';

function readmeTable(): Record<string, string> {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Errors'));
  const rows: Record<string, string> = {};
  for (const line of section.slice(0, section.indexOf('\n\n', section.indexOf('| code |'))).split('\n')) {
    const [, code, cls] = line.split('|').map((c) => c.trim());
    const name = /^`([A-Z_]+)`$/.exec(code ?? '')?.[1];
    if (name) rows[name] = cls ?? '';
  }
  return rows;
}

describe('fetch errors', () => {
  it('are the README table: code and class, both ways', () => {
    const thrown = [
      new FetchRefusedError('scheme', 'ftp', 'ftp://x/'),
      new FetchFailedError('timeout', 'slow', 'http://x/'),
    ];
    expect(readmeTable()).toEqual(Object.fromEntries(thrown.map((e) => [e.code, `\`${e.name}\``])));
    expect(thrown.map((e) => e.code).sort()).toEqual([...FETCH_ERROR_CODES].sort());
  });

  it('carry the rule or reason in data, and never the URL’s credentials or query in the message', () => {
    const refused = new FetchRefusedError('address_blocked', '10.0.0.1 is private', 'http://u:p@intranet/?token=s');
    expect(refused).toMatchObject({
      code: 'FETCH_REFUSED',
      rule: 'address_blocked',
      data: { rule: 'address_blocked' },
    });
    expect(refused.message).not.toMatch(/u:p|token=s/);
    expect(new FetchFailedError('http_status', 'HTTP 500', 'http://x/', { status: 500 }).data).toEqual({
      reason: 'http_status',
      status: 500,
    });
    expect(safeUrl('not a url')).toBe('"not a url"');
  });
});
