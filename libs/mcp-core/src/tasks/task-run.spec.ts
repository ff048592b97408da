// Where a task's run sends what it says to the client: the session's standalone stream, tagged with the task.
import { type JSONRPCMessage } from '../protocol/messages';
import { ClientUnreachableError, Session } from '../session';
import { RELATED_TASK_META_KEY } from './task-manager';
import { TaskChannel } from './task-run';

function sessionWithStream(): { session: Session; sent: JSONRPCMessage[] } {
  const session = new Session('s1', { kind: 'http' });
  const sent: JSONRPCMessage[] = [];
  session.standalone = { send: (m) => void sent.push(m) };
  return { session, sent };
}

it('sends a request of the run on the standalone stream, tagged with its task, and resolves with the answer', async () => {
  const { session, sent } = sessionWithStream();
  const asked = session.request(
    new TaskChannel(session, 'task-1'),
    'elicitation/create',
    { message: 'May I?' },
    60_000,
  );
  expect(sent).toEqual([
    expect.objectContaining({
      method: 'elicitation/create',
      params: expect.objectContaining({ message: 'May I?', _meta: { [RELATED_TASK_META_KEY]: { taskId: 'task-1' } } }),
    }),
  ]);
  session.resolveResponse({ jsonrpc: '2.0', id: (sent[0] as { id: string }).id, result: { action: 'accept' } });
  await expect(asked).resolves.toEqual({ action: 'accept' });
});

it('fails a request at once when no stream reaches the client, instead of waiting for its timeout', async () => {
  const session = new Session('s1', { kind: 'http' });
  const startedAt = Date.now();
  await expect(
    session.request(new TaskChannel(session, 'task-1'), 'elicitation/create', { message: 'May I?' }, 60_000),
  ).rejects.toBeInstanceOf(ClientUnreachableError);
  expect(Date.now() - startedAt).toBeLessThan(1000);
});

it('fails a request at once when the stream breaks as it is sent', async () => {
  const session = new Session('s1', { kind: 'http' });
  session.standalone = {
    send: () => {
      throw new Error('stream closed');
    },
  };
  await expect(
    session.request(new TaskChannel(session, 'task-1'), 'sampling/createMessage', {}, 60_000),
  ).rejects.toThrow(/Cannot send sampling\/createMessage to the client/);
});

it('drops a notification nobody can receive: the run goes on', () => {
  const session = new Session('s1', { kind: 'http' });
  expect(() =>
    new TaskChannel(session, 'task-1').send({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 1, progress: 1 },
    }),
  ).not.toThrow();
});
