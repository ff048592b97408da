import { type ServerResponse } from 'node:http';

/**
 * Plain JSON answers of this event-loop turn, sent together when the turn's I/O has been handled (`setImmediate`
 * runs right after the poll phase). Under load one turn answers requests of many connections; sent one by one as
 * each is ready, every write woke the client again, a system call that cost more than the rest of a small request
 * on a virtual machine, and left the next request to find the client asleep. Sent together, the client is woken
 * once for the lot. A lone request waits for nothing but the end of its own turn.
 */
const pending: Array<{ res: ServerResponse; body: string }> = [];

/** Ends `res` with `body` once the current turn's I/O is handled; its headers must already be written. */
export function endThisTurn(res: ServerResponse, body: string): void {
  pending.push({ res, body });
  if (pending.length === 1) setImmediate(endAll);
}

function endAll(): void {
  const ready = pending.splice(0);
  for (const { res, body } of ready) {
    // A client gone meanwhile: nothing to send.
    if (!res.destroyed) res.end(body);
  }
}
