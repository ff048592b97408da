import { z } from 'zod';
import { type Call } from '../call-context';
import { LatestThrottle } from '../latest-throttle';
import { type JSONRPCMessage, type JSONRPCResponseMessage } from '../protocol/messages';
import { ClientUnreachableError, type RequestChannel } from '../session';

/**
 * A parked run's progress on its way to the request waiting on it: straight to it when it waits in the run's own
 * process, else through the run's event {@link PROGRESS_EVENT}, which a request waiting on another replica reads
 * when its watch wakes (the retry of a 2026-07-28 call may reach any replica).
 */

/** The progress token a parked run's own context reports under; the relay gives it the waiting request's. */
export const RELAY_TOKEN = 'parked-run';

/** The run's event holding its latest progress report. */
export const PROGRESS_EVENT = 'progress';

/** How often a run publishes its progress at most, ms: the latest report of a burst goes at the end of it. */
const PUBLISH_EVERY_MS = 250;

/** A parked run's latest progress report, as it publishes it (its event {@link PROGRESS_EVENT}). */
export const ParkedProgressSchema = z.object({
  /** Unique per report (the execution publishing it and its count): a reader forwards each report once. */
  id: z.string().min(1).max(64),
  progress: z.number(),
  total: z.number().optional(),
  message: z.string().max(4096).optional(),
});

/** See {@link ParkedProgressSchema}. */
export type ParkedProgress = z.infer<typeof ParkedProgressSchema>;

/** The progress report of a notification's params, or `undefined` when they hold none. */
function reportOf(params: unknown): Omit<ParkedProgress, 'id'> | undefined {
  const p = params as { progress?: unknown; total?: unknown; message?: unknown } | undefined;
  if (typeof p?.progress !== 'number') return undefined;
  return {
    progress: p.progress,
    ...(typeof p.total === 'number' ? { total: p.total } : {}),
    ...(typeof p.message === 'string' ? { message: p.message.slice(0, 4096) } : {}),
  };
}

/**
 * Publishes a run's progress for requests waiting on other replicas: at most one write per `PUBLISH_EVERY_MS`,
 * the latest report of a burst last, so a chatty run costs the database little and the reader sees where it is.
 */
export class ProgressPublisher {
  private readonly execution = globalThis.crypto.randomUUID().slice(0, 8);
  private count = 0;
  private readonly throttle: LatestThrottle<ParkedProgress>;

  constructor(publish: (report: ParkedProgress) => Promise<void>, onError: (error: unknown) => void) {
    this.throttle = new LatestThrottle(PUBLISH_EVERY_MS, (report) => void publish(report).catch(onError));
  }

  offer(params: unknown): void {
    const report = reportOf(params);
    if (report) this.throttle.offer({ id: `${this.execution}.${++this.count}`, ...report });
  }

  /** The run ended: what is still pending is dropped (its outcome says more). */
  close(): void {
    this.throttle.close();
  }
}

/**
 * A parked run's messages: to the request waiting on it in this process, if one is (progress under that request's
 * token, none: dropped; log messages as they are), else its progress to the {@link ProgressPublisher}, if the run
 * has one. A request to the client cannot be carried (a 2026-07-28 client takes none; its questions are the run's).
 */
export class RelayChannel implements RequestChannel {
  constructor(
    private readonly waiting: () => Call | undefined,
    private readonly publisher?: ProgressPublisher,
  ) {}

  send(message: JSONRPCMessage): void {
    if (!('method' in message)) return;
    if ('id' in message) throw new ClientUnreachableError(message.method);
    const call = this.waiting();
    if (!call || call.signal.aborted) {
      if (message.method === 'notifications/progress') this.publisher?.offer(message.params);
      return;
    }
    if (message.method === 'notifications/progress') {
      const token = progressTokenOf(call);
      if (token === undefined) return;
      message = { ...message, params: { ...message.params, progressToken: token } } as JSONRPCMessage;
    }
    sendTo(call, message);
  }

  respond(_message: JSONRPCResponseMessage): void {
    // A parked run's outcome goes to the run's record, read by the request that waits for it.
  }
}

/**
 * Forwards the progress a run publishes to one request waiting on it from another replica: each report once, under
 * the request's token, its values increasing (a run resumed elsewhere counts again from the start).
 */
export class ProgressForwarder {
  private lastId: string | undefined;
  private last = 0;

  private constructor(
    private readonly call: Call,
    private readonly token: string | number,
  ) {}

  /** The forwarder of a request that asked for progress (a `progressToken`); `undefined` for one that did not. */
  static of(call: Call): ProgressForwarder | undefined {
    const token = progressTokenOf(call);
    return token === undefined ? undefined : new ProgressForwarder(call, token);
  }

  /** Forwards `value` (the run's event as read) unless it is missing, malformed or forwarded already. */
  forward(value: unknown): void {
    const parsed = ParkedProgressSchema.safeParse(value);
    if (!parsed.success || parsed.data.id === this.lastId || this.call.signal.aborted) return;
    const report = parsed.data;
    this.lastId = report.id;
    const renumbered = report.progress <= this.last;
    this.last = renumbered ? this.last + 1 : report.progress;
    sendTo(this.call, {
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: {
        progressToken: this.token,
        progress: this.last,
        // A renumbered report's total would no longer match its value.
        ...(report.total !== undefined && !renumbered ? { total: report.total } : {}),
        ...(report.message !== undefined ? { message: report.message } : {}),
      },
    });
  }
}

function progressTokenOf(call: Call): string | number | undefined {
  return (call.params?._meta as { progressToken?: string | number } | undefined)?.progressToken;
}

function sendTo(call: Call, message: JSONRPCMessage): void {
  call.sent = true;
  try {
    call.channel.send(message);
  } catch {
    // The waiting request's stream may have just closed: the run goes on.
  }
}
