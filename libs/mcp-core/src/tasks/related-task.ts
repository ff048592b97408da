import { type JSONRPCMessage } from '../protocol/messages';

/** The `_meta` key that ties a message or result to its task. */
export const RELATED_TASK_META_KEY = 'io.modelcontextprotocol/related-task';

/**
 * `message` tagged with its task (2025-11-25 tasks: every request and notification a task sends its requestor
 * carries it); a response is left as it is.
 */
export function withRelatedTask(message: JSONRPCMessage, taskId: string): JSONRPCMessage {
  if (!('method' in message)) return message;
  const params = (message.params ?? {}) as Record<string, unknown>;
  const meta = (params._meta as Record<string, unknown> | undefined) ?? {};
  return {
    ...message,
    params: { ...params, _meta: { ...meta, [RELATED_TASK_META_KEY]: { taskId } } },
  } as JSONRPCMessage;
}
