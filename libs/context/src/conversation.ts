/** One message of a conversation between a caller, an agent and its tools. */
export interface ConversationMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** Options of {@link Conversation}. */
export interface ConversationOptions {
  /** Most messages kept; the oldest are dropped first. Default 200. */
  readonly maxMessages?: number;
  readonly now?: () => number;
}

/**
 * The seed's `MCPContext.conversation`: an ordered, bounded list of messages. Bounded so that a long-lived
 * session cannot grow without limit; durable threads (kept in a database) build on the same shape.
 */
export class Conversation {
  private readonly items: ConversationMessage[] = [];
  private readonly maxMessages: number;
  private readonly now: () => number;

  constructor(options: ConversationOptions = {}) {
    this.maxMessages = options.maxMessages ?? 200;
    this.now = options.now ?? Date.now;
  }

  append(role: ConversationMessage['role'], content: string): ConversationMessage {
    const message = Object.freeze({ role, content, at: this.now() });
    this.items.push(message);
    if (this.items.length > this.maxMessages) this.items.splice(0, this.items.length - this.maxMessages);
    return message;
  }

  /** A snapshot of the messages, oldest first. */
  messages(): readonly ConversationMessage[] {
    return this.items.slice();
  }

  get length(): number {
    return this.items.length;
  }

  clear(): void {
    this.items.length = 0;
  }
}
