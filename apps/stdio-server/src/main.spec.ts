// The stdio app as a desktop client runs it: a real child process, the SDK's StdioClientTransport, pure stdout.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const MAIN = path.resolve(__dirname, '../dist/main.js');

function run(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

describe('stdio-server', () => {
  it('serves an SDK client over real stdio', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MAIN],
      env: { ...process.env, DIAGNOSTIC_TOOLS: 'true' } as Record<string, string>,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'desktop', version: '1.0.0' });
    await client.connect(transport);
    expect(client.getServerVersion()?.name).toBe('openai-agent-mcp');
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('echo');
    expect((await client.callTool({ name: 'echo', arguments: { message: 'over stdio' } })).content).toEqual([
      { type: 'text', text: 'over stdio' },
    ]);
    await client.close();
  });

  it('keeps stdout pure MCP, answers garbage with errors, and exits 0 when stdin closes', async () => {
    const lines = [
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}',
      'this is not json',
      '{"jsonrpc":"2.0","id":2,"method":"does/not/exist"}',
      '{"jsonrpc":"2.0","id":3,"method":"ping"}',
    ];
    const { code, stdout } = await run([], { LOG_LEVEL: 'debug' }, `${lines.join('\n')}\n`);
    expect(code).toBe(0);
    // Every stdout line is a JSON-RPC message; replies may come in any order, as JSON-RPC allows.
    const messages = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(messages).toHaveLength(4);
    const byId = new Map(messages.map((m) => [m.id, m]));
    expect(byId.get(1).result.serverInfo.name).toBe('openai-agent-mcp');
    expect(byId.get(null).error.code).toBe(-32700);
    expect(byId.get(2).error.code).toBe(-32601);
    expect(byId.get(3).result).toEqual({});
  });

  it('prints help and exits 0', async () => {
    const { code, stdout } = await run(['--help'], {});
    expect(code).toBe(0);
    expect(stdout).toContain('LOG_LEVEL');
  });

  it('fails fast with a clear message on bad configuration', async () => {
    const { code, stderr, stdout } = await run([], { LOG_LEVEL: 'loud' }, '');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('LOG_LEVEL');
  });

  const listTools = [
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}',
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}',
    '',
  ].join('\n');

  it("keeps its compile cache in the user's cache directory (XDG_CACHE_HOME)", async () => {
    const cacheHome = await mkdtemp(path.join(tmpdir(), 'stdio-cache-'));
    try {
      const env = { XDG_CACHE_HOME: cacheHome, NODE_COMPILE_CACHE: '' };
      const { code } = await run([], env, listTools);
      expect(code).toBe(0);
      expect((await readdir(path.join(cacheHome, 'agent-mcp', 'node-compile-cache'))).length).toBeGreaterThan(0);
    } finally {
      await rm(cacheHome, { recursive: true, force: true });
    }
  });

  it('serves without a compile cache where no cache directory can be made', async () => {
    // Under /proc, a recursive mkdir (what Node's own cache set-up does) never returns.
    const { code, stdout } = await run(
      [],
      { XDG_CACHE_HOME: '/proc/agent-mcp-no-such-dir', NODE_COMPILE_CACHE: '' },
      listTools,
    );
    expect(code).toBe(0);
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual([1, 2]);
  });
});
