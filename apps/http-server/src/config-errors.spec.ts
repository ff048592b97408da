// Issue 16, item 6: every configuration mistake stops the server with a non-zero status, whatever start-up had
// opened before the mistake was found (Redis clients, a watcher of the API keys file). Before, with REDIS_URL set,
// a bad POLICY_FILE or API_KEYS_FILE printed "Invalid configuration" and the process neither listened nor exited.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MAIN } from './spec-helpers/server-process';

const dir = mkdtempSync(path.join(tmpdir(), 'http-config-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: string) => {
  const at = path.join(dir, name);
  writeFileSync(at, content);
  return at;
};
const goodKeys = () => file('keys.json', JSON.stringify({ keys: [] }));

/** Starts the app with `env`; resolves with its exit status and stderr, or `hung` when it has not exited in time. */
function run(env: Record<string, string>): Promise<{ code: number | null | 'hung'; stderr: string }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => {
    // A bound for a loaded machine: the process exits as soon as it has read the file; a hang never does.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'hung', stderr });
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const REDIS = { REDIS_URL: 'redis://127.0.0.1:6379', RATE_LIMIT_KEY_PREFIX: `config-errors-${process.pid}:rl:` };

describe('a configuration mistake stops the server with status 2', () => {
  it.each([
    ['a POLICY_FILE that is not JSON', () => ({ POLICY_FILE: file('policy.json', '{ not json') })],
    ['a POLICY_FILE that does not exist', () => ({ POLICY_FILE: path.join(dir, 'missing-policy.json') })],
    [
      'an API_KEYS_FILE with a mistake',
      () => ({ AUTH_MODE: 'api-key', API_KEYS_FILE: file('bad-keys.json', '{"keys":[{"id":1}]}') }),
    ],
    [
      'a bad OAuth algorithm after the API keys file was opened and watched',
      () => ({
        AUTH_MODE: 'api-key,oauth',
        API_KEYS_FILE: goodKeys(),
        OAUTH_ISSUER: 'https://issuer.example',
        OAUTH_JWKS_URI: 'https://issuer.example/jwks',
        OAUTH_ALGORITHMS: 'HS256',
        PUBLIC_URL: 'http://127.0.0.1:1',
      }),
    ],
  ])(
    'with REDIS_URL and %s',
    async (_what, env) => {
      const { code, stderr } = await run({ ...REDIS, ...env() });
      expect(stderr).toContain('Invalid configuration');
      expect(code).toBe(2);
    },
    30_000,
  );
});
