import { z } from 'zod';
import { type Logger, principalKey } from '@agent-mcp/context';
import { type HandlerContext } from '@agent-mcp/mcp-core';
import { type PendingConfirmation, type SupportConfirmations } from './confirmations';
import { actionHeadline, describeAction, type SupportAction } from './support-actions';

/** A person's answer to a support write, as the MCP bridge got it. */
export type SupportApproval =
  | { readonly decision: 'approved' }
  | { readonly decision: 'declined'; readonly message: string }
  /** Nobody could be asked now: the action is stored, and `support_confirm` with this id writes it. */
  | { readonly decision: 'pending'; readonly message: string; readonly confirmation: PendingConfirmation };

/** Options of {@link askSupportApproval}. */
export interface SupportApprovalOptions {
  readonly context: HandlerContext;
  readonly confirmations: SupportConfirmations;
  /** The tenant the action writes in. */
  readonly tenant: string;
  /** How long a pending confirmation can be used. */
  readonly ttlSeconds: number;
  readonly logger: Logger;
}

// The answer comes from the client: read it as untrusted input.
const ElicitAnswer = z.object({
  action: z.enum(['accept', 'decline', 'cancel']),
  content: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Asks the user whether the support agent may make `action`. A client that declared form-mode elicitation is
 * asked at once (`elicitation/create`: the exact write and a `confirm` box); only `accept` with `confirm: true`
 * approves. A client that cannot be asked (no elicitation, URL mode only, or the question failed or timed out)
 * gets a pending confirmation instead, stored for the caller's principal and tenant.
 *
 * @throws the signal's reason when the call is cancelled while waiting.
 */
export async function askSupportApproval(
  action: SupportAction,
  signal: AbortSignal,
  options: SupportApprovalOptions,
): Promise<SupportApproval> {
  const { context } = options;
  if (canElicitForm(context)) {
    void context.reportProgress(`waiting for your approval to ${actionHeadline(action)}`);
    try {
      const answer = ElicitAnswer.safeParse(
        await context.client.elicit(
          {
            // `mode` arrived with protocol 2025-11-25; older clients read a form without it.
            ...(context.client.protocolVersion >= '2025-11-25' ? { mode: 'form' as const } : {}),
            message: `The support assistant wants to write this. Nothing is written unless you accept.\n\n${describeAction(action)}`,
            requestedSchema: {
              type: 'object',
              properties: {
                confirm: {
                  type: 'boolean',
                  title: action.tool === 'ticket_create' ? 'Open this ticket' : 'Post this reply',
                  description: 'Tick and accept to write exactly what is shown; decline and nothing is written.',
                },
              },
              required: ['confirm'],
            },
          },
          { signal },
        ),
      );
      if (!answer.success)
        return {
          decision: 'declined',
          message: 'The answer to the approval request could not be read, so nothing was written.',
        };
      if (answer.data.action === 'accept' && answer.data.content?.['confirm'] === true) return { decision: 'approved' };
      const how =
        answer.data.action === 'accept'
          ? 'did not tick confirm'
          : answer.data.action === 'decline'
            ? 'declined'
            : 'dismissed the request';
      return { decision: 'declined', message: `You ${how}: nothing was written (${actionHeadline(action)}).` };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // The client said it could ask but did not answer: keep the action for a confirmation instead.
      options.logger.warn('support approval: elicitation failed, falling back to a pending confirmation', { error });
    }
  }
  const confirmation = await options.confirmations.create(
    principalKey(context.principal),
    options.tenant,
    action,
    options.ttlSeconds,
    signal,
  );
  return {
    decision: 'pending',
    message:
      `Nothing has been written. To ${actionHeadline(action)} exactly as proposed, call support_confirm with ` +
      `confirmationId "${confirmation.confirmationId}" and approve: true before ${confirmation.expiresAt}; approve: false discards it.`,
    confirmation,
  };
}

/** Whether the client declared elicitation in form mode (an empty capability means form, for older clients). */
function canElicitForm(context: HandlerContext): boolean {
  const capability = context.client.capabilities?.elicitation as { form?: unknown; url?: unknown } | undefined;
  if (!capability) return false;
  return capability.form !== undefined || capability.url === undefined;
}
