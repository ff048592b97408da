import { z } from 'zod';
import { principalKey } from '@agent-mcp/context';
import { defineTool } from '@agent-mcp/mcp-core';
import { type ConfirmedWriter } from './confirmed-write';
import { supportError } from './errors';
import { actionHeadline, SupportActionSchema, type SupportActionResult } from './support-actions';
import { tenantOf } from './support-tools';

/** Options of {@link createSupportConfirmTool}. */
export interface SupportConfirmToolOptions {
  /** Spends a confirmation in the transaction that writes its action (`createConfirmedWriter`). */
  readonly writeConfirmed: ConfirmedWriter;
  readonly defaultTenant: string;
}

/** Shape of `support_confirm`'s `structuredContent`. */
export const SupportConfirmOutputSchema = z.object({
  /** `written`: the stored action was written; `discarded`: `approve: false`, nothing was written. */
  status: z.enum(['written', 'discarded']),
  /** The action as it was proposed and stored, with its exact arguments. */
  action: SupportActionSchema,
  /**
   * The ticket opened; `created: false` only for a confirmation stored before a ticket's key was its call's (keyed by
   * its request), whose request had opened the ticket already (nothing written).
   */
  ticketCreated: z.object({ id: z.number().int(), created: z.boolean() }).optional(),
  /** The reply posted. */
  replied: z.object({ ticketId: z.number().int(), messageId: z.number().int() }).optional(),
});
type SupportConfirmOutput = z.output<typeof SupportConfirmOutputSchema>;

const CLAIM_ERRORS = {
  not_found: ['CONFIRMATION_NOT_FOUND', 'No pending confirmation has this id for you. Nothing was written.'],
  used: ['CONFIRMATION_USED', 'This confirmation was already used (confirmed or discarded). Nothing was written.'],
  expired: [
    'CONFIRMATION_EXPIRED',
    'This confirmation has expired. Nothing was written; ask the support assistant again.',
  ],
} as const;

/**
 * `support_confirm`: writes (or discards) the action a `support` call left pending because the client could not
 * ask the user. Exactly the stored action, at most once: the confirmation is consumed in the transaction that
 * writes, so a second confirm, an expired id, or another principal's or tenant's id writes nothing.
 */
export function createSupportConfirmTool(options: SupportConfirmToolOptions) {
  const { writeConfirmed } = options;
  return defineTool({
    name: 'support_confirm',
    title: 'Confirm a support write',
    description:
      'Confirms (approve: true) or discards (approve: false) a ticket or reply the support assistant proposed when it could ' +
      'not ask you directly (a support result with status "pending_confirmation"). Writes exactly the proposed action, once; ' +
      'the id is yours alone and expires.',
    inputSchema: z.object({
      confirmationId: z
        .string()
        .regex(/^cf_[0-9a-f]{32}$/, 'a confirmationId from a support result')
        .describe('The confirmationId of the pending support result'),
      approve: z.boolean().describe('true writes the proposed action; false discards it'),
    }),
    outputSchema: SupportConfirmOutputSchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    render: (out) =>
      out.status === 'discarded'
        ? `Discarded: nothing was written (${actionHeadline(out.action)}).`
        : out.ticketCreated
          ? `Ticket ${out.ticketCreated.id} ${out.ticketCreated.created ? 'opened' : 'was already open for this request'}.`
          : `Replied on ticket ${out.replied?.ticketId} (message ${out.replied?.messageId}).`,
    async execute({ confirmationId, approve }, ctx): Promise<SupportConfirmOutput> {
      const tenant = tenantOf(ctx.principal, options.defaultTenant);
      const owner = principalKey(ctx.principal);
      const outcome = await writeConfirmed(
        confirmationId,
        owner,
        tenant,
        approve ? 'approved' : 'declined',
        ctx.signal,
      );
      if ('refused' in outcome) {
        const [code, message] = CLAIM_ERRORS[outcome.refused];
        throw supportError(code, message);
      }
      const { action, written } = outcome;
      if (!approve) return { status: 'discarded', action };
      if (!written) {
        // The customer or ticket is no longer the tenant's: the confirmation is spent, nothing was written.
        throw action.tool === 'ticket_create'
          ? supportError(
              'CUSTOMER_NOT_FOUND',
              `No customer ${action.arguments.customerId} was found. Nothing was written.`,
            )
          : supportError('TICKET_NOT_FOUND', `No ticket ${action.arguments.ticketId} was found. Nothing was written.`);
      }
      return { status: 'written', action, ...resultFields(written) };
    },
  });
}

function resultFields(result: SupportActionResult): Pick<SupportConfirmOutput, 'ticketCreated' | 'replied'> {
  return result.tool === 'ticket_create'
    ? { ticketCreated: { id: result.ticket.id, created: result.created } }
    : { replied: { ticketId: result.ticketId, messageId: result.message.id } };
}
