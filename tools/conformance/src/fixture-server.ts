// The conformance fixture over Streamable HTTP at http://HOST:PORT/mcp. Started by run-conformance.mjs;
// stops on SIGTERM or SIGINT.
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ConfigError, createJsonLogger, parseConfig } from '@agent-mcp/context';
import { createStreamableHttpHandler } from '@agent-mcp/mcp-core';
import { z } from 'zod';
import { createFixtureServer } from './fixture';

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warning', 'error']).default('warning'),
  /** The suite never ends its sessions; a short idle expiry keeps a long run's memory flat. */
  SESSION_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(60),
});

function main(): void {
  let config: z.output<typeof ConfigSchema>;
  try {
    config = parseConfig(ConfigSchema, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const logger = createJsonLogger({ level: config.LOG_LEVEL, bindings: { service: 'conformance-fixture' } });
  const server = createFixtureServer({ logger });
  const mcp = createStreamableHttpHandler(server, { sessionIdleTimeoutMs: config.SESSION_IDLE_TIMEOUT_SECONDS * 1000 });
  const http = createServer((req, res) => {
    if (req.url?.split('?')[0] === '/mcp') mcp.handle(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
  });
  http.listen(config.PORT, config.HOST, () => {
    const { address, port } = http.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    // The one line on stdout: where the fixture answers.
    process.stdout.write(`${JSON.stringify({ url: `http://${host}:${port}/mcp` })}\n`);
  });
  const stop = () => {
    server.stopAccepting();
    mcp.close();
    http.closeAllConnections();
    http.close(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
