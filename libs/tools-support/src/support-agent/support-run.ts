import { type SupportStore } from '../support-store';
import { type ArticleRef, type SupportOutput } from './support-output';

/**
 * What one tool call of the agent did to the result. A call keeps it with its recorded step, so a call replayed
 * from the record of a run resumed after a crash (which does not run again) puts it back: the resumed run reports
 * the calls made before the crash as the uninterrupted run would.
 */
export interface SupportChange {
  /** The call, for `out.actions`. */
  readonly action: { readonly tool: string; readonly ok: boolean; readonly detail: string };
  /** Articles the call found, for the citations. */
  readonly found?: readonly ArticleRef[];
  readonly ticketCreated?: { readonly id: number; readonly created: boolean };
  readonly replied?: { readonly ticketId: number; readonly messageId: number };
}

/** What one `support` call works on and has done so far; its parts read and write it. */
export interface SupportRun {
  readonly store: SupportStore;
  /** The caller's tenant: every id the model passes is looked up inside it only. */
  readonly tenant: string;
  /** The customer and ticket the caller named. */
  readonly given: { readonly customerId?: number; readonly ticketId?: number };
  /** The result being built. */
  readonly out: SupportOutput;
  /** Articles the agent found, by id, for the citations. */
  readonly found: Map<number, ArticleRef>;
  /** Adds what is not a tool call's doing to `out.actions` (an approval declined or left pending). */
  record(tool: string, ok: boolean, detail: string): void;
  /** Makes a tool call's change: live, and again when its step is replayed (see {@link SupportChange}). */
  apply(change: SupportChange): void;
}

/** A run of `support` in `tenant`, with nothing done yet. */
export function startSupportRun(
  store: SupportStore,
  tenant: string,
  given: { readonly customerId?: number; readonly ticketId?: number },
): SupportRun {
  const out: SupportOutput = { status: 'answered', answer: '', articlesCited: [], actions: [] };
  const found = new Map<number, ArticleRef>();
  return {
    store,
    tenant,
    given,
    out,
    found,
    record: (tool, ok, detail) => out.actions.push({ tool, ok, detail }),
    apply(change) {
      out.actions.push({ ...change.action });
      for (const a of change.found ?? []) found.set(a.id, { id: a.id, slug: a.slug, title: a.title });
      if (change.ticketCreated) out.ticketCreated = { ...change.ticketCreated };
      if (change.replied) out.replied = { ...change.replied };
    },
  };
}
