// The auth library's error catalogue (README "Errors"): the codes in the README's table and AUTH_ERROR_CODES are
// the same, both ways, each with the class that raises it.
import { join } from 'node:path';
import { codeTable, readmeTable } from '@agent-mcp/context/testing';
import { AuthConfigError } from './decisions';
import { AUTH_ERROR_CODES, AuthError } from './errors';
import { IssuerDiscoveryError } from './issuer-metadata';

describe('auth errors', () => {
  it('are the README table: code and class, both ways', () => {
    const raised: AuthError[] = [new AuthConfigError('POLICY_FILE: x'), new IssuerDiscoveryError('no metadata')];
    expect(codeTable(readmeTable(join(__dirname, '..', 'README.md'), '## Errors'))).toEqual(
      Object.fromEntries(raised.map((e) => [e.code, `\`${e.name}\``])),
    );
    expect(raised.map((e) => e.code).sort()).toEqual([...AUTH_ERROR_CODES].sort());
    for (const error of raised) expect(error).toBeInstanceOf(AuthError);
  });
});
