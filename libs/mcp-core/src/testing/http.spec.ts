import { createTestServer, serveOverHttp } from './index';

describe('serveOverHttp', () => {
  it('answers MCP at /mcp and 404 elsewhere until closed', async () => {
    const served = await serveOverHttp(createTestServer());
    const post = (path: string) =>
      fetch(new URL(path, served.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
        }),
      });
    try {
      const answer = await post('/mcp');
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe(
        '2025-11-25',
      );
      expect((await post('/other')).status).toBe(404);
    } finally {
      await served.close();
    }
    await expect(post('/mcp')).rejects.toThrow();
  });
});
