// Checks that a conversation keeps order and stays bounded.
import { Conversation } from './conversation';

describe('Conversation', () => {
  it('keeps messages in order with their role', () => {
    const c = new Conversation({ now: () => 7 });
    c.append('user', 'hi');
    c.append('assistant', 'hello');
    expect(c.messages()).toEqual([
      { role: 'user', content: 'hi', at: 7 },
      { role: 'assistant', content: 'hello', at: 7 },
    ]);
  });

  it('drops the oldest messages beyond its bound', () => {
    const c = new Conversation({ maxMessages: 2 });
    c.append('user', '1');
    c.append('user', '2');
    c.append('user', '3');
    expect(c.messages().map((m) => m.content)).toEqual(['2', '3']);
  });
});
