// The floor: the least a JSON-RPC server over node:http can do per request (read the body, parse it, answer
// `ping` and the `echo` tool call with the same result shape as an MCP server). No validation, no sessions.
import { createServer } from 'node:http';
import { answer } from './raw-answer.mjs';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let body;
    try {
      body = JSON.stringify(answer(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    } catch {
      body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(port, host, () => process.stdout.write(`listening ${server.address().port}\n`));
process.once('SIGTERM', () => process.exit(0));
