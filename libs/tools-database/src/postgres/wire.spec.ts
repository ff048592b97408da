// The extended-protocol messages a call sends, byte by byte against the protocol's message formats; the
// engine's tests run them against a real server.
import { frameStatement, frameStatements, SYNC } from './wire';

/** Splits a buffer of frontend messages into [type, body] pairs by their length fields. */
function messages(bytes: Buffer): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (let at = 0; at < bytes.length;) {
    const length = bytes.readInt32BE(at + 1);
    out.push([String.fromCharCode(bytes[at]), bytes.subarray(at + 5, at + 1 + length)]);
    at += 1 + length;
  }
  return out;
}

describe('wire', () => {
  it('frames each statement of ours as Parse, Bind and Execute of the unnamed statement and portal', () => {
    const framed = frameStatements(['BEGIN TRANSACTION READ ONLY', 'ROLLBACK']);
    expect(framed.count).toBe(2);
    const parts = messages(framed.bytes);
    expect(parts.map(([type]) => type).join('')).toBe('PBEPBE');
    expect(parts[0][1].toString('utf8')).toBe('\0BEGIN TRANSACTION READ ONLY\0\0\0');
    expect([...parts[1][1]]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...parts[2][1]]).toEqual([0, 0, 0, 0, 0]);
  });

  it('frames the statement with text parameters (NULL as length -1), a portal Describe and the row limit', () => {
    const parts = messages(frameStatement("SELECT $1::text, $2 AS 'é'", ['héllo ✓', null], 501));
    expect(parts.map(([type]) => type).join('')).toBe('PBDE');
    expect(parts[0][1].toString('utf8')).toBe("\0SELECT $1::text, $2 AS 'é'\0\0\0");
    const bind = parts[1][1];
    expect(bind.readInt16BE(2)).toBe(0); // no parameter format codes: text
    expect(bind.readInt16BE(4)).toBe(2);
    const first = bind.readInt32BE(6);
    expect(first).toBe(Buffer.byteLength('héllo ✓'));
    expect(bind.subarray(10, 10 + first).toString('utf8')).toBe('héllo ✓');
    expect(bind.readInt32BE(10 + first)).toBe(-1);
    expect(bind.readInt16BE(14 + first)).toBe(0); // no result format codes: text
    expect(bind.length).toBe(16 + first);
    expect(parts[2][1].toString('latin1')).toBe('P\0');
    expect(parts[3][1].readUInt8(0)).toBe(0);
    expect(parts[3][1].readUInt32BE(1)).toBe(501);
  });

  it('refuses text with a NUL character, which would end the C string early', () => {
    expect(() => frameStatement('SELECT 1\0; DROP TABLE t', [], 0)).toThrow(/NUL/);
  });

  it('closes a pipeline with Sync', () => {
    expect(messages(SYNC)).toEqual([['S', Buffer.alloc(0)]]);
  });
});
