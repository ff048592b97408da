// subscriptions/listen over real stdio (MCP 2026-07-28): the built app as a child process, the SDK v2 client pinned
// to 2026-07-28. The client opens a listen stream with no initialize, calls go on beside it on the one stdout, and
// when the process is told to stop (SIGTERM) the stream ends gracefully, with the listen request's result, before
// the process exits.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

jest.setTimeout(60_000);

const MAIN = path.resolve(__dirname, '../dist/main.js');

let dataHome: string;
beforeAll(async () => {
  dataHome = await mkdtemp(path.join(tmpdir(), 'stdio-listen-'));
});
afterAll(async () => {
  await rm(dataHome, { recursive: true, force: true });
});

it('opens a listen stream beside calls, and ends it gracefully when the process stops', async () => {
  const env = { ...process.env, XDG_DATA_HOME: dataHome, OPENAI_API_KEY: '', LOG_LEVEL: 'error' } as Record<
    string,
    string
  >;
  delete env['DATABASE_URL'];
  const client = new Client(
    { name: 'desktop-v2', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const transport = new StdioClientTransport({ command: process.execPath, args: [MAIN], env, stderr: 'pipe' });
  await client.connect(transport);
  try {
    expect(client.getProtocolEra()).toBe('modern');
    expect(client.getServerCapabilities()).toMatchObject({
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
    });
    const subscription = await client.listen({ toolsListChanged: true, resourceSubscriptions: ['db://tables'] });
    expect(subscription.honoredFilter).toEqual({ toolsListChanged: true, resourceSubscriptions: ['db://tables'] });
    // The stream shares stdout with ordinary calls, which go on while it is open.
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    process.kill(transport.pid as number, 'SIGTERM');
    expect(await subscription.closed).toBe('graceful');
  } finally {
    await client.close();
  }
});
