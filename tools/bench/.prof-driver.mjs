import { spawn } from 'node:child_process';
const [script, seconds = '3', inflight = '16', ...extra] = process.argv.slice(2);
const child = spawn(process.execPath, [...extra, script], { env: { ...process.env, DIAGNOSTIC_TOOLS: 'true', LOG_LEVEL: 'warning' }, stdio: ['pipe', 'pipe', 'inherit'] });
let buf = ''; let answered = 0; let id = 10; let sending = false; let start = 0; const n = Number(inflight);
const line = (i) => `{"jsonrpc":"2.0","id":${i},"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}\n`;
child.stdout.setEncoding('utf8');
child.stdout.on('data', (c) => {
  buf += c; let k = 0; let nl;
  while ((nl = buf.indexOf('\n')) !== -1) { buf = buf.slice(nl + 1); k++; }
  if (!sending) { if (k) { sending = true; start = performance.now(); let o=''; for (let i=0;i<n;i++) o+=line(id++); child.stdin.write(o);} return; }
  answered += k;
  if (performance.now() - start > Number(seconds) * 1000) { console.log('calls/s', Math.round(answered / ((performance.now() - start) / 1000))); child.stdin.end(); return; }
  let o = ''; for (let i = 0; i < k; i++) o += line(id++); child.stdin.write(o);
});
child.stdin.write('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}\n');
