// agent-core's scripted OpenAI-compatible server in a process of its own, for the checkpoint bench: the model is
// another process, as it is in production, so its work does not share the runner's event loop. Prints its URL as
// one JSON line; each line read from stdin, `{ "turns": n, "delayMs": d }`, queues one run's script: n - 1 turns
// calling the tool `lookup`, then a text answer, each answered after d ms.
import { createInterface } from 'node:readline';
import { createScriptedServer, textTurn, toolCallTurn } from '@agent-mcp/agent-core/testing';

const server = await createScriptedServer({ apiKey: 'bench' });
createInterface({ input: process.stdin }).on('line', (line) => {
  const { turns, delayMs } = JSON.parse(line);
  for (let i = 1; i < turns; i++) {
    server.enqueue(toolCallTurn({ name: 'lookup', arguments: { key: `k${i}` }, callId: `c${i}` }, { delayMs }));
  }
  server.enqueue(textTurn('done', { delayMs }));
  process.stdout.write(`${JSON.stringify({ queued: turns })}\n`);
});
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
