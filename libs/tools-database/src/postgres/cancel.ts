import type pg from 'pg';
import { loadDependency } from '../load-dependency';

/** What a CancelRequest needs from a connected client. */
interface CancellableClient {
  readonly processID: number | null;
  readonly secretKey: number | null;
  readonly connectionParameters: { readonly host: string; readonly port: number };
}

/** The parts of pg's Connection the type definitions leave out. */
interface RawConnection {
  connect(port: number | string, host?: string): void;
  cancel(processID: number, secretKey: number): void;
}

/**
 * Asks the server to cancel the statement `client` is running, with the protocol's CancelRequest on a new
 * socket (what `pg_cancel_backend` does, without needing a query slot). Resolves when the request was sent
 * or after `timeoutMs`; never rejects.
 */
export function sendCancelRequest(client: pg.PoolClient, timeoutMs = 1000): Promise<void> {
  const c = client as unknown as CancellableClient;
  if (c.processID === null || c.secretKey === null) return Promise.resolve();
  const { host, port } = c.connectionParameters;
  return new Promise<void>((resolve) => {
    // A CancelRequest is read before any TLS negotiation and is not subject to pg_hba, so plain TCP serves.
    const { Connection } = loadDependency<typeof pg>('pg');
    const con = new Connection() as pg.Connection & RawConnection;
    const done = () => {
      clearTimeout(timer);
      con.stream.destroy();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    con.on('connect', () => {
      con.cancel(c.processID as number, c.secretKey as number);
      // The server closes the socket once it has read the request.
      con.stream.once('close', done);
    });
    con.on('error', done);
    if (host.startsWith('/')) con.connect(`${host}/.s.PGSQL.${port}`);
    else con.connect(port, host);
  });
}
