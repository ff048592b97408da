import { type JSONRPCMessage, type JSONRPCResponseMessage } from '../protocol/messages';
import { type RequestChannel, type Session } from '../session';
import { RELATED_TASK_META_KEY } from './task-manager';

/** How often a task's progress message is written to the store, at most. */
const STATUS_WRITE_INTERVAL_MS = 1000;

/**
 * Where the messages of a task's run go. Its request was answered with the task at once, so notifications
 * and requests to the client travel on the session's standalone stream (stdout, or the HTTP GET stream when
 * the client opened one), tagged with the task; a client that has none polls `tasks/get`, whose status
 * message follows the run's progress messages.
 */
export class TaskChannel implements RequestChannel {
  private lastStatusWrite = 0;

  constructor(
    private readonly session: Session,
    private readonly taskId: string,
    private readonly onStatusMessage: (message: string) => void,
  ) {}

  send(message: JSONRPCMessage): void {
    if ('method' in message) {
      const progressMessage = message.method === 'notifications/progress' ? (message.params as { message?: unknown } | undefined)?.message : undefined;
      if (typeof progressMessage === 'string') this.statusMessage(progressMessage);
      const params = (message.params ?? {}) as Record<string, unknown>;
      const meta = (params._meta as Record<string, unknown> | undefined) ?? {};
      message = { ...message, params: { ...params, _meta: { ...meta, [RELATED_TASK_META_KEY]: { taskId: this.taskId } } } } as JSONRPCMessage;
    }
    if (this.session.closed || !this.session.standalone) return;
    try {
      this.session.standalone.send(message);
    } catch {
      // The stream may have just closed: the task goes on, and its state stays readable with tasks/get.
    }
  }

  respond(_message: JSONRPCResponseMessage): void {
    // A task's outcome goes to the task store, never on a stream: the request was answered with the task.
  }

  private statusMessage(message: string): void {
    const now = Date.now();
    if (now - this.lastStatusWrite < STATUS_WRITE_INTERVAL_MS) return;
    this.lastStatusWrite = now;
    this.onStatusMessage(message);
  }
}
