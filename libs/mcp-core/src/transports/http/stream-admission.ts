import { JsonRpcErrorCode } from '../../errors';
import { Refusal } from './http-replies';

/** Streams free up only when clients close them: a fixed, modest hint. */
const STREAM_RETRY_AFTER_SECONDS = 10;

/** Options of {@link StreamAdmission}. */
export interface StreamAdmissionOptions {
  /** Most open streams in all; 0: no limit. */
  readonly maxStreams: number;
  /** Most open streams of one principal (by `principalKey`); 0: no limit. */
  readonly maxStreamsPerPrincipal: number;
}

/**
 * Counts long-lived GET streams against a limit per principal and one for the server. A principal over its own
 * limit is told to close a stream first (429); a full server asks everyone to come back later (503).
 */
export class StreamAdmission {
  private open = 0;
  private readonly byOwner = new Map<string, number>();

  constructor(private readonly options: StreamAdmissionOptions) {}

  /** Open streams in all. */
  get count(): number {
    return this.open;
  }

  /** Open streams of `owner`. */
  countOf(owner: string): number {
    return this.byOwner.get(owner) ?? 0;
  }

  /** Counts one more stream of `owner` (call {@link release} when it closes), or the refusal to answer with. */
  admit(owner: string): Refusal | undefined {
    const { maxStreams, maxStreamsPerPrincipal } = this.options;
    const mine = this.countOf(owner);
    const retry = { 'retry-after': String(STREAM_RETRY_AFTER_SECONDS) };
    if (maxStreamsPerPrincipal > 0 && mine >= maxStreamsPerPrincipal) {
      return new Refusal(
        429,
        JsonRpcErrorCode.Unavailable,
        `Too Many Requests: at most ${maxStreamsPerPrincipal} open streams per principal; close one first`,
        retry,
      );
    }
    if (maxStreams > 0 && this.open >= maxStreams)
      return new Refusal(503, JsonRpcErrorCode.Unavailable, 'Service Unavailable: too many open streams', retry);
    this.open++;
    this.byOwner.set(owner, mine + 1);
    return undefined;
  }

  /** A stream admitted for `owner` closed. */
  release(owner: string): void {
    this.open--;
    const left = this.countOf(owner) - 1;
    if (left > 0) this.byOwner.set(owner, left);
    else this.byOwner.delete(owner);
  }
}
