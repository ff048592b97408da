// The stdio floor: newline-delimited JSON-RPC on stdin/stdout, answered with no validation. Replies to the
// lines of one chunk leave in one write, as a careful stdio server would do.
import { answer } from './raw-answer.mjs';

let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  const text = pending + chunk;
  let start = 0;
  let nl;
  let out = '';
  while ((nl = text.indexOf('\n', start)) !== -1) {
    const line = text.slice(start, nl);
    start = nl + 1;
    if (line.length === 0) continue;
    let reply;
    try {
      reply = answer(JSON.parse(line));
    } catch {
      reply = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } };
    }
    if (reply) out += `${JSON.stringify(reply)}\n`;
  }
  pending = text.slice(start);
  if (out) process.stdout.write(out);
});
process.stdin.on('end', () => process.exit(0));
