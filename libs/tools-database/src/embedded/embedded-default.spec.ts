// With no DATABASE_URL the tools answer from the embedded sample database with no setup, as a new user
// running `npm start` gets them.
import { createDatabaseTools } from '../create-database-tools';
import { connectPipeClient, testServer, textOf } from '../spec-helpers/mcp-client';

jest.setTimeout(180_000);

it('serves sql_query and the schema from the embedded sample database, as a least-privileged role', async () => {
  const tools = createDatabaseTools({ env: {}, embedded: { standby: false } });
  expect(tools.engine.kind).toBe('embedded');
  const server = testServer();
  tools.register(server);
  const client = await connectPipeClient(server);
  try {
    expect(await tools.start()).toEqual({ role: 'mcp_readonly', problems: [] });
    const result = await client.callTool('sql_query', {
      sql: `SELECT c.country, count(DISTINCT c.id) AS customers, sum(o.total) AS revenue
            FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.status = 'delivered'
            GROUP BY c.country ORDER BY revenue DESC LIMIT 3`,
    });
    expect(result['isError']).toBeUndefined();
    expect(result['structuredContent']).toMatchObject({ rowCount: 3, truncated: false, rows: [{ country: expect.any(String), customers: expect.any(Number), revenue: expect.any(Number) }, {}, {}] });
    expect(textOf(result)).toContain('| country | customers | revenue |');
    const tables = (await client.request('resources/read', { uri: 'db://tables' })).result as { contents: Array<{ text: string }> };
    expect(JSON.parse(tables.contents[0].text).tables.map((t: { name: string }) => t.name)).toEqual(['customers', 'order_items', 'orders', 'products', 'support_tickets']);
  } finally {
    await client.close();
    await tools.close();
  }
});
