import { type MemoryStore, type MemorySetOptions } from './memory-store';
import { type Principal, principalKey } from './principal';

/** Memory of one principal: a {@link MemoryStore} already scoped, so a tool cannot name another's namespace. */
export interface ScopedMemory {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, options?: MemorySetOptions): Promise<void>;
  delete(key: string): Promise<boolean>;
  keys(): Promise<string[]>;
}

/** The seed's `AgentState`: what the server knows of the caller across requests. */
export interface AgentState {
  /**
   * The caller's preferences (language, tone...: agent-tools' `PreferencesSchema` names them), kept by the same
   * `MemoryStore` as its memory under keys of their own, given to agent tools before each run and shown to the user
   * by `preferences_get`.
   */
  readonly preferences: ScopedMemory;
  /** Who is calling; the seed's `auth: AuthInfo`. */
  readonly auth: Principal;
  /**
   * Long-lived memory of this principal (and tenant): kept by the server's `MemoryStore` (the application database
   * in the apps), given to agent tools before each run and shown to the user by `memory_get`.
   */
  readonly memory: ScopedMemory;
}

/** The state of one principal: frozen, with its preferences and memory already scoped to it. */
export function createAgentState(store: MemoryStore, principal: Principal): AgentState {
  return Object.freeze({
    preferences: scopePreferences(store, principal),
    auth: principal,
    memory: scopeMemory(store, principal),
  });
}

/**
 * Where a preference is kept in its principal's namespace: `preference:<name>`. No memory key holds a `:` (the
 * memory tools refuse one), and {@link scopeMemory} hides these keys, so neither side can read or clear the other's.
 */
const PREFERENCE_KEY = 'preference:';
const isPreferenceKey = (key: string) => key.startsWith(PREFERENCE_KEY);

/** Binds a store to one principal: its memory, without its preferences. */
export function scopeMemory(store: MemoryStore, principal: Principal): ScopedMemory {
  const namespace = principalKey(principal);
  return {
    get: <T>(key: string) => (isPreferenceKey(key) ? Promise.resolve(undefined) : store.get<T>(namespace, key)),
    set: (key, value, options) =>
      isPreferenceKey(key)
        ? Promise.reject(new RangeError(`Memory keys starting "${PREFERENCE_KEY}" hold preferences`))
        : store.set(namespace, key, value, options),
    delete: (key) => (isPreferenceKey(key) ? Promise.resolve(false) : store.delete(namespace, key)),
    keys: async () => (await store.keys(namespace)).filter((key) => !isPreferenceKey(key)),
  };
}

/** Binds a store to one principal's preferences, by name. */
export function scopePreferences(store: MemoryStore, principal: Principal): ScopedMemory {
  const namespace = principalKey(principal);
  return {
    get: <T>(name: string) => store.get<T>(namespace, PREFERENCE_KEY + name),
    set: (name, value, options) => store.set(namespace, PREFERENCE_KEY + name, value, options),
    delete: (name) => store.delete(namespace, PREFERENCE_KEY + name),
    keys: async () =>
      (await store.keys(namespace)).filter(isPreferenceKey).map((key) => key.slice(PREFERENCE_KEY.length)),
  };
}
