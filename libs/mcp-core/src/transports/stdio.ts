import { isUtf8 } from 'node:buffer';
import { type Readable, type Writable } from 'node:stream';
import { ProtocolError, toJsonRpcError } from '../errors';
import { errorMessage, type JSONRPCMessage, parseJsonMessage } from '../protocol/messages';
import { type McpServer } from '../server';
import { type RequestChannel, type Session } from '../session';

/** Options of {@link serveStdio}. */
export interface StdioOptions {
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  /** Longest accepted line (one message), in bytes. Default 4 MiB. */
  readonly maxMessageBytes?: number;
  /** After stdin closes, how long running requests may take to finish. Default 10 s. */
  readonly drainTimeoutMs?: number;
}

/** A running stdio connection. */
export interface StdioConnection {
  readonly session: Session;
  /** Resolves when stdin has closed and the running requests have finished (or the drain timed out). */
  readonly closed: Promise<void>;
  /** Closes the connection now: listen streams end with their result, running requests are aborted. */
  close(): void;
}

const NEWLINE = 0x0a;

/**
 * Serves one MCP client over stdin/stdout, newline-delimited JSON. stdout carries only MCP messages (logs go
 * to stderr). Replies produced in the same tick leave in one write.
 */
export function serveStdio(server: McpServer, options: StdioOptions = {}): StdioConnection {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const maxBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const session = server.openSession(undefined, { kind: 'stdio' });

  const { write, flush } = batchedWriter(stdout);
  const channel: RequestChannel = { send: write, respond: write };
  session.standalone = { send: write };

  const handleLine = (line: Buffer | string) => {
    let value: unknown;
    try {
      value = parseJsonMessage(line);
    } catch (error) {
      write(errorMessage(null, toJsonRpcError(error)));
      return;
    }
    server.handle(session, value, channel).catch((error: unknown) => {
      server.logger.warn('stdio message rejected', { err: error });
    });
  };

  // The complete lines of a chunk that is valid UTF-8 (the usual case) are decoded in one call and split as text,
  // as the raw stdio floor does: a buffer, a decode and a UTF-8 check per line were about 8 % of the instructions of a
  // 2026-07-28 echo call.
  const handleText = (text: string) => {
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      let line = text.slice(start, end);
      start = end + 1;
      if (line.length > 0 && line.charCodeAt(line.length - 1) === 0x0d) line = line.slice(0, -1);
      if (line.length === 0) continue;
      // A UTF-8 byte count is at most three per UTF-16 unit: only a long line needs counting.
      if (line.length * 3 > maxBytes && Buffer.byteLength(line) > maxBytes) {
        write(errorMessage(null, toJsonRpcError(tooLarge(maxBytes))));
        continue;
      }
      handleLine(line);
    }
  };

  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let discarding = false;
  const onData = (chunk: Buffer) => {
    let start = 0;
    let nl: number;
    if (pending.length === 0 && !discarding) {
      const last = chunk.lastIndexOf(NEWLINE);
      // A newline byte never sits inside a multi-byte character, so only the tail can hold a split one.
      if (last !== -1 && isUtf8(chunk.subarray(0, last))) {
        handleText(chunk.toString('utf8', 0, last));
        start = last + 1;
      }
    }
    while ((nl = chunk.indexOf(NEWLINE, start)) !== -1) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (discarding) {
        discarding = false;
        continue;
      }
      let line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      pending = [];
      pendingBytes = 0;
      if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
      if (line.length === 0) continue;
      if (line.length > maxBytes) {
        write(errorMessage(null, toJsonRpcError(tooLarge(maxBytes))));
        continue;
      }
      handleLine(line);
    }
    if (start < chunk.length && !discarding) {
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > maxBytes) {
        // Drop the rest of this oversized line instead of buffering it without bound.
        pending = [];
        pendingBytes = 0;
        discarding = true;
        write(errorMessage(null, toJsonRpcError(tooLarge(maxBytes))));
      } else {
        pending.push(Buffer.from(rest));
      }
    }
  };
  stdin.on('data', onData);

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    // The last replies must reach the client before the session (and maybe the process) goes.
    flush();
    server.closeSession(session, 'stdin closed');
    resolveClosed();
  };
  const drainThenFinish = () => {
    stdin.off('data', onData);
    const started = Date.now();
    const check = () => {
      if (session.activeRequests === 0 || Date.now() - started >= drainTimeoutMs) {
        // Let the last replies reach stdout before the session goes.
        process.nextTick(finish);
        return;
      }
      setTimeout(check, 10).unref();
    };
    check();
  };
  stdin.once('end', drainThenFinish);
  stdin.once('close', drainThenFinish);
  stdin.once('error', drainThenFinish);

  return {
    session,
    closed,
    close: () => {
      stdin.off('data', onData);
      // Listen streams end with their result, which tells the client the server ended them on purpose.
      if (server.endListens(session) === 0) return finish();
      const started = Date.now();
      const wait = () => {
        if (session.heldOpen === 0 || Date.now() - started >= 1000) return process.nextTick(finish);
        setTimeout(wait, 5);
      };
      wait();
    },
  };
}

/**
 * Messages to stdout. Replies produced in one turn of the event loop leave in one write of one buffer: far fewer
 * syscalls (and iovecs) than a write per message when many calls are in flight.
 */
function batchedWriter(stdout: Writable): {
  readonly write: (message: JSONRPCMessage) => void;
  readonly flush: () => void;
} {
  let outputOpen = true;
  let queued: string[] = [];
  const flush = () => {
    if (queued.length === 0) return;
    const text = queued.length === 1 ? queued[0] : queued.join('');
    queued = [];
    if (outputOpen) stdout.write(text);
  };
  stdout.on('error', () => {
    // The client went away; nothing more can be said to it.
    outputOpen = false;
  });
  return {
    write: (message) => {
      if (!outputOpen) return;
      if (queued.length === 0) setImmediate(flush);
      queued.push(`${JSON.stringify(message)}\n`);
    },
    flush,
  };
}

function tooLarge(maxBytes: number): ProtocolError {
  return new ProtocolError('MESSAGE_TOO_LARGE', `Invalid Request: message larger than ${maxBytes} bytes`);
}
