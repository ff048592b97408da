import { type SqlClient } from '@agent-mcp/context';
import { type ConfirmationClaim, type ConfirmationStore, SqlConfirmationStore } from '@agent-mcp/store';
import { type SupportAction, SupportActionSchema } from './support-actions';

export { type PendingConfirmation, TooManyPendingError } from '@agent-mcp/store';

/** What consuming a confirmation found: the store's answer, with the action checked as a support action. */
export type SupportConfirmationClaim = ConfirmationClaim<SupportAction>;

/**
 * Where a support write waits for the user's yes when the client could not ask: the port the support tools use
 * (`@agent-mcp/store`'s `SqlConfirmationStore` keeps them in PostgreSQL).
 */
export type SupportConfirmations = ConfirmationStore<SupportAction>;

/** The support confirmations in PostgreSQL on `sql`, beside the tables the confirmed writes go to. */
export function createSupportConfirmations(sql: SqlClient): SupportConfirmations {
  const store = new SqlConfirmationStore({ sql });
  return {
    ensureSchema: () => store.ensureSchema(),
    create: (owner, tenant, action, ttlSeconds, signal, key) =>
      store.create(owner, tenant, action, ttlSeconds, signal, key),
    async consume(tx, confirmationId, owner, tenant, decision, signal) {
      const claim = await store.consume(tx, confirmationId, owner, tenant, decision, signal);
      // Stored by this library; checked again, as anything read back from a database.
      return claim.status === 'claimed'
        ? { status: 'claimed', action: SupportActionSchema.parse(claim.action) }
        : claim;
    },
  };
}
