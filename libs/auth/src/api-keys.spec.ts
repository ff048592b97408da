// API keys: stored only as hashes, matched in constant time, reloaded when the file changes.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ApiKeyStore, createApiKeyStore, hashApiKey, loadApiKeysFile } from './api-keys';
import { AuthConfigError } from './decisions';

const dir = mkdtempSync(path.join(tmpdir(), 'auth-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function keysFile(keys: unknown): string {
  const file = path.join(dir, `keys-${++n}.json`);
  writeFileSync(file, JSON.stringify({ keys }));
  return file;
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('API key store', () => {
  let store: ApiKeyStore | undefined;
  afterEach(() => store?.close());

  it('maps a key to its principal, tenant and scopes', () => {
    store = createApiKeyStore({
      file: keysFile([{ id: 'ci-bot', hash: hashApiKey('k-1'), tenant: 'acme', scopes: ['tools:write'] }]),
      watch: false,
    });
    expect(store.lookup('k-1')).toEqual({ id: 'ci-bot', tenantId: 'acme', scopes: ['tools:write'], via: 'api_key' });
    expect(store.lookup('k-2')).toBeUndefined();
    expect(store.lookup('')).toBeUndefined();
  });

  it('refuses a disabled key', () => {
    store = createApiKeyStore({
      file: keysFile([{ id: 'old', hash: hashApiKey('k-old'), disabled: true }]),
      watch: false,
    });
    expect(store.lookup('k-old')).toBeUndefined();
  });

  it('picks up a replaced file without a restart', async () => {
    const file = keysFile([{ id: 'a', hash: hashApiKey('key-a') }]);
    const reloads: unknown[] = [];
    store = createApiKeyStore({ file, onReload: (r) => reloads.push(r) });
    expect(store.lookup('key-b')).toBeUndefined();
    // Write-then-rename, as editors and config management do.
    const next = `${file}.tmp`;
    writeFileSync(next, JSON.stringify({ keys: [{ id: 'b', hash: hashApiKey('key-b') }] }));
    renameSync(next, file);
    await until(() => store?.lookup('key-b')?.id === 'b');
    expect(store.lookup('key-a')).toBeUndefined();
  });

  it('keeps the previous keys when the new file is broken', async () => {
    const file = keysFile([{ id: 'a', hash: hashApiKey('key-a') }]);
    const errors: Error[] = [];
    store = createApiKeyStore({ file, onReload: (r) => 'error' in r && errors.push(r.error) });
    writeFileSync(file, '{ "keys": [ oops');
    await until(() => errors.length > 0);
    expect(errors[0]).toBeInstanceOf(AuthConfigError);
    expect(store.lookup('key-a')?.id).toBe('a');
  });
});

describe('loadApiKeysFile', () => {
  it('names the file and the field that is wrong', () => {
    const file = keysFile([{ id: 'x', hash: 'plaintext-key' }]);
    expect(() => loadApiKeysFile(file)).toThrow(/API_KEYS_FILE: .*keys\.0\.hash: must be "sha256:"/);
  });

  it('refuses a missing file and duplicate hashes', () => {
    expect(() => loadApiKeysFile(path.join(dir, 'none.json'))).toThrow(/cannot read .*ENOENT/);
    const dup = keysFile([
      { id: 'a', hash: hashApiKey('same') },
      { id: 'b', hash: hashApiKey('same') },
    ]);
    expect(() => loadApiKeysFile(dup)).toThrow(/appears twice/);
  });

  it('stores only SHA-256 hashes', () => {
    expect(hashApiKey('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
