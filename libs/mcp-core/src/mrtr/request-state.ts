import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ProtocolError } from '../errors';
import { type RequestStateLedger } from './ledger';

/**
 * The `requestState` of a multi-round-trip request (MCP 2026-07-28): what a call learned in earlier rounds,
 * sealed with AES-256-GCM so the client that carries it can neither read nor alter it. It comes back from the
 * client, so it is attacker-controlled: it is opened only with a key this server holds, only for the caller,
 * method, name and arguments it was sealed for, only before it expires, and (a round's state) only once, its id
 * claimed in a ledger every replica shares. A parked call's state is not claimed: it names a question of a run, and
 * the run takes one answer per question (the mailbox's key), so a retry that brings no answer leaves it usable.
 */

/** What a sealed state is bound to: the same caller asking the same thing. */
export interface RequestStateBinding {
  /** `principalKey` of the caller. */
  readonly principal: string;
  readonly method: string;
  /** The tool or prompt name, or the resource URI. */
  readonly target: string;
  /** The request's arguments (tools, prompts); bound so a state cannot carry answers over to other arguments. */
  readonly args: unknown;
}

/** What a round carries to the next. */
export interface RoundState {
  /** Answers the call used, by input-request key. */
  readonly answers: Readonly<Record<string, unknown>>;
  /** Keys of the input requests the sealed round asked: the only new answers the retry may bring. */
  readonly asked: readonly string[];
  /** Values the handler kept for its next round (`ctx.client.keep`). */
  readonly kept: Readonly<Record<string, unknown>>;
}

/**
 * What the `requestState` of a call parked on its durable run carries: the run and the question it waits on. The
 * answers travel to the run (its mailbox), not in the state, so the state stays small however long the run is.
 */
export interface ParkedState {
  readonly runId: string;
  /** The id of the question the run waits on (unique in the run). */
  readonly seq: string;
  /**
   * When the state expires (epoch ms), as opened: the same question sealed again keeps it, so a state asked back
   * never outlives the run's wait for its answer. A new question's state gets the full TTL.
   */
  readonly expiresAt?: number;
}

/** Options of {@link RequestStateSealer}. */
export interface RequestStateSealerOptions {
  /**
   * Key material, 32 bytes or more each: the first seals, every one opens (so a key can be rotated). Every
   * replica must hold the same keys, or a retry reaching another replica is refused.
   */
  readonly keys: readonly Uint8Array[];
  /** Where used states are recorded, for replay refusal. */
  readonly ledger: RequestStateLedger;
  /** How long a sealed state may be retried. Default 10 minutes. */
  readonly ttlMs?: number;
  /** Largest state sealed, in bytes of JSON; a call that gathered more answers fails clearly. Default 256 KiB. */
  readonly maxBytes?: number;
  readonly now?: () => number;
}

const PREFIX = 'rs1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MIN_KEY_BYTES = 32;
const AAD = Buffer.from('agent-mcp request state v1');

const RoundPayload = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(64),
  exp: z.number().int(),
  b: z.string().length(64),
  ans: z.record(z.string(), z.unknown()),
  ask: z.array(z.string()),
  k: z.record(z.string(), z.unknown()),
});
const RunPayload = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(64),
  exp: z.number().int(),
  b: z.string().length(64),
  run: z.string().min(1).max(256),
  q: z.string().min(1).max(256),
});
const Payload = z.union([RoundPayload, RunPayload]);

/** Seals and opens `requestState` values. Built once per server. */
export class RequestStateSealer {
  private readonly keys: readonly Buffer[];
  private readonly ttlMs: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(private readonly options: RequestStateSealerOptions) {
    if (options.keys.length === 0) throw new RangeError('RequestStateSealer needs at least one key');
    this.keys = options.keys.map(deriveKey);
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.maxBytes = options.maxBytes ?? 256 * 1024;
    this.now = options.now ?? Date.now;
  }

  /** Seals what a round carries to the next, bound to `binding`, good for one retry within the TTL. */
  seal(round: RoundState, binding: RequestStateBinding): string {
    return this.sealPayload({
      v: 1,
      id: randomUUID(),
      exp: this.now() + this.ttlMs,
      b: bindingDigest(binding),
      ans: { ...round.answers },
      ask: [...round.asked],
      k: { ...round.kept },
    });
  }

  /**
   * Seals the run a parked call waits in and its question, bound to `binding`, good until the question is answered
   * and at most the TTL (or until `parked.expiresAt`, for a question asked again).
   */
  sealParked(parked: ParkedState, binding: RequestStateBinding): string {
    return this.sealPayload({
      v: 1,
      id: randomUUID(),
      exp: parked.expiresAt ?? this.now() + this.ttlMs,
      b: bindingDigest(binding),
      run: parked.runId,
      q: parked.seq,
    });
  }

  /** How long a sealed state may be retried, ms: also how long a parked run waits for the retry. */
  get ttl(): number {
    return this.ttlMs;
  }

