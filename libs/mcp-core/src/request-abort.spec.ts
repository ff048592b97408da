import { RequestAbort } from './request-abort';

describe('RequestAbort', () => {
  it('hands out a signal that aborts, with the reason, when the request is aborted later', () => {
    const abort = new RequestAbort();
    const signal = abort.signal;
    const seen: unknown[] = [];
    signal.addEventListener('abort', () => seen.push(signal.reason));
    abort.abort('client cancelled');
    expect([abort.aborted, signal.aborted, seen]).toEqual([true, true, ['client cancelled']]);
  });

  it('hands out an already aborted signal when asked after the abort', () => {
    const abort = new RequestAbort();
    abort.abort('gone');
    expect([abort.signal.aborted, abort.signal.reason, abort.reason]).toEqual([true, 'gone', 'gone']);
  });

  it('keeps the first reason when aborted twice', () => {
    const abort = new RequestAbort();
    abort.abort('first');
    abort.abort('second');
    expect([abort.reason, abort.signal.reason]).toEqual(['first', 'first']);
  });

  it('is not aborted until abort runs, and gives the same signal each time', () => {
    const abort = new RequestAbort();
    expect([abort.aborted, abort.signal.aborted, abort.signal === abort.signal]).toEqual([false, false, true]);
  });
});
