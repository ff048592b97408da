// The official MCP Inspector's command line, as a user would run it, lists the tools of the real server.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '../dist/main.js');
const INSPECTOR_ROOT = path.dirname(require.resolve('@modelcontextprotocol/inspector/package.json'));
const INSPECTOR = path.join(
  INSPECTOR_ROOT,
  (require(`${INSPECTOR_ROOT}/package.json`) as { bin: Record<string, string> }).bin['mcp-inspector'],
);

function inspector(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [INSPECTOR, '--cli', ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe('MCP Inspector CLI', () => {
  it('lists the tools of http-server over Streamable HTTP', async () => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DIAGNOSTIC_TOOLS: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stderr = '';
        const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 10_000);
        child.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
          const m = /"url":"(http:\/\/[^"]+\/mcp)"/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      const listed = JSON.parse(await inspector([url, '--transport', 'http', '--method', 'tools/list'])) as {
        tools: Array<{ name: string }>;
      };
      expect(listed.tools.map((t) => t.name)).toContain('echo');
      const called = JSON.parse(
        await inspector([
          url,
          '--transport',
          'http',
          '--method',
          'tools/call',
          '--tool-name',
          'echo',
          '--tool-arg',
          'message=inspected',
        ]),
      );
      expect(called.structuredContent).toEqual({ message: 'inspected' });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
