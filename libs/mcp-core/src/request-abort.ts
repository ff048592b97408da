/**
 * A running request's cancellation: what an AbortController does, with its AbortSignal built only when something
 * asks for it. Node builds a signal in about a microsecond (an EventTarget with its own state), an eighth of a
 * whole echo call on stdio, and most calls never look at it: the server checks {@link aborted} instead.
 */
export class RequestAbort {
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private isAborted = false;

  /** True once {@link abort} ran. */
  get aborted(): boolean {
    return this.isAborted;
  }

  /** Why it was aborted, once it was. */
  get reason(): unknown {
    return this.abortReason;
  }

  /** The signal handlers listen to; built on first use, already aborted if the request is. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Aborts the request (the first reason wins, like AbortController's). */
  abort(reason: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}
