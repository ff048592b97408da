// The authenticate stage's credential check: API keys from the file AUTH_MODE names, OAuth verifiers built only
// when asked for (the audience may be known only after listen) or at once when the audience is configured.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { noopLogger } from '@agent-mcp/context';
import { authSettingsShape } from './auth-settings';
import { createCredentialCheck } from './credential-check';

const settings = (env: Record<string, string>) => z.object(authSettingsShape()).parse(env);
const logger = noopLogger;
const location = { resource: () => 'http://127.0.0.1:1/mcp' };

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'credential-check-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('accepts a key from the API keys file and refuses another', async () => {
  const file = join(dir, 'keys.json');
  const hash = `sha256:${createHash('sha256').update('k-123456789012345678901234').digest('hex')}`;
  writeFileSync(file, JSON.stringify({ keys: [{ id: 'ci-bot', hash, tenant: 'acme', scopes: [] }] }));
  const check = createCredentialCheck(settings({ AUTH_MODE: 'api-key', API_KEYS_FILE: file }), location, logger);
  try {
    const ok = await check.authenticator().authenticate({ authorization: 'Bearer k-123456789012345678901234' });
    expect(ok).toMatchObject({
      outcome: 'authenticated',
      principal: { id: 'ci-bot', tenantId: 'acme', via: 'api_key' },
    });
    const refused = await check.authenticator().authenticate({ authorization: 'Bearer k-000000000000000000000000' });
    expect(refused.outcome).toBe('invalid');
    expect(await check.authenticator().authenticate({})).toMatchObject({ outcome: 'missing' });
  } finally {
    check.close();
  }
});

it('with OAuth and a configured audience, a bad algorithm list fails at once', () => {
  const env = { AUTH_MODE: 'oauth', OAUTH_ISSUER: 'https://issuer.example', OAUTH_AUDIENCE: 'mcp' };
  expect(() => createCredentialCheck(settings({ ...env, OAUTH_ALGORITHMS: 'none' }), location, logger)).toThrow();
});

it('with OAuth and no audience yet, builds nothing until first asked', () => {
  let asked = 0;
  const later = { resource: () => (asked++, 'http://127.0.0.1:1/mcp') };
  const env = { AUTH_MODE: 'oauth', OAUTH_ISSUER: 'https://issuer.example' };
  const check = createCredentialCheck(settings(env), later, logger);
  expect(asked).toBe(0);
  check.authenticator();
  expect(asked).toBe(1);
});
