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
  /** Caller preferences (for example from the session or a profile). Read-only to tools. */
  readonly preferences: Readonly<Record<string, unknown>>;
  /** Who is calling; the seed's `auth: AuthInfo`. */
  readonly auth: Principal;
  /**
   * Long-lived memory of this principal (and tenant): kept by the server's `MemoryStore` (the application database
   * in the apps), given to agent tools before each run and shown to the user by `memory_get`.
   */
  readonly memory: ScopedMemory;
}

/** The state of one principal: frozen, with its memory already scoped to it. */
export function createAgentState(
  store: MemoryStore,
  principal: Principal,
  preferences: Readonly<Record<string, unknown>> = {},
): AgentState {
  return Object.freeze({ preferences, auth: principal, memory: scopeMemory(store, principal) });
}

/** Binds a store to one principal. */
export function scopeMemory(store: MemoryStore, principal: Principal): ScopedMemory {
  const namespace = principalKey(principal);
  return {
    get: (key) => store.get(namespace, key),
    set: (key, value, options) => store.set(namespace, key, value, options),
    delete: (key) => store.delete(namespace, key),
    keys: () => store.keys(namespace),
  };
}
