import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type Principal } from '@agent-mcp/context';
import { AuthConfigError } from './decisions';

const HASH = /^sha256:[0-9a-f]{64}$/;

/** One entry of the API keys file. The key itself is never stored: only its SHA-256. */
export const ApiKeyEntrySchema = z.strictObject({
  /** The principal the key stands for. */
  id: z.string().min(1).max(200),
  /** `sha256:` and the lower-case hex SHA-256 of the key (see {@link hashApiKey}). */
  hash: z.string().regex(HASH, 'must be "sha256:" followed by 64 lower-case hex digits'),
  tenant: z.string().min(1).max(200).optional(),
  scopes: z.array(z.string().min(1)).default([]),
  /** A key can be switched off without deleting it. */
  disabled: z.boolean().default(false),
});

/** The API keys file: `{ "keys": [ ... ] }`. */
export const ApiKeysFileSchema = z.strictObject({ keys: z.array(ApiKeyEntrySchema) });

export type ApiKeyEntry = z.output<typeof ApiKeyEntrySchema>;

/**
 * The hash stored for a key. SHA-256 without salt is the right tool for keys we generate with 256 bits of
 * randomness (as GitHub and Stripe do): nothing to brute-force, and a lookup costs microseconds.
 */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** Reads and validates an API keys file; throws {@link AuthConfigError} naming the file and the problem. */
export function loadApiKeysFile(file: string): ApiKeyEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AuthConfigError(
      `API_KEYS_FILE: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AuthConfigError(`API_KEYS_FILE: ${file} is not valid JSON`, { cause: error });
  }
  const parsed = ApiKeysFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AuthConfigError(`API_KEYS_FILE: ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const seen = new Set<string>();
  for (const entry of parsed.data.keys) {
    if (seen.has(entry.hash))
      throw new AuthConfigError(`API_KEYS_FILE: ${file}: the same key hash appears twice (id ${entry.id})`);
    seen.add(entry.hash);
  }
  return parsed.data.keys;
}

/** Options of {@link createApiKeyStore}. */
export interface ApiKeyStoreOptions {
  /** Path of the JSON keys file. */
  readonly file: string;
  /** Watch the file and apply changes without a restart. Default true. */
  readonly watch?: boolean;
  /** Told after each reload: the number of keys, or the error that kept the previous keys in force. */
  readonly onReload?: (result: { readonly keys: number } | { readonly error: Error }) => void;
}

/** API keys from a file, hot-reloaded. */
export interface ApiKeyStore {
  /** The principal of a presented key, or undefined. Runs in time independent of which stored key matches. */
  lookup(key: string): Principal | undefined;
  /** Number of keys in force. */
  readonly size: number;
  /** Re-reads the file now; on error the previous keys stay in force and the error is thrown. */
  reload(): void;
  /** Stops watching the file. */
  close(): void;
}

interface CompiledKey {
  readonly digest: Buffer;
  readonly principal: Principal | undefined;
}

/**
 * Loads the keys file (failing fast if it is unusable) and keeps it current: the directory is watched, because
 * editors and config management replace files by renaming, which a watch on the file itself would miss.
 */
export function createApiKeyStore(options: ApiKeyStoreOptions): ApiKeyStore {
  const file = path.resolve(options.file);
  let keys = compile(loadApiKeysFile(file));
  let watcher: FSWatcher | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const reload = () => {
    keys = compile(loadApiKeysFile(file));
  };

  if (options.watch ?? true) {
    const base = path.basename(file);
    watcher = watch(path.dirname(file), { persistent: false }, (_event, name) => {
      if (name !== null && name !== base) return;
      // A save is often several events (truncate, write, rename): settle first.
      clearTimeout(timer);
      timer = setTimeout(() => {
        try {
          reload();
          options.onReload?.({ keys: keys.length });
        } catch (error) {
          options.onReload?.({ error: error as Error });
        }
      }, 50);
      timer.unref();
    });
  }

  return {
    lookup(key) {
      const digest = createHash('sha256').update(key, 'utf8').digest();
      let found: Principal | undefined;
      // Compare against every key without stopping early, so timing says nothing about which one matched.
      for (const k of keys) {
        if (timingSafeEqual(k.digest, digest) && k.principal) found = k.principal;
      }
      return found;
    },
    get size() {
      return keys.length;
    },
    reload,
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

function compile(entries: readonly ApiKeyEntry[]): CompiledKey[] {
  return entries.map((e) => ({
    digest: Buffer.from(e.hash.slice('sha256:'.length), 'hex'),
    principal: e.disabled
      ? undefined
      : Object.freeze({
          id: e.id,
          ...(e.tenant ? { tenantId: e.tenant } : {}),
          scopes: Object.freeze([...e.scopes]),
          via: 'api_key' as const,
        }),
  }));
}
