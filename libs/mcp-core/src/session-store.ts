import { McpLocalError } from './errors';
import type { ClientCapabilities, Implementation } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { LOG_LEVELS } from '@agent-mcp/context';
import { SUPPORTED_PROTOCOL_VERSIONS } from './protocol/versions';
import { MAX_SUBSCRIPTIONS, type Session } from './session';

/**
 * What a replica needs to serve a session it did not open: who opened it (every request is still
 * authenticated on its own credentials and must name the same principal), what was negotiated, and the
 * client's settings. Nothing that runs (requests, pending server requests) is in it: those stay where they run.
 */
export const SessionRecordSchema = z.object({
  v: z.literal(1),
  principal: z
    .object({
      id: z.string().min(1).max(1024),
      tenantId: z.string().max(1024).optional(),
      scopes: z.array(z.string().max(256)).max(256),
      via: z.enum(['none', 'api_key', 'oauth']),
      claims: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  protocolVersion: z.string().refine((v) => SUPPORTED_PROTOCOL_VERSIONS.includes(v), 'unsupported protocol version'),
  clientCapabilities: z.record(z.string(), z.unknown()).optional(),
  clientInfo: z.looseObject({ name: z.string().max(1024), version: z.string().max(1024) }).optional(),
  initialized: z.boolean(),
  logLevel: z.enum(LOG_LEVELS).optional(),
  subscriptions: z.array(z.string().min(1).max(4096)).max(MAX_SUBSCRIPTIONS),
});

/** A session's shared record; see {@link SessionRecordSchema}. */
export type SessionRecord = z.infer<typeof SessionRecordSchema>;

/** Largest serialized record kept; a client whose capabilities and info exceed it keeps a local-only session. */
export const MAX_SESSION_RECORD_BYTES = 64 * 1024;

/**
 * Session records shared by the replicas behind one load balancer, so that any of them serves any request
 * of a session. Records expire after a time without activity; reading one counts as activity.
 */
export interface SessionStore {
  /** The record of `id`, its expiry pushed back; undefined when unknown, expired, ended or unreadable. */
  get(id: string): Promise<SessionRecord | undefined>;
  /** Writes the record of `id` (whole: the last writer wins), with a fresh expiry. */
  save(id: string, record: SessionRecord): Promise<void>;
  /** Pushes the expiry of `id` back (a session kept busy by an open stream and no requests). */
  touch(id: string): Promise<void>;
  /** Ends `id` for every replica. */
  delete(id: string): Promise<void>;
}

/** A record too large to share (see {@link MAX_SESSION_RECORD_BYTES}). */
export class SessionRecordTooLargeError extends McpLocalError {
  constructor(bytes: number) {
    super('SESSION_RECORD_TOO_LARGE', `session record of ${bytes} bytes exceeds ${MAX_SESSION_RECORD_BYTES}`);
  }
}

/** The shareable state of `session`. */
export function sessionRecordOf(session: Session): SessionRecord {
  const p = session.principal;
  return {
    v: 1,
    ...(p
      ? {
          principal: {
            id: p.id,
            scopes: [...p.scopes],
            via: p.via,
            ...(p.tenantId !== undefined ? { tenantId: p.tenantId } : {}),
            ...(p.claims ? { claims: { ...p.claims } } : {}),
          },
        }
      : {}),
    protocolVersion: session.protocolVersion,
    ...(session.clientCapabilities
      ? { clientCapabilities: session.clientCapabilities as Record<string, unknown> }
      : {}),
    ...(session.clientInfo ? { clientInfo: session.clientInfo } : {}),
    initialized: session.initialized,
    ...(session.logLevel ? { logLevel: session.logLevel } : {}),
    subscriptions: session.subscribedUris(),
  };
}

/** Brings `session` up to `record` (what other replicas did to it). */
export function applySessionRecord(session: Session, record: SessionRecord): void {
  session.principal = record.principal;
  session.protocolVersion = record.protocolVersion;
  session.clientCapabilities = record.clientCapabilities as ClientCapabilities | undefined;
  session.clientInfo = record.clientInfo as Implementation | undefined;
  session.initialized = record.initialized;
  session.logLevel = record.logLevel;
  session.setSubscriptions(record.subscriptions);
}

/** Serializes a record for a store, refusing oversized ones. */
export function encodeSessionRecord(record: SessionRecord): string {
  const text = JSON.stringify(record);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_SESSION_RECORD_BYTES) throw new SessionRecordTooLargeError(bytes);
  return text;
}

/** Reads a stored record back; undefined for anything that is not a valid record (never trusted as is). */
export function decodeSessionRecord(text: string | null | undefined): SessionRecord | undefined {
  if (!text || text.length > MAX_SESSION_RECORD_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = SessionRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Options of {@link InMemorySessionStore}. */
export interface InMemorySessionStoreOptions {
  /** A record is forgotten this long after its last use. Default 10 minutes. */
  readonly ttlMs?: number;
  /** Records kept; the least recently used go first. Default 10 000. */
  readonly maxSessions?: number;
}

/**
 * Records in this process's memory, serialized as a shared store would keep them. For one process the
 * transport needs no store at all; this one lets several transports in one process (tests, embedding) share
 * sessions as replicas do.
 */
export class InMemorySessionStore implements SessionStore {
  private readonly records = new Map<string, { text: string; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly maxSessions: number;

  constructor(options: InMemorySessionStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.maxSessions = options.maxSessions ?? 10_000;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const kept = this.records.get(id);
    if (!kept) return undefined;
    if (kept.expiresAt <= Date.now()) {
      this.records.delete(id);
      return undefined;
    }
    this.keep(id, kept.text);
    return decodeSessionRecord(kept.text);
  }

  async save(id: string, record: SessionRecord): Promise<void> {
    this.keep(id, encodeSessionRecord(record));
  }

  async touch(id: string): Promise<void> {
    const kept = this.records.get(id);
    if (kept && kept.expiresAt > Date.now()) this.keep(id, kept.text);
  }

  async delete(id: string): Promise<void> {
    this.records.delete(id);
  }

  private keep(id: string, text: string): void {
    // Map order is insertion order: re-inserting keeps the least recently used first, for eviction.
    this.records.delete(id);
    while (this.records.size >= this.maxSessions) {
      const oldest = this.records.keys().next().value as string;
      this.records.delete(oldest);
    }
    this.records.set(id, { text, expiresAt: Date.now() + this.ttlMs });
  }
}

/** What {@link RedisSessionStore} needs of a Redis client; `ioredis` has it. */
export interface RedisSessionClient {
  getex(key: string, mode: 'PX', ms: number): Promise<string | null>;
  set(key: string, value: string, mode: 'PX', ms: number): Promise<unknown>;
  pexpire(key: string, ms: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

/** Options of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  readonly redis: RedisSessionClient;
  /** Key prefix. Default `agent-mcp:session:`. */
  readonly prefix?: string;
  /** A record expires this long after its last use (set it to the session idle timeout). Default 10 minutes. */
  readonly ttlMs?: number;
}

/**
 * Records in Redis, one string key per session with an expiry that every read pushes back (`GETEX`, one
 * round trip): every replica reads and writes the same records.
 */
export class RedisSessionStore implements SessionStore {
  private readonly redis: RedisSessionClient;
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(options: RedisSessionStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'agent-mcp:session:';
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    return decodeSessionRecord(await this.redis.getex(this.prefix + id, 'PX', this.ttlMs));
  }

  async save(id: string, record: SessionRecord): Promise<void> {
    await this.redis.set(this.prefix + id, encodeSessionRecord(record), 'PX', this.ttlMs);
  }

  async touch(id: string): Promise<void> {
    await this.redis.pexpire(this.prefix + id, this.ttlMs);
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.prefix + id);
  }
}