  private sealPayload(payload: z.input<typeof Payload>): string {
    const plain = Buffer.from(JSON.stringify(payload));
    if (plain.length > this.maxBytes) {
      throw new ProtocolError(
        'REQUEST_STATE_TOO_LARGE',
        `The answers this call gathered (${plain.length} bytes) exceed the ${this.maxBytes} bytes a requestState may carry`,
      );
    }
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0], iv);
    cipher.setAAD(AAD);
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return PREFIX + sealed.toString('base64url');
  }

  /**
   * Opens a state the client echoed: refuses one that was altered or sealed with another key, one sealed for
   * another caller or request, one past its expiry, and a round's state already used. A parked call's state opens
   * as its {@link ParkedState}, as often as it is presented: the run refuses a second answer to its question.
   */
  async open(state: string, binding: RequestStateBinding): Promise<RoundState | ParkedState> {
    const payload = this.decrypt(state);
    if (payload.exp <= this.now()) {
      throw requestStateError(
        'REQUEST_STATE_EXPIRED',
        `requestState expired at ${new Date(payload.exp).toISOString()}: call again without requestState and inputResponses to start over`,
      );
    }
    if (payload.b !== bindingDigest(binding)) {
      throw requestStateError(
        'REQUEST_STATE_MISMATCH',
        'requestState belongs to another request (its caller, method, name or arguments differ): send it only with the request that received it',
      );
    }
    // Not claimed: a retry that brings no answer must leave it usable, and the run's mailbox takes one answer per
    // question (keyed by it), which is what refuses a replay (ParkedCalls.resume).
    if ('run' in payload) return { runId: payload.run, seq: payload.q, expiresAt: payload.exp };
    if (!(await this.options.ledger.claim(payload.id, payload.exp))) {
      throw requestStateError(
        'REQUEST_STATE_REPLAYED',
        'requestState was already used: each one is good for a single retry; send the requestState of the latest answer',
      );
    }
    return { answers: payload.ans, asked: payload.ask, kept: payload.k };
  }

  private decrypt(state: string): z.output<typeof Payload> {
    const sealed = state.startsWith(PREFIX) ? Buffer.from(state.slice(PREFIX.length), 'base64url') : undefined;
    if (sealed && sealed.length > IV_BYTES + TAG_BYTES) {
      const iv = sealed.subarray(0, IV_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
      for (const key of this.keys) {
        const plain = tryDecrypt(key, iv, body, tag);
        if (!plain) continue;
        const parsed = Payload.safeParse(safeJson(plain));
        if (parsed.success) return parsed.data;
      }
    }
    throw requestStateError(
      'INVALID_REQUEST_STATE',
      'requestState failed its integrity check (altered, or sealed by a server that does not share this key): call again without requestState and inputResponses to start over',
    );
  }
}

/**
 * Reads a key setting: comma-separated keys, each base64, base64url or hex of 32 bytes or more (`openssl rand
 * -base64 32`). The first key seals; all open.
 * @throws RangeError naming what is wrong (never the key)
 */
export function parseRequestStateKeys(setting: string): Uint8Array[] {
  const keys = setting
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part, index) => {
      const bytes = /^[0-9a-f]+$/i.test(part) && part.length % 2 === 0 ? Buffer.from(part, 'hex') : decode64(part);
      if (bytes.length < MIN_KEY_BYTES)
        throw new RangeError(`key ${index + 1} decodes to ${bytes.length} bytes; at least ${MIN_KEY_BYTES} are needed`);
      return bytes;
    });
  if (keys.length === 0) throw new RangeError('no key given');
  return keys;
}

/** A random key for one process (states it seals open only in this process). */
export function randomRequestStateKey(): Uint8Array {
  return randomBytes(MIN_KEY_BYTES);
}

function decode64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw new RangeError('a key is neither base64 nor hex');
  return Buffer.from(text, 'base64');
}

function deriveKey(material: Uint8Array): Buffer {
  if (material.length < MIN_KEY_BYTES) throw new RangeError(`request-state keys need ${MIN_KEY_BYTES} bytes or more`);
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'agent-mcp request state aes-256-gcm', 32));
}

function tryDecrypt(key: Buffer, iv: Buffer, body: Buffer, tag: Buffer): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}

function safeJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A digest of the binding: compared inside the sealed payload, so the caller's identity is never spelled out. */
function bindingDigest(binding: RequestStateBinding): string {
  return createHash('sha256')
    .update(JSON.stringify([binding.principal, binding.method, binding.target, canonical(binding.args ?? {})]))
    .digest('hex');
}

/** JSON with object keys sorted, so the same arguments in another key order bind the same. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  return value;
}

function requestStateError(
  code: 'INVALID_REQUEST_STATE' | 'REQUEST_STATE_EXPIRED' | 'REQUEST_STATE_MISMATCH' | 'REQUEST_STATE_REPLAYED',
  message: string,
): ProtocolError {
  return new ProtocolError(code, message, { data: { reason: code } });
}
