import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type SqlClient } from '@agent-mcp/context';
import { createThrowawayDatabase } from '@agent-mcp/context/testing';
import { createStreamableHttpHandler, type McpServer } from '@agent-mcp/mcp-core';
import { createPgSqlClient } from '@agent-mcp/store';
import { createDatabaseTools, type DatabaseTools, parseDatabaseConfig, sampleDataSql } from '@agent-mcp/tools-database';

/** A server answered over Streamable HTTP in this process. */
export interface InProcessHttp {
  /** Its endpoint, `http://127.0.0.1:<port>/mcp`. */
  readonly url: URL;
  /** Stops the handler and the listener, cutting open connections. */
  close(): Promise<void>;
}

/** Serves `server` with the library's Streamable HTTP handler at `/mcp` on a free loopback port. */
export async function serveInProcess(server: McpServer): Promise<InProcessHttp> {
  const handler = createStreamableHttpHandler(server);
  const http = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/mcp') handler.handle(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`),
    close: async () => {
      handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A database of its own on the test server, loaded with the sample data, and the database tools over it. */
export interface SampleDatabaseTools {
  readonly database: DatabaseTools;
  /** A superuser connection to it, for what the test checks. */
  readonly check: SqlClient;
  /** Closes both and drops the database. */
  close(): Promise<void>;
}

export async function createSampleDatabaseTools(prefix: string): Promise<SampleDatabaseTools> {
  const db = await createThrowawayDatabase({ prefix });
  const check = createPgSqlClient({ connectionString: db.url, poolMax: 2 });
  await check.query(sampleDataSql());
  const database = createDatabaseTools({ config: parseDatabaseConfig({ DATABASE_URL: db.url }), env: {} });
  return {
    database,
    check,
    close: async () => {
      await database.close();
      await check.close();
      await db.drop();
    },
  };
}
