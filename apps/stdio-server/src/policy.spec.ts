// The stdio app applies the same policy stages as the HTTP server to its one local caller (issue 14, item 1): a
// tool the POLICY_FILE switches off is neither listed nor callable, and a mistake in the file stops the server.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const MAIN = path.resolve(__dirname, '../dist/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'stdio-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('hides and refuses a tool the POLICY_FILE switches off', async () => {
  const policy = path.join(dir, 'policy.json');
  writeFileSync(policy, JSON.stringify({ tools: { echo: { enabled: false } } }));
  const client = new Client({ name: 'desktop', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [MAIN],
      env: { ...process.env, DIAGNOSTIC_TOOLS: 'true', POLICY_FILE: policy } as Record<string, string>,
      stderr: 'pipe',
    }),
  );
  try {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('thread_list');
    expect(names).not.toContain('echo');
    await expect(client.callTool({ name: 'echo', arguments: { message: 'hi' } })).rejects.toThrow();
  } finally {
    await client.close();
  }
}, 30_000);

it('exits with status 2 on a POLICY_FILE with a mistake', () => {
  const policy = path.join(dir, 'bad-policy.json');
  writeFileSync(policy, JSON.stringify({ tools: { echo: { enabld: false } } }));
  const result = spawnSync(process.execPath, [MAIN], {
    env: { ...process.env, POLICY_FILE: policy },
    input: '',
    encoding: 'utf8',
    timeout: 15_000,
  });
  expect(result.status).toBe(2);
  expect(result.stderr).toContain('Invalid configuration');
  expect(result.stderr).toContain('POLICY_FILE');
});
