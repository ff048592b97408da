import { type SqlClient } from '@agent-mcp/context';
import { type SupportConfirmations } from './confirmations';
import { performSupportAction, type SupportAction, type SupportActionResult } from './support-actions';
import { createSupportStore } from './support-store';
import { storeError } from './support-tools';

/** What spending a confirmation did: refused (nothing written), or its action and what writing it wrote. */
export type ConfirmedWrite =
  | { readonly refused: 'not_found' | 'used' | 'expired' }
  /** `written` is undefined when declined, or when the customer or ticket is no longer the tenant's. */
  | { readonly action: SupportAction; readonly written: SupportActionResult | undefined };

/**
 * Spends the confirmation `confirmationId` of `owner` in `tenant`: writes its action when approved. `replyKey`: the
 * key a stored reply is written under (the agent's step key, hashed), so that the step run again after a crash finds
 * the reply it wrote; a stored action never carries one (a person approves the words, not the key).
 */
export type ConfirmedWriter = (
  confirmationId: string,
  owner: string,
  tenant: string,
  decision: 'approved' | 'declined',
  signal: AbortSignal,
  replyKey?: string,
) => Promise<ConfirmedWrite>;

/** Options of {@link createConfirmedWriter}. */
export interface ConfirmedWriterOptions {
  /** The application database: the confirmation and the write commit together on it. */
  readonly sql: SqlClient;
  readonly confirmations: SupportConfirmations;
  /** Creates the support tables where missing (before the transaction that writes). */
  readonly ensureTables?: () => Promise<void>;
}

/**
 * The one way a stored support action is written (`support_confirm`, and an approval a 2026-07-28 client gave
 * through an input request): the confirmation is consumed in the transaction that writes, so the action is
 * written at most once, whoever retries, on whichever replica.
 */
export function createConfirmedWriter(options: ConfirmedWriterOptions): ConfirmedWriter {
  const { confirmations } = options;
  return async (confirmationId, owner, tenant, decision, signal, replyKey) => {
    try {
      await options.ensureTables?.();
      await confirmations.ensureSchema();
      return await options.sql.transaction(
        async (tx): Promise<ConfirmedWrite> => {
          const claim = await confirmations.consume(tx, confirmationId, owner, tenant, decision, signal);
          if (claim.status !== 'claimed') return { refused: claim.status };
          const action = withReplyKey(claim.action, replyKey);
          const written =
            decision === 'approved'
              ? await performSupportAction(createSupportStore(tx), tenant, action, signal)
              : undefined;
          return { action, written };
        },
        { signal },
      );
    } catch (error) {
      throw storeError(error);
    }
  };
}

function withReplyKey(action: SupportAction, replyKey: string | undefined): SupportAction {
  if (action.tool !== 'ticket_reply' || replyKey === undefined || action.arguments.idempotencyKey !== undefined)
    return action;
  return { ...action, arguments: { ...action.arguments, idempotencyKey: replyKey } };
}
