import { z } from 'zod';
import { McpCoreError } from '../errors';
import { type JSONRPCNotification, notificationMessage, type RequestId } from '../protocol/messages';
import { type MessageSink, MAX_SUBSCRIPTIONS } from '../session';
import { type ServerChange } from './change-feed';

/** The `_meta` key naming the subscription a message belongs to: the `subscriptions/listen` request's id. */
export const SUBSCRIPTION_ID_META = 'io.modelcontextprotocol/subscriptionId';

/** Most task ids one listen stream may follow. */
export const MAX_LISTEN_TASKS = 100;

/**
 * `subscriptions/listen` params: the notifications the client opts in to. Every field is optional and opt-in;
 * `taskIds` is the tasks extension's.
 */
export const ListenParams = z.looseObject({
  notifications: z.looseObject({
    toolsListChanged: z.boolean().optional(),
    promptsListChanged: z.boolean().optional(),
    resourcesListChanged: z.boolean().optional(),
    resourceSubscriptions: z.array(z.string().min(1).max(2048)).max(MAX_SUBSCRIPTIONS).optional(),
    taskIds: z.array(z.string().min(1).max(256)).max(MAX_LISTEN_TASKS).optional(),
  }),
});

/** What a listen stream carries, as acknowledged: only what was asked for and may be honoured. */
export interface ListenFilter {
  readonly toolsListChanged?: true;
  readonly promptsListChanged?: true;
  readonly resourcesListChanged?: true;
  readonly resourceSubscriptions?: readonly string[];
  readonly taskIds?: readonly string[];
}

/** Limits on open listen streams. */
export interface ListenLimits {
  /** Most open listen streams in all; 0: no limit. Default 1000. */
  readonly maxStreams?: number;
  /** Most open listen streams of one principal; 0: no limit. Default 10. */
  readonly maxStreamsPerPrincipal?: number;
}

/** One more listen stream than the limits allow: 429 for a principal over its own, 503 for a full server. */
export class ListenLimitError extends McpCoreError {
  constructor(message: string, httpStatus: 429 | 503) {
    super('TOO_MANY_LISTENS', message, { httpStatus, httpHeaders: { 'retry-after': '10' } });
  }
}

/** An open listen stream. */
export interface Listener {
  readonly id: RequestId;
  /** The principal that opened it (`principalKey`): task notifications are read as theirs. */
  readonly owner: string;
  readonly filter: ListenFilter;
  /** The request's channel: the SSE stream of its POST, or stdout. */
  readonly sink: MessageSink;
  /** The connection it was opened on (a stdio connection ends its own streams). */
  readonly connection?: unknown;
}

interface Open extends Listener {
  readonly uris: ReadonlySet<string> | undefined;
  readonly tasks: ReadonlySet<string> | undefined;
  /** Ends the stream gracefully (the listen request is answered). */
  readonly end: () => void;
}

const LIST_FIELDS = {
  tools: 'toolsListChanged',
  resources: 'resourcesListChanged',
  prompts: 'promptsListChanged',
} as const;

/**
 * The open `subscriptions/listen` streams of one server, on every transport: admits them against the limits,
 * delivers each change to the streams whose filter asked for it (tagged with the subscription id), and ends them
 * all, gracefully, at shutdown.
 */
export class ListenHub {
  private readonly open = new Set<Open>();
  private readonly byOwner = new Map<string, number>();
  private maxStreams = 1000;
  private maxPerPrincipal = 10;

  constructor(limits: ListenLimits = {}) {
    this.limit(limits);
  }

  /** Sets the limits given (streams already open stay open). */
  limit(limits: ListenLimits): void {
    if (limits.maxStreams !== undefined) this.maxStreams = limits.maxStreams;
    if (limits.maxStreamsPerPrincipal !== undefined) this.maxPerPrincipal = limits.maxStreamsPerPrincipal;
  }

  /** Open listen streams. */
  get count(): number {
    return this.open.size;
  }

  /** Throws {@link ListenLimitError} when `owner` may not open one more stream. */
  check(owner: string): void {
    if (this.maxPerPrincipal > 0 && (this.byOwner.get(owner) ?? 0) >= this.maxPerPrincipal)
      throw new ListenLimitError(
        `Too many listen streams: at most ${this.maxPerPrincipal} per principal; close one first`,
        429,
      );
    if (this.maxStreams > 0 && this.open.size >= this.maxStreams)
      throw new ListenLimitError('Too many listen streams on this server; try again later', 503);
  }

  /**
   * Acknowledges `listener` on its sink and starts delivering to it; resolves when {@link endAll} ends it (the
   * caller then answers the listen request), and stops at once when `signal` aborts (the client closed it).
   */
  serve(listener: Listener, signal: AbortSignal): Promise<void> {
    this.check(listener.owner);
    return new Promise<void>((resolve) => {
      const entry: Open = {
        ...listener,
        uris: listener.filter.resourceSubscriptions ? new Set(listener.filter.resourceSubscriptions) : undefined,
        tasks: listener.filter.taskIds ? new Set(listener.filter.taskIds) : undefined,
        end: () => {
          this.remove(entry);
          resolve();
        },
      };
      // The acknowledgement goes out before the stream is registered: nothing can come before it.
      listener.sink.send(
        notificationMessage('notifications/subscriptions/acknowledged', {
          _meta: { [SUBSCRIPTION_ID_META]: listener.id },
          notifications: listener.filter,
        }),
      );
      this.open.add(entry);
      this.byOwner.set(listener.owner, (this.byOwner.get(listener.owner) ?? 0) + 1);
      // The serving request rejects on its own abort; here the stream only has to leave the table.
      signal.addEventListener('abort', () => this.remove(entry), { once: true });
    });
  }

  /** Delivers a list change or a resource update to the streams that asked for it. */
  deliver(change: Exclude<ServerChange, { kind: 'task_changed' }>): void {
    for (const entry of this.open) {
      if (change.kind === 'list_changed') {
        if (entry.filter[LIST_FIELDS[change.list]])
          send(entry, notificationMessage(`notifications/${change.list}/list_changed`));
      } else if (entry.uris?.has(change.uri)) {
        send(entry, notificationMessage('notifications/resources/updated', { uri: change.uri }));
      }
    }
  }

  /** The streams following task `taskId`. */
  followersOf(taskId: string): Listener[] {
    return [...this.open].filter((entry) => entry.tasks?.has(taskId));
  }

  /** Whether `listener` is still open (a task read finished after its stream closed). */
  isOpen(listener: Listener): boolean {
    return this.open.has(listener as Open);
  }

  /** Ends every stream gracefully, or those of `connection`: each listen request is answered; how many ended. */
  endAll(connection?: unknown): number {
    let ended = 0;
    for (const entry of [...this.open]) {
      if (connection !== undefined && entry.connection !== connection) continue;
      entry.end();
      ended++;
    }
    return ended;
  }

  private remove(entry: Open): void {
    if (!this.open.delete(entry)) return;
    const left = (this.byOwner.get(entry.owner) ?? 1) - 1;
    if (left > 0) this.byOwner.set(entry.owner, left);
    else this.byOwner.delete(entry.owner);
  }
}

/** Sends `message` on `listener`'s stream, tagged with its subscription id. */
export function sendTagged(listener: Listener, message: JSONRPCNotification): void {
  const params = (message.params ?? {}) as Record<string, unknown>;
  const meta = (params._meta ?? {}) as Record<string, unknown>;
  listener.sink.send({ ...message, params: { ...params, _meta: { ...meta, [SUBSCRIPTION_ID_META]: listener.id } } });
}

const send = sendTagged;
