// The stdio app speaks both revisions in one process, checked with real clients over real stdio (the conformance
// suite has no stdio runner): the SDK v2 client pinned to 2026-07-28 and in `auto` mode lists and calls tools with
// no initialize, and the SDK v1 client opens a 2025-11-25 session on the same binary.
import path from 'node:path';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';

const MAIN = path.resolve(__dirname, '../dist/main.js');

function appEnv(): Record<string, string> {
  const env = { ...process.env, DIAGNOSTIC_TOOLS: 'true' } as Record<string, string>;
  delete env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  return env;
}

type Negotiation = NonNullable<ConstructorParameters<typeof ClientV2>[1]>['versionNegotiation'];

describe('the stdio app with both protocol revisions', () => {
  it.each([
    ['pinned to 2026-07-28', { mode: { pin: '2026-07-28' } }],
    ['in auto mode', { mode: 'auto' }],
  ] as Array<[string, Negotiation]>)(
    'the SDK v2 client %s lists and calls tools without initialize',
    async (_name, versionNegotiation) => {
      const client = new ClientV2({ name: 'desktop-v2', version: '1.0.0' }, { versionNegotiation });
      await client.connect(new StdioV2({ command: process.execPath, args: [MAIN], env: appEnv(), stderr: 'pipe' }));
      try {
        expect(client.getProtocolEra()).toBe('modern');
        expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
        const { tools } = await client.listTools();
        const names = tools.map((t) => t.name);
        expect(names).toContain('echo');
        expect(names).toEqual([...names].sort());
        const result = await client.callTool({ name: 'echo', arguments: { message: 'both eras' } });
        expect(result.structuredContent).toEqual({ message: 'both eras' });
      } finally {
        await client.close();
      }
    },
    60_000,
  );

  it('the SDK v1 client opens a 2025-11-25 session on the same binary', async () => {
    const client = new ClientV1({ name: 'desktop-v1', version: '1.0.0' });
    await client.connect(new StdioV1({ command: process.execPath, args: [MAIN], env: appEnv(), stderr: 'pipe' }));
    try {
      expect(client.getServerVersion()?.name).toEqual(expect.any(String));
      const result = await client.callTool({ name: 'echo', arguments: { message: 'legacy' } });
      expect(result.structuredContent).toEqual({ message: 'legacy' });
    } finally {
      await client.close();
    }
  }, 60_000);
});
