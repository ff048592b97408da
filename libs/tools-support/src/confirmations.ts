import { type SqlClient, type SqlQueryable } from '@agent-mcp/context';
import {
  type ConfirmationClaim,
  type PendingConfirmation,
  SqlConfirmationStore,
  TooManyPendingError,
} from '@agent-mcp/store';
import { type SupportAction, SupportActionSchema } from './support-actions';

export { type PendingConfirmation, TooManyPendingError };

/** What consuming a confirmation found: the store's answer, with the action checked as a support action. */
export type SupportConfirmationClaim =
  | { readonly status: 'claimed'; readonly action: SupportAction }
  | Exclude<ConfirmationClaim, { readonly status: 'claimed' }>;

/**
 * Where a support write waits for the user's yes when the client could not ask: the port the support tools use
 * (`@agent-mcp/store`'s `SqlConfirmationStore` keeps them in PostgreSQL).
 */
export interface SupportConfirmations {
  /** Creates the table if missing; call before opening the transaction `consume` runs in. */
  ensureSchema(): Promise<void>;
  /** Stores `action` for `owner` in `tenant`. @throws {@link TooManyPendingError} past the owner's limit. */
  create(
    owner: string,
    tenant: string,
    action: SupportAction,
    ttlSeconds: number,
    signal?: AbortSignal,
  ): Promise<PendingConfirmation>;
  /** Consumes it once, on `tx`, the transaction that also writes the action. */
  consume(
    tx: SqlQueryable,
    confirmationId: string,
    owner: string,
    tenant: string,
    decision: 'approved' | 'declined',
    signal?: AbortSignal,
  ): Promise<SupportConfirmationClaim>;
}

/** The support confirmations in PostgreSQL on `sql`, beside the tables the confirmed writes go to. */
export function createSupportConfirmations(sql: SqlClient): SupportConfirmations {
  const store = new SqlConfirmationStore({ sql });
  return {
    ensureSchema: () => store.ensureSchema(),
    create: (owner, tenant, action, ttlSeconds, signal) => store.create(owner, tenant, action, ttlSeconds, signal),
    async consume(tx, confirmationId, owner, tenant, decision, signal) {
      const claim = await store.consume(tx, confirmationId, owner, tenant, decision, signal);
      // Stored by this library; checked again, as anything read back from a database.
      return claim.status === 'claimed'
        ? { status: 'claimed', action: SupportActionSchema.parse(claim.action) }
        : claim;
    },
  };
}
