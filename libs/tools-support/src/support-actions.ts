import { z } from 'zod';
import { type SupportStore, type Ticket, type TicketMessage } from './support-store';
import { storeError } from './support-tools';

const Id = z.number().int().min(1).max(2_147_483_647);

/**
 * A write the support agent wants to make, with its exact arguments: those of the direct tool of the same name
 * (`ticket_create`, `ticket_reply`), everything bound (customer, ticket, idempotency key), nothing left for a
 * model to choose. It is what a person approves, what a pending confirmation stores, and what is written.
 */
export const SupportActionSchema = z.discriminatedUnion('tool', [
  z.object({
    tool: z.literal('ticket_create'),
    arguments: z.object({
      customerId: Id,
      subject: z.string().min(1).max(200),
      body: z.string().min(1).max(10_000),
      priority: z.enum(['low', 'normal', 'high', 'urgent']),
      idempotencyKey: z.string().min(8).max(200),
    }),
  }),
  z.object({
    tool: z.literal('ticket_reply'),
    arguments: z.object({
      ticketId: Id,
      body: z.string().min(1).max(10_000),
      // Set where the reply is written (the agent's step key), never proposed: a person approves the words.
      idempotencyKey: z.string().min(8).max(200).optional(),
    }),
  }),
]);

/** See {@link SupportActionSchema}. */
export type SupportAction = z.output<typeof SupportActionSchema>;

/** What writing a {@link SupportAction} did; `undefined` when its customer or ticket is not the tenant's (nothing written). */
export type SupportActionResult =
  | { readonly tool: 'ticket_create'; readonly ticket: Ticket; readonly created: boolean }
  | { readonly tool: 'ticket_reply'; readonly ticketId: number; readonly message: TicketMessage };

/** Writes `action` for `tenant`: the one place the agent's approved writes and `support_confirm` go through. */
export async function performSupportAction(
  store: SupportStore,
  tenant: string,
  action: SupportAction,
  signal?: AbortSignal,
): Promise<SupportActionResult | undefined> {
  try {
    if (action.tool === 'ticket_create') {
      const outcome = await store.createTicket(tenant, action.arguments, signal);
      return outcome && { tool: 'ticket_create', ...outcome };
    }
    const { ticketId, body, idempotencyKey } = action.arguments;
    const message = await store.reply(tenant, ticketId, 'agent', body, signal, idempotencyKey);
    return message && { tool: 'ticket_reply', ticketId, message };
  } catch (error) {
    throw storeError(error);
  }
}

/** One line naming the write, e.g. `open a ticket for customer 7`. */
export function actionHeadline(action: SupportAction): string {
  return action.tool === 'ticket_create'
    ? `open a ticket for customer ${action.arguments.customerId}`
    : `reply on ticket ${action.arguments.ticketId}`;
}

/** Exactly what will be written, for the person who approves it. */
export function describeAction(action: SupportAction): string {
  if (action.tool === 'ticket_create') {
    const a = action.arguments;
    return [
      `Open a ticket for customer ${a.customerId}`,
      `Subject: ${a.subject}`,
      `Priority: ${a.priority}`,
      'First message:',
      a.body,
    ].join('\n');
  }
  return [
    `Reply on ticket ${action.arguments.ticketId} (the customer will see it)`,
    'Reply:',
    action.arguments.body,
  ].join('\n');
}
