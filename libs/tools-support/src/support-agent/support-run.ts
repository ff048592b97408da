import { type SupportStore } from '../support-store';
import { type ArticleRef, type SupportOutput } from './support-output';

/** What one `support` call works on and has done so far; its parts read and write it. */
export interface SupportRun {
  readonly store: SupportStore;
  /** The caller's tenant: every id the model passes is looked up inside it only. */
  readonly tenant: string;
  /** The customer and ticket the caller named. */
  readonly given: { readonly customerId?: number; readonly ticketId?: number };
  /** What the customer wrote. */
  readonly message: string;
  /** The result being built. */
  readonly out: SupportOutput;
  /** Articles the agent found, by id, for the citations. */
  readonly found: Map<number, ArticleRef>;
  /** Adds a tool call to `out.actions`. */
  record(tool: string, ok: boolean, detail: string): void;
}

/** A run of `support` for `message` in `tenant`, with nothing done yet. */
export function startSupportRun(
  store: SupportStore,
  tenant: string,
  message: string,
  given: { readonly customerId?: number; readonly ticketId?: number },
): SupportRun {
  const out: SupportOutput = { status: 'answered', answer: '', articlesCited: [], actions: [] };
  return {
    store,
    tenant,
    given,
    message,
    out,
    found: new Map(),
    record: (tool, ok, detail) => out.actions.push({ tool, ok, detail }),
  };
}
