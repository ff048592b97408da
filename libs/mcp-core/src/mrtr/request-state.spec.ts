// The sealed requestState of multi-round-trip requests: it opens for the request it was sealed for, once, before
// it expires, with a key the server holds; anything else is refused with a -32602 error naming why. The answers
// it carries are not readable in the token.
import { randomBytes } from 'node:crypto';
import { JsonRpcErrorCode, ProtocolError } from '../errors';
import { InMemoryRequestStateLedger } from './ledger';
import { parseRequestStateKeys, type RequestStateBinding, RequestStateSealer } from './request-state';

const binding: RequestStateBinding = {
  principal: 'tenant:alice',
  method: 'tools/call',
  target: 'refund',
  args: { a: 1 },
};
const round = {
  answers: { confirm: { action: 'accept', content: { ok: true, note: 'secret-note' } } },
  asked: ['x'],
  kept: { confirmationId: 'c-1' },
};

function sealer(options: { keys?: Uint8Array[]; now?: () => number } = {}): RequestStateSealer {
  return new RequestStateSealer({
    keys: options.keys ?? [randomBytes(32)],
    ledger: new InMemoryRequestStateLedger(),
    ttlMs: 1000,
    ...(options.now ? { now: options.now } : {}),
  });
}

async function refusal(promise: Promise<unknown>): Promise<ProtocolError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).rpcCode).toBe(JsonRpcErrorCode.InvalidParams);
  return error as ProtocolError;
}

describe('RequestStateSealer', () => {
  it('opens what it sealed, for the same request, with the answers and the keys asked', async () => {
    const s = sealer();
    const state = s.seal(round, binding);
    await expect(s.open(state, { ...binding, args: { a: 1 } })).resolves.toEqual(round);
  });

  it("opens a parked call's state as its run, question and expiry, for the same request only, until it expires", async () => {
    let now = 1_000_000;
    const s = sealer({ now: () => now });
    const state = s.sealParked({ runId: 'run-1', seq: 'q-1' }, binding);
    expect((await refusal(s.open(state, { ...binding, target: 'other' }))).code).toBe('REQUEST_STATE_MISMATCH');
    const opened = { runId: 'run-1', seq: 'q-1', expiresAt: 1_001_000 };
    await expect(s.open(state, binding)).resolves.toEqual(opened);
    // Not claimed: the run refuses a second answer to its question, and a retry without one keeps the state good.
    await expect(s.open(state, binding)).resolves.toEqual(opened);
    expect(Buffer.from(state.slice(4), 'base64url').toString('latin1')).not.toContain('run-1');
    // Sealed again for the same question (asked again), it keeps the expiry it had.
    now += 600;
    await expect(s.open(s.sealParked(opened, binding), binding)).resolves.toEqual(opened);
    now += 401;
    expect((await refusal(s.open(state, binding))).code).toBe('REQUEST_STATE_EXPIRED');
  });

  it('carries nothing readable: neither the answers nor the caller appear in the token', () => {
    const state = sealer().seal(round, binding);
    const decoded = Buffer.from(state.slice(4), 'base64url').toString('latin1');
    expect(state).not.toContain('secret-note');
    expect(decoded).not.toContain('secret-note');
    expect(decoded).not.toContain('alice');
  });

  it('refuses a state with one character changed, or with text appended', async () => {
    const s = sealer();
    const state = s.seal(round, binding);
    const flipped = state.slice(0, 20) + (state[20] === 'A' ? 'B' : 'A') + state.slice(21);
    expect((await refusal(s.open(flipped, binding))).code).toBe('INVALID_REQUEST_STATE');
    expect((await refusal(s.open(`${state}-TAMPERED`, binding))).code).toBe('INVALID_REQUEST_STATE');
    expect((await refusal(s.open('not a state', binding))).code).toBe('INVALID_REQUEST_STATE');
  });

  it("refuses a state sealed with another server's key, and opens one sealed with a rotated-out key", async () => {
    const [old, current] = [randomBytes(32), randomBytes(32)];
    const state = sealer({ keys: [old] }).seal(round, binding);
    expect((await refusal(sealer({ keys: [current] }).open(state, binding))).code).toBe('INVALID_REQUEST_STATE');
    await expect(sealer({ keys: [current, old] }).open(state, binding)).resolves.toEqual(round);
  });

  it('refuses a second use of the same state', async () => {
    const s = sealer();
    const state = s.seal(round, binding);
    await s.open(state, binding);
    const error = await refusal(s.open(state, binding));
    expect(error.code).toBe('REQUEST_STATE_REPLAYED');
    expect(error.message).toMatch(/already used/);
  });

  it('refuses a state past its expiry', async () => {
    let now = 1_000_000;
    const s = sealer({ now: () => now });
    const state = s.seal(round, binding);
    now += 1001;
    const error = await refusal(s.open(state, binding));
    expect(error.code).toBe('REQUEST_STATE_EXPIRED');
    expect(error.message).toMatch(/expired at/);
  });

  it.each([
    ['another caller', { principal: 'tenant:mallory' }],
    ['another tool', { target: 'delete_everything' }],
    ['other arguments', { args: { a: 2 } }],
    ['another method', { method: 'prompts/get' }],
  ])('refuses a state presented by %s', async (_name, change) => {
    const s = sealer();
    const state = s.seal(round, binding);
    expect((await refusal(s.open(state, { ...binding, ...change }))).code).toBe('REQUEST_STATE_MISMATCH');
  });

  it('binds arguments whatever the order of their keys', async () => {
    const s = sealer();
    const state = s.seal(round, { ...binding, args: { a: 1, b: { c: 2, d: 3 } } });
    await expect(s.open(state, { ...binding, args: { b: { d: 3, c: 2 }, a: 1 } })).resolves.toEqual(round);
  });
});

describe('parseRequestStateKeys', () => {
  it('reads base64 and hex keys, comma-separated, in order', () => {
    const a = randomBytes(32);
    const b = randomBytes(48);
    const keys = parseRequestStateKeys(`${a.toString('base64')}, ${b.toString('hex')}`);
    expect(keys.map((k) => Buffer.from(k).toString('hex'))).toEqual([a.toString('hex'), b.toString('hex')]);
  });

  it('refuses a short key without echoing it', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => parseRequestStateKeys(short)).toThrow(/at least 32 are needed/);
    try {
      parseRequestStateKeys(short);
    } catch (error) {
      expect(String(error)).not.toContain(short);
    }
    expect(() => parseRequestStateKeys(' , ')).toThrow(/no key/);
  });
});
