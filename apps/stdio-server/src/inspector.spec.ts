// The official MCP Inspector's command line, as a user would run it, lists the tools of the stdio server.
import { execFile } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '../dist/main.js');
const INSPECTOR_ROOT = path.dirname(require.resolve('@modelcontextprotocol/inspector/package.json'));
const INSPECTOR = path.join(
  INSPECTOR_ROOT,
  (require(`${INSPECTOR_ROOT}/package.json`) as { bin: Record<string, string> }).bin['mcp-inspector'],
);

describe('MCP Inspector CLI', () => {
  it('lists the tools of stdio-server', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [INSPECTOR, '--cli', '-e', 'DIAGNOSTIC_TOOLS=true', process.execPath, MAIN, '--method', 'tools/list'],
        { timeout: 30_000 },
        (error, out, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(out)),
      );
    });
    expect((JSON.parse(stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).toContain('echo');
  });
});
