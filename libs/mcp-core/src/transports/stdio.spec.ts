// stdio transport: newline-delimited JSON-RPC, bad input answered and survived, drain on stdin close.
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { defineTool } from '../tool';
import { sleep, testServer } from '../spec-helpers/clients';
import { serveStdio } from './stdio';

function harness(maxMessageBytes?: number) {
  const server = testServer();
  server.tools.register(
    defineTool({
      name: 'wait',
      description: 'Waits, then answers.',
      inputSchema: z.object({ ms: z.number() }),
      execute: async ({ ms }) => {
        await sleep(ms);
        return 'waited';
      },
    }),
  );
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const out: unknown[] = [];
  let buffer = '';
  stdout.on('data', (c: Buffer) => {
    buffer += c.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      out.push(JSON.parse(buffer.slice(0, nl)));
      buffer = buffer.slice(nl + 1);
    }
  });
  const connection = serveStdio(server, { stdin, stdout, maxMessageBytes, drainTimeoutMs: 2000 });
  const send = (line: string | Buffer) =>
    stdin.write(typeof line === 'string' ? `${line}\n` : Buffer.concat([line, Buffer.from('\n')]));
  return { server, stdin, out, connection, send };
}

const ping = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' });

describe('serveStdio', () => {
  it('answers each line, including several in one chunk and one split across chunks', async () => {
    const { stdin, out } = harness();
    stdin.write(`${ping(1)}\n${ping(2)}\n`);
    const third = ping(3);
    stdin.write(third.slice(0, 10));
    stdin.write(`${third.slice(10)}\r\n`);
    await sleep(20);
    expect(out).toEqual([1, 2, 3].map((id) => ({ jsonrpc: '2.0', id, result: {} })));
  });

  it('answers malformed JSON and invalid UTF-8 with parse errors and keeps serving', async () => {
    const { send, out } = harness();
    send('{not json');
    send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]));
    send(ping(9));
    await sleep(20);
    expect(out).toEqual([
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32700, message: 'Parse error: message is not valid JSON', data: { code: 'PARSE_ERROR' } },
      },
      {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32700, message: 'Parse error: message is not valid UTF-8', data: { code: 'PARSE_ERROR' } },
      },
      { jsonrpc: '2.0', id: 9, result: {} },
    ]);
  });

  it('answers an invalid UTF-8 line with a parse error and the valid lines of the same chunk as usual', async () => {
    const { stdin, out } = harness();
    stdin.write(
      Buffer.concat([
        Buffer.from(`${ping(1)}\n`),
        Buffer.from([0x7b, 0xc3, 0x28, 0x7d, 0x0a]),
        Buffer.from(`${ping(2)}\n`),
      ]),
    );
    await sleep(20);
    // A parse error is answered at once, the requests once served: the order of the replies is not the lines'.
    expect(out).toHaveLength(3);
    expect(out).toEqual(
      expect.arrayContaining([
        { jsonrpc: '2.0', id: 1, result: {} },
        {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32700, message: 'Parse error: message is not valid UTF-8', data: { code: 'PARSE_ERROR' } },
        },
        { jsonrpc: '2.0', id: 2, result: {} },
      ]),
    );
  });

  it('reads a multi-byte character split across two chunks whole', async () => {
    const { stdin, out } = harness();
    const line = Buffer.from(`${JSON.stringify({ jsonrpc: '2.0', id: 'é€😀', method: 'ping' })}\n${ping(2)}\n`);
    const cut = line.indexOf(Buffer.from('€')) + 1;
    stdin.write(line.subarray(0, cut));
    await sleep(5);
    stdin.write(line.subarray(cut));
    await sleep(20);
    expect(out).toEqual([
      { jsonrpc: '2.0', id: 'é€😀', result: {} },
      { jsonrpc: '2.0', id: 2, result: {} },
    ]);
  });

  it('counts a line limit in UTF-8 bytes, not characters, for lines that arrive whole', async () => {
    const { stdin, out } = harness(1024);
    // 400 three-byte characters: 1200 bytes in 400 characters.
    const long = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: '€'.repeat(400) } });
    stdin.write(`${long}\n${ping(2)}\n`);
    await sleep(20);
    expect(out).toEqual([
      expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) }),
      { jsonrpc: '2.0', id: 2, result: {} },
    ]);
  });

  it('refuses an oversized line without buffering it, then serves the next', async () => {
    const { stdin, send, out } = harness(1024);
    stdin.write('x'.repeat(3000));
    stdin.write('y'.repeat(3000));
    send('');
    send(ping(4));
    await sleep(20);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({
      id: null,
      error: { code: -32600, message: expect.stringContaining('larger than 1024 bytes') },
    });
    expect(out[1]).toEqual({ jsonrpc: '2.0', id: 4, result: {} });
  });

  it('answers a request for an unknown method with -32601 and wrong params with -32602', async () => {
    const { send, out } = harness();
    send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'nope' }));
    send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 7 } }));
    await sleep(20);
    expect(out).toMatchObject([
      { id: 1, error: { code: -32601 } },
      { id: 2, error: { code: -32602 } },
    ]);
  });

  it('finishes running calls after stdin closes, then resolves closed', async () => {
    const { stdin, send, out, connection } = harness();
    send(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'wait', arguments: { ms: 80 } } }),
    );
    await sleep(10);
    stdin.end();
    await connection.closed;
    expect(out).toEqual([{ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'waited' }] } }]);
    expect(connection.session.closed).toBe(true);
  });
});
