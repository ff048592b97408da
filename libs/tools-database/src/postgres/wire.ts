/**
 * The few frontend messages of PostgreSQL's extended query protocol a call sends, framed here rather than
 * one by one through `pg`'s serializer: the constant statements of every call are framed once, and a call
 * is written to the socket as one buffer (each `pg` message is a stream write of its own).
 * Message formats: https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

/** Statements of ours framed as Parse, Bind and Execute of the unnamed statement and portal. */
export interface FramedStatements {
  /** How many statements, each answering with one CommandComplete. */
  readonly count: number;
  readonly bytes: Buffer;
}

/** The Sync message that closes a pipeline. */
export const SYNC: Buffer = Buffer.from([0x53, 0, 0, 0, 4]);

// Bind (no parameters, every result column as text) and Execute (no row limit) of the unnamed portal.
const BIND_NO_PARAMS = Buffer.from([0x42, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0]);
const EXECUTE_ALL = Buffer.from([0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0]);
const DESCRIBE_PORTAL = Buffer.from([0x44, 0, 0, 0, 6, 0x50, 0]);

/** Frames parameterless statements of ours, each one Parse, Bind and Execute. */
export function frameStatements(texts: readonly string[]): FramedStatements {
  return {
    count: texts.length,
    bytes: Buffer.concat(texts.flatMap((text) => [parse(text), BIND_NO_PARAMS, EXECUTE_ALL])),
  };
}

/**
 * The caller's statement: Parse, Bind with its parameters as text, Describe of the portal (for the column
 * names and types) and Execute returning at most `rowLimit` rows (0: all).
 *
 * @throws Error when the text holds a NUL character, which would end the protocol's C string early.
 */
export function frameStatement(text: string, values: ReadonlyArray<string | null>, rowLimit: number): Buffer {
  const lengths = values.map((v) => (v === null ? -1 : Buffer.byteLength(v, 'utf8')));
  const bindLength = 4 + 1 + 1 + 2 + 2 + lengths.reduce((n, l) => n + 4 + Math.max(l, 0), 0) + 2;
  const bind = Buffer.allocUnsafe(1 + bindLength);
  let at = bind.writeUInt8(0x42, 0);
  at = bind.writeInt32BE(bindLength, at);
  at = bind.writeUInt8(0, at); // portal ''
  at = bind.writeUInt8(0, at); // statement ''
  at = bind.writeInt16BE(0, at); // no format codes: every parameter is text
  at = bind.writeInt16BE(values.length, at);
  for (let i = 0; i < values.length; i++) {
    at = bind.writeInt32BE(lengths[i], at);
    const value = values[i];
    if (value !== null) at += bind.write(value, at, 'utf8');
  }
  bind.writeInt16BE(0, at); // no result format codes: every column as text
  const execute = Buffer.allocUnsafe(10);
  execute.writeUInt8(0x45, 0);
  execute.writeInt32BE(9, 1);
  execute.writeUInt8(0, 5); // portal ''
  execute.writeUInt32BE(rowLimit, 6);
  return Buffer.concat([parse(text), bind, DESCRIBE_PORTAL, execute]);
}

/**
 * A simple-protocol Query carrying `text`, which may hold several statements: the server parses all of it
 * before it runs any, runs them in order, stops at the first error and answers one ReadyForQuery.
 *
 * @throws Error when the text holds a NUL character.
 */
export function frameQuery(text: string): Buffer {
  if (text.includes('\0')) throw new Error('SQL text must not contain a NUL character');
  const textLength = Buffer.byteLength(text, 'utf8');
  const message = Buffer.allocUnsafe(1 + 4 + textLength + 1);
  message.writeUInt8(0x51, 0);
  message.writeInt32BE(4 + textLength + 1, 1);
  message.write(text, 5, 'utf8');
  message.writeUInt8(0, 5 + textLength);
  return message;
}

/** Parse of the unnamed statement, with no parameter types given (the server infers them). */
function parse(text: string): Buffer {
  if (text.includes('\0')) throw new Error('SQL text must not contain a NUL character');
  const textLength = Buffer.byteLength(text, 'utf8');
  const length = 4 + 1 + textLength + 1 + 2;
  const message = Buffer.allocUnsafe(1 + length);
  let at = message.writeUInt8(0x50, 0);
  at = message.writeInt32BE(length, at);
  at = message.writeUInt8(0, at); // statement ''
  at += message.write(text, at, 'utf8');
  at = message.writeUInt8(0, at);
  message.writeInt16BE(0, at);
  return message;
}
