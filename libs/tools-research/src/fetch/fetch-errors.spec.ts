// The fetcher's error catalogue (README "Errors"): the codes in the README's table and in FETCH_ERROR_CODES are the
// same, both ways, and each class carries its code and its class name.
import { join } from 'node:path';
import { codeTable, readmeTable } from '@agent-mcp/context/testing';
import { FETCH_ERROR_CODES, FetchFailedError, FetchRefusedError, safeUrl } from './fetch-errors';

describe('fetch errors', () => {
  it('are the README table: code and class, both ways', () => {
    const thrown = [
      new FetchRefusedError('scheme', 'ftp', 'ftp://x/'),
      new FetchFailedError('timeout', 'slow', 'http://x/'),
    ];
    expect(codeTable(readmeTable(join(__dirname, '..', '..', 'README.md'), '## Errors'))).toEqual(
      Object.fromEntries(thrown.map((e) => [e.code, `\`${e.name}\``])),
    );
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
