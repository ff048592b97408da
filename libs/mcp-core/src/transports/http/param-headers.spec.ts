// 2026-07-28 over HTTP: a tool parameter marked `x-mcp-header` must come in its `Mcp-Param-<name>` header too,
// equal to the body's value (literal, or valid Base64 in `=?base64?...?=`), else 400 with -32020; and a tool may
// advertise a JSON Schema 2020-12 input schema of its own, kept as given in tools/list.
import { z } from 'zod';
import { JsonRpcErrorCode } from '../../errors';
import { type HttpFixture, startHttp, testServer } from '../../spec-helpers/clients';
import { postModern } from '../../testing/modern-requests';
import { defineTool } from '../../tool';

async function call(f: HttpFixture, args: Record<string, unknown>, headers: Record<string, string>) {
  const { status, body } = await postModern(f.url, {
    method: 'tools/call',
    name: 'lookup',
    params: { name: 'lookup', arguments: args },
    headers,
  });
  return { status, body };
}

describe('Mcp-Param headers and advertised JSON Schemas', () => {
  let f: HttpFixture;
  const advertised = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object' as const,
    $defs: { code: { $anchor: 'codeDef', type: 'string' } },
    properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, code: { $ref: '#/$defs/code' } },
    if: { required: ['code'] },
    then: { properties: { code: { minLength: 2 } } },
    else: {},
    additionalProperties: false,
  };

  beforeAll(async () => {
    const server = testServer();
    server.tools.register(
      defineTool({
        name: 'lookup',
        description: 'looks a region up',
        inputSchema: z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }), code: z.string().optional() }),
        execute: ({ region }) => `region ${region}`,
      }),
    );
    server.tools.register(
      defineTool({
        name: 'advertised',
        description: 'advertises its own schema',
        inputSchema: z.object({ region: z.string(), code: z.string().min(2).optional() }).strict(),
        inputJsonSchema: advertised,
        execute: () => 'ok',
      }),
    );
    f = await startHttp(server);
  });
  afterAll(() => f.close());

  it('serves a call whose header carries the value, literally or in valid Base64', async () => {
    for (const value of ['Europe', `=?base64?${Buffer.from('Europe').toString('base64')}?=`]) {
      const reply = await call(f, { region: 'Europe' }, { 'mcp-param-region': value });
      expect(reply.body).toMatchObject({ result: { content: [{ text: 'region Europe' }] } });
    }
  });

  it.each([
    ['missing', {}],
    ['different', { 'mcp-param-region': 'Asia' }],
    ['badly padded Base64', { 'mcp-param-region': '=?base64?RXVyb3B?=' }],
    ['Base64 with a character outside the alphabet', { 'mcp-param-region': '=?base64?RXV!b3Bl?=' }],
  ])('refuses a header that is %s with 400 and -32020', async (_name, headers) => {
    const reply = await call(f, { region: 'Europe' }, headers);
    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe(JsonRpcErrorCode.HeaderMismatch);
  });

  it('lists an advertised JSON Schema 2020-12 as given, and validates with the zod schema', async () => {
    const { body } = await postModern<{ result: { tools: Array<{ name: string; inputSchema: unknown }> } }>(f.url, {
      method: 'tools/list',
    });
    const tool = body.result.tools.find((t: { name: string }) => t.name === 'advertised');
    expect(tool?.inputSchema).toEqual(advertised);
    expect(f.handler).toBeDefined();
    const server = testServer();
    server.tools.register(
      defineTool({
        name: 'strict',
        description: 'advertises its own schema',
        inputSchema: z.object({ code: z.string().min(2) }).strict(),
        inputJsonSchema: { type: 'object', properties: { code: { type: 'string', minLength: 2 } } },
        execute: () => 'ok',
      }),
    );
    const ctx = { signal: new AbortController().signal } as never;
    const refused = await server.tools.execute('strict', { code: 'x' }, ctx);
    expect(refused).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/Invalid arguments/) }] });
  });
});
