// The auth library's error catalogue (README "Errors"): the codes in the README's table and AUTH_ERROR_CODES are
// the same, both ways, each with the class that raises it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthConfigError } from './decisions';
import { AUTH_ERROR_CODES, AuthError } from './errors';
import { IssuerDiscoveryError } from './issuer-metadata';

function readmeTable(): Record<string, string> {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Errors'));
  const rows: Record<string, string> = {};
  for (const line of section.slice(0, section.indexOf('\n\n', section.indexOf('| code |'))).split('\n')) {
    const [, code, cls] = line.split('|').map((c) => c.trim());
    const name = /^`([A-Z_]+)`$/.exec(code ?? '')?.[1];
    if (name) rows[name] = cls ?? '';
  }
  return rows;
}

describe('auth errors', () => {
  it('are the README table: code and class, both ways', () => {
    const raised: AuthError[] = [new AuthConfigError('POLICY_FILE: x'), new IssuerDiscoveryError('no metadata')];
    expect(readmeTable()).toEqual(Object.fromEntries(raised.map((e) => [e.code, `\`${e.name}\``])));
    expect(raised.map((e) => e.code).sort()).toEqual([...AUTH_ERROR_CODES].sort());
    for (const error of raised) expect(error).toBeInstanceOf(AuthError);
  });
});
