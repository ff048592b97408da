// A parked call's run cancelled from another replica: the run engine aborts the run journal's signal there, and
// McpServer.executeParked stops the call executing here at once (its tool's signal aborts, with the journal's
// reason) and the call fails as cancelled, not at its next step; a journal cancelled before the execution starts
// stops it at once too. The port is a test double: only executeParked is exercised.
import { z } from 'zod';
import { createTestServer } from '../testing';
import { defineTool } from '../tool';
import { type ParkedCallRuns, type ParkedRunJournal } from './parked-call';

const notCalled = () => Promise.reject(new Error('not called in this spec'));

const port: ParkedCallRuns = {
  recorded: true,
  ready: () => Promise.resolve(true),
  start: notCalled,
  question: notCalled,
  deliver: notCalled,
  outcome: notCalled,
  cancel: notCalled,
  watch: () => {
    throw new Error('not called in this spec');
  },
};

/** Why each call of `slow` was stopped. */
const stops: string[] = [];

/** Waits until its call's signal aborts, then says why. */
const slow = defineTool({
  name: 'slow',
  description: 'Waits until it is stopped.',
  inputSchema: z.object({}),
  execution: { taskSupport: 'forbidden', resumable: true },
  execute: (_args, ctx) =>
    new Promise<string>((resolve) => {
      const stopped = () => {
        stops.push((ctx.signal.reason as Error).message);
        resolve('stopped');
      };
      if (ctx.signal.aborted) stopped();
      else ctx.signal.addEventListener('abort', stopped, { once: true });
    }),
});

const RECORD = {
  runId: 'run-1',
  tool: 'slow',
  arguments: {},
  principal: { id: 'alice', scopes: [], via: 'none' },
  protocolVersion: '2026-07-28',
};

function journalWith(signal: AbortSignal): ParkedRunJournal {
  return {
    step: (_name, fn) => fn(),
    publish: () => Promise.resolve(),
    waitFor: () => Promise.resolve(undefined),
    enclosingStep: () => '',
    signal,
  };
}

const CANCELLED = { error: { data: { code: 'CANCELLED' } } };

beforeEach(() => (stops.length = 0));

describe('a parked call whose run is cancelled on another replica', () => {
  it('stops the call executing here as soon as the run journal’s signal aborts', async () => {
    const server = createTestServer({ parkedCalls: port });
    server.tools.register(slow);
    const cancel = new AbortController();
    const outcome = server.executeParked(RECORD, journalWith(cancel.signal));
    setTimeout(() => cancel.abort(new Error('The run was cancelled.')), 20);
    await expect(outcome).resolves.toMatchObject(CANCELLED);
    expect(stops).toEqual(['The run was cancelled.']);
  });

  it('stops it at once when the run was cancelled before its execution started', async () => {
    const server = createTestServer({ parkedCalls: port });
    server.tools.register(slow);
    const outcome = server.executeParked(RECORD, journalWith(AbortSignal.abort(new Error('The run was cancelled.'))));
    await expect(outcome).resolves.toMatchObject(CANCELLED);
  });
});
