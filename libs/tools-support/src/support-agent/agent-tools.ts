import { z } from 'zod';
import { tool, wrapUntrusted } from '@agent-mcp/agent-core';
import { Priority, renderTicket, storeError } from '../support-tools';
import { type SupportChange, type SupportRun } from './support-run';
import { type SupportWrites } from './support-writes';

/**
 * The tools the `support` agent calls, bound to the caller's tenant: three reads, whose results reach the model
 * fenced as untrusted data, and two writes, each approved by the user first (see {@link SupportWrites}). What a
 * call does to the result is a {@link SupportChange} kept with its step, which a replay of the step makes again.
 */
export function supportAgentTools(run: SupportRun, writes: SupportWrites) {
  const { store, tenant } = run;
  const failed = (e: unknown): never => {
    throw storeError(e);
  };
  const made = (keep: (value: unknown) => void, change: SupportChange) => {
    run.apply(change);
    keep(change);
  };
  // The record is this server's own (its run steps), written by the code above.
  const restore = (kept: unknown) => run.apply(kept as SupportChange);
  return [
    tool({
      name: 'kb_search',
      description: 'Searches the help-centre articles; returns the best matches with their ids and passages.',
      parameters: z.object({ query: z.string().min(1).max(500) }),
      execute: async ({ query }, { signal, keep }) => {
        const hits = await store.searchArticles(tenant, query, 5, signal).catch(failed);
        made(keep, {
          action: { tool: 'kb_search', ok: true, detail: `${JSON.stringify(query)}: ${hits.length} article(s)` },
          found: hits.map((h) => ({ id: h.id, slug: h.slug, title: h.title })),
        });
        if (!hits.length) return 'No article matches; try other words.';
        return wrapUntrusted(
          'kb_search',
          hits.map((h) => `[kb:${h.id}] ${h.title}\n${h.snippet}`).join('\n\n'),
          'help-centre content',
        );
      },
      restore,
    }),
    tool({
      name: 'customer_lookup',
      description: 'A customer of this organisation by id: name, plan, orders and open tickets.',
      parameters: z.object({ customerId: z.number().int().min(1).max(2_147_483_647) }),
      execute: async ({ customerId: id }, { signal, keep }) => {
        const customer = await store.findCustomer(tenant, { id }, signal).catch(failed);
        const ok = customer !== undefined;
        made(keep, { action: { tool: 'customer_lookup', ok, detail: `customer ${id}${ok ? '' : ': not found'}` } });
        return customer
          ? wrapUntrusted('customer_lookup', JSON.stringify(customer), 'customer data')
          : `No customer ${id} was found.`;
      },
      restore,
    }),
    tool({
      name: 'ticket_get',
      description: 'A ticket of this organisation with its messages.',
      parameters: z.object({ ticketId: z.number().int().min(1).max(2_147_483_647) }),
      execute: async ({ ticketId: id }, { signal, keep }) => {
        const ticket = await store.getTicket(tenant, id, signal).catch(failed);
        const ok = ticket !== undefined;
        made(keep, { action: { tool: 'ticket_get', ok, detail: `ticket ${id}${ok ? '' : ': not found'}` } });
        return ticket ? renderTicket(ticket) : `No ticket ${id} was found.`;
      },
      restore,
    }),
    tool({
      name: 'ticket_create',
      description:
        'Opens a ticket for the customer of this conversation with a subject and a first message summarising the request.',
      parameters: z.object({
        subject: z.string().min(1).max(200),
        body: z.string().min(1).max(4000),
        priority: Priority.optional(),
      }),
      needsApproval: writes.needsApproval('ticket_create'),
      // Its idempotency key comes with the approved action: made from the approval's step (see `ticketKey`).
      execute: (args, call) => writes.write('ticket_create', args, call),
      restore,
    }),
    tool({
      name: 'ticket_reply',
      description:
        'Posts a reply to the customer on the ticket of this conversation (the given one, or the one you opened).',
      parameters: z.object({ body: z.string().min(1).max(4000) }),
      needsApproval: writes.needsApproval('ticket_reply'),
      execute: (args, call) => writes.write('ticket_reply', args, call),
      restore,
    }),
  ];
}
