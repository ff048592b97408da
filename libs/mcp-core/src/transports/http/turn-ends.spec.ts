// JSON answers wait for the end of their event-loop turn and leave together; over real node:http.
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { endThisTurn } from './turn-ends';

let server: Server;
let port: number;
let handle: (res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((_req, res) => handle(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('endThisTurn', () => {
  it('ends the response once the turn is over, not before, with the body given', async () => {
    const seen: boolean[] = [];
    handle = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      endThisTurn(res, '{"ok":true}');
      seen.push(res.writableEnded);
      setImmediate(() => seen.push(res.writableEnded));
    };
    expect(await get()).toBe('{"ok":true}');
    expect(seen).toEqual([false, true]);
  });

  it('sends the answers of one turn together', async () => {
    const held: ServerResponse[] = [];
    const endedTogether: boolean[] = [];
    handle = (res) => {
      held.push(res);
      if (held.length < 2) return;
      // Both answered in this one turn: the first is not sent before the second is queued.
      for (const [i, r] of held.entries()) {
        r.writeHead(200);
        endThisTurn(r, `answer ${i}`);
      }
      endedTogether.push(held.some((r) => r.writableEnded));
      setImmediate(() => endedTogether.push(held.every((r) => r.writableEnded)));
    };
    expect((await Promise.all([get(), get()])).sort()).toEqual(['answer 0', 'answer 1']);
    expect(endedTogether).toEqual([false, true]);
  });

  it('skips a response whose client went away, and still sends the others', async () => {
    const gone = new Promise<void>((resolve) => {
      handle = (res) => {
        res.writeHead(200);
        res.destroy();
        expect(() => endThisTurn(res, 'never')).not.toThrow();
        resolve();
      };
    });
    const req = request({ host: '127.0.0.1', port, path: '/' });
    req.on('error', () => undefined);
    req.end();
    await gone;
    handle = (res) => {
      res.writeHead(200);
      endThisTurn(res, 'still here');
    };
    expect(await get()).toBe('still here');
  });
});
