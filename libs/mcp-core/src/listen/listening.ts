import { ANONYMOUS_PRINCIPAL, isTerminalStatus, type Logger, principalKey } from '@agent-mcp/context';
import { type Call } from '../call-context';
import { notificationMessage } from '../protocol/messages';
import { parseParams } from '../protocol/params';
import { type TaskManager } from '../tasks/task-manager';
import { declaresTasksExtension, detailedTask, missingTasksExtension } from '../tasks/tasks-extension';
import { type ChangeFeed, LocalChangeFeed, type ServerChange } from './change-feed';
import {
  type Listener,
  type ListenFilter,
  ListenHub,
  type ListenLimits,
  ListenParams,
  sendTagged,
  SUBSCRIPTION_ID_META,
} from './listen-hub';

/**
 * `subscriptions/listen` (MCP 2026-07-28) for one server: the method, and the changes it reports. Changes of this
 * process's registries reach its own streams; changes of shared state go through the {@link ChangeFeed}, so a
 * stream open on one replica hears of a change made through another.
 */
export class Listening {
  private readonly hub: ListenHub;
  private feed: ChangeFeed = new LocalChangeFeed();
  private unsubscribe: () => void;

  constructor(
    limits: ListenLimits | undefined,
    private readonly tasks: TaskManager | undefined,
    private readonly logger: Logger,
  ) {
    this.hub = new ListenHub(limits);
    this.unsubscribe = this.feed.subscribe((change) => this.onChange(change));
    tasks?.onTaskChange((taskId) => this.feed.publish({ kind: 'task_changed', taskId }));
  }

  /** Open listen streams. */
  get count(): number {
    return this.hub.count;
  }

  /** Sets the limits on open streams. */
  limit(limits: ListenLimits): void {
    this.hub.limit(limits);
  }

  /** Shares changes through `feed` from now on (replicas: a `RedisChangeFeed`). */
  useFeed(feed: ChangeFeed): void {
    this.unsubscribe();
    this.feed = feed;
    this.unsubscribe = feed.subscribe((change) => this.onChange(change));
  }

  /** A change of shared state: every replica's streams hear of it. */
  publish(change: ServerChange): void {
    this.feed.publish(change);
  }

  /** A change of this process alone (its own tool registry): only its streams hear of it. */
  local(change: Exclude<ServerChange, { kind: 'task_changed' }>): void {
    this.hub.deliver(change);
  }

  /** Ends every stream gracefully (shutdown), or those of one connection: each listen request gets its result. */
  endAll(connection?: unknown): number {
    return this.hub.endAll(connection);
  }

  /**
   * Serves one `subscriptions/listen`: acknowledges what it will deliver, then holds the request open until the
   * client closes it (no answer) or the server ends it (the result, naming the subscription).
   */
  async serve(call: Call, canSee: ((uri: string) => boolean) | undefined): Promise<Record<string, unknown>> {
    const { notifications: asked } = parseParams(ListenParams, call.params, 'subscriptions/listen');
    if (asked.taskIds && !declaresTasksExtension(call.session.clientCapabilities))
      throw missingTasksExtension('subscriptions/listen with taskIds');
    const owner = principalKey(call.pipeline.principal ?? ANONYMOUS_PRINCIPAL);
    this.hub.check(owner);
    const taskIds = asked.taskIds ? await this.ownTasks(asked.taskIds, owner) : undefined;
    const resources = asked.resourceSubscriptions?.filter((uri) => !canSee || canSee(uri));
    const filter: ListenFilter = {
      ...(asked.toolsListChanged ? { toolsListChanged: true } : {}),
      ...(asked.promptsListChanged ? { promptsListChanged: true } : {}),
      ...(asked.resourcesListChanged ? { resourcesListChanged: true } : {}),
      ...(resources ? { resourceSubscriptions: [...new Set(resources)] } : {}),
      ...(taskIds ? { taskIds } : {}),
    };
    const listener: Listener = {
      id: call.request.id,
      owner,
      filter,
      sink: call.channel,
      connection: call.session.connection,
    };
    call.sent = true;
    call.session.holdOpen(call.request.id);
    const ended = this.hub.serve(listener, call.signal);
    // Where each followed task stands now: a task that ended before the stream opened is not waited for.
    for (const taskId of taskIds ?? []) void this.sendTask(listener, taskId);
    await Promise.race([ended, aborted(call.signal)]);
    return { _meta: { [SUBSCRIPTION_ID_META]: call.request.id } };
  }

  private onChange(change: ServerChange): void {
    if (change.kind !== 'task_changed') return this.hub.deliver(change);
    for (const listener of this.hub.followersOf(change.taskId)) void this.sendTask(listener, change.taskId);
  }

  /** The ids among `taskIds` of tasks `owner` has (the others are not acknowledged). */
  private async ownTasks(taskIds: readonly string[], owner: string): Promise<string[]> {
    const tasks = this.tasks;
    if (!tasks) return [];
    const found = await Promise.all(
      [...new Set(taskIds)].map((id) => tasks.store.get(id, owner).then((task) => (task ? id : undefined))),
    );
    return found.filter((id): id is string => id !== undefined);
  }

  /** `notifications/tasks`: the task as `tasks/get` would show it now, read as the stream's owner. */
  private async sendTask(listener: Listener, taskId: string): Promise<void> {
    const tasks = this.tasks;
    if (!tasks) return;
    try {
      const task = await tasks.store.get(taskId, listener.owner);
      if (!task || !this.hub.isOpen(listener)) return;
      const outcome = isTerminalStatus(task.status) ? await tasks.store.outcome(taskId, listener.owner) : undefined;
      if (!this.hub.isOpen(listener)) return;
      const detail = detailedTask(task, outcome, tasks.openInputs(taskId) ?? task.inputRequests);
      sendTagged(listener, notificationMessage('notifications/tasks', detail));
    } catch (error) {
      this.logger.warn('listen: could not read a task to report it', { taskId, err: error });
    }
  }
}

/** Rejects with the signal's reason when it aborts (the request's cancellation). */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
