import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

/** What a route answers. */
export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback HTTP server that counts every request it receives, for "never fetched" assertions. */
export interface PageServer {
  /** `http://<host>:<port>` */
  readonly origin: string;
  readonly port: number;
  /** Requests received, by path. */
  readonly hits: Map<string, number>;
  /** All requests received. */
  total(): number;
  close(): Promise<void>;
}

/** Starts a server on `host` (a loopback address) with `routes` by path; unknown paths answer 404. */
export async function startPageServer(routes: Record<string, Route>, host = '127.0.0.1'): Promise<PageServer> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) route(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    hits,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A route answering `body` with `contentType`. */
export const page =
  (body: string | Buffer, contentType = 'text/html; charset=utf-8', headers: Record<string, string> = {}): Route =>
  (_req, res) =>
    void res.writeHead(200, { 'content-type': contentType, ...headers }).end(body);

/** A route redirecting to `location`. */
export const redirect =
  (location: string, status = 302): Route =>
  (_req, res) =>
    void res.writeHead(status, { location }).end();
