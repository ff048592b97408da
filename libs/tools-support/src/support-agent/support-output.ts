import { z } from 'zod';
import { type AgentToolInterruption, type AgentToolOutcome } from '@agent-mcp/agent-tools';
import { wrapUntrusted } from '@agent-mcp/agent-core';
import { type SupportApproval } from '../approvals';
import { actionHeadline, describeAction, type SupportAction, SupportActionSchema } from '../support-actions';

const StopReason = z.enum(['max_turns', 'max_tokens', 'deadline']);

/** Shape of `support`'s `structuredContent`: the answer, what the agent did, and any write waiting for a yes. */
export const SupportOutputSchema = z.object({
  /**
   * `answered`; `stopped` when a budget ran out (see `stopReason`); `declined` when the user said no to a write
   * (nothing of it was written); `pending_confirmation` when the client could not ask the user: the write in
   * `proposedAction` waits for `support_confirm` with `confirmationId` before `expiresAt`.
   */
  status: z.enum(['answered', 'stopped', 'declined', 'pending_confirmation']),
  answer: z.string(),
  stopReason: StopReason.optional(),
  /** Help-centre articles the answer cites (`[kb:<id>]`), among those the agent found. */
  articlesCited: z.array(z.object({ id: z.number().int(), slug: z.string(), title: z.string() })),
  /**
   * The ticket the agent opened; `created: false` only for an action approved before a ticket's key was its call's
   * (keyed by its request), whose request had opened the ticket already: nothing was written.
   */
  ticketCreated: z.object({ id: z.number().int(), created: z.boolean() }).optional(),
  /** The reply the agent posted on the ticket. */
  replied: z.object({ ticketId: z.number().int(), messageId: z.number().int() }).optional(),
  /** The write that was declined or waits for confirmation, with its exact arguments (those of the direct tool). */
  proposedAction: SupportActionSchema.optional(),
  /** One-time id for `support_confirm`, with `status: pending_confirmation`. */
  confirmationId: z.string().optional(),
  /** When `confirmationId` stops working (ISO 8601). */
  expiresAt: z.string().optional(),
  /** Every tool call of the run, in order. */
  actions: z.array(z.object({ tool: z.string(), ok: z.boolean(), detail: z.string() })),
});
export type SupportOutput = z.output<typeof SupportOutputSchema>;

/** A help-centre article the agent found, as the output cites it. */
export interface ArticleRef {
  readonly id: number;
  readonly slug: string;
  readonly title: string;
}

/** A write the user did not approve now: declined, or waiting for `support_confirm`. */
export interface SupportProposal {
  readonly action: SupportAction;
  readonly answer: Exclude<SupportApproval, { decision: 'approved' }>;
}

const ARTICLE_REF = /\[kb:(\d+)\]/g;

/** Completes `out` from how the run ended, the write left for the user, and the articles the answer cites. */
export function finishSupportOutput(
  out: SupportOutput,
  outcome: AgentToolOutcome<string> | AgentToolInterruption,
  proposal: SupportProposal | undefined,
  found: ReadonlyMap<number, ArticleRef>,
): SupportOutput {
  if (outcome.status === 'completed') {
    out.answer = outcome.text;
  } else if (outcome.status === 'stopped') {
    Object.assign(out, { status: 'stopped', answer: outcome.summary, stopReason: outcome.stop.reason });
  } else if (proposal?.answer.decision === 'pending') {
    const { action, answer } = proposal;
    Object.assign(out, {
      status: 'pending_confirmation',
      answer: `The assistant wants to ${actionHeadline(action)} and needs your confirmation first:\n\n${describeAction(action)}\n\n${answer.message}`,
      proposedAction: action,
      confirmationId: answer.confirmation.confirmationId,
      expiresAt: answer.confirmation.expiresAt,
    });
  } else {
    Object.assign(out, {
      status: 'declined',
      answer: proposal?.answer.message ?? outcome.summary,
      ...(proposal ? { proposedAction: proposal.action } : {}),
    });
  }
  const cited = new Set([...out.answer.matchAll(ARTICLE_REF)].map((m) => Number(m[1])));
  out.articlesCited = [...found.values()].filter((a) => cited.has(a.id));
  return out;
}

/** The text content of a `support` result. */
export function renderSupportOutput(out: SupportOutput): string {
  return [
    out.answer,
    // Titles are help-centre content, which other people wrote: the caller's model reads them fenced.
    ...(out.articlesCited.length
      ? [
          '',
          'Articles cited:',
          wrapUntrusted(
            'support',
            out.articlesCited.map((a) => `[kb:${a.id}] ${a.title}`).join('\n'),
            'help-centre titles',
          ),
        ]
      : []),
    ...(out.ticketCreated
      ? [
          `Ticket ${out.ticketCreated.id} ${out.ticketCreated.created ? 'opened' : 'was already open for this request'}.`,
        ]
      : []),
    ...(out.replied ? [`Replied on ticket ${out.replied.ticketId}.`] : []),
  ].join('\n');
}
