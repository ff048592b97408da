// The redactor every server log line passes through: secrets by name at any depth, configured paths, and
// bearer credentials quoted inside text never reach a log.
import { createJsonLogger } from './logger';
import { createRedactor, REDACTED, redactText } from './logger-redact';

describe('createRedactor', () => {
  it('redacts secret-named fields at any depth and leaves the rest', () => {
    const redact = createRedactor();
    const out = redact({
      method: 'tools/call',
      headers: {
        authorization: 'Bearer abc.def.ghi',
        cookie: 'sid=1',
        'x-api-key': 'k-123',
        accept: 'application/json',
      },
      user: { password: 'hunter2', dbPassword: 'p', clientSecret: 's', refresh_token: 't', name: 'ann' },
      usage: { inputTokens: 12 },
    });
    expect(out).toEqual({
      method: 'tools/call',
      headers: { authorization: REDACTED, cookie: REDACTED, 'x-api-key': REDACTED, accept: 'application/json' },
      user: { password: REDACTED, dbPassword: REDACTED, clientSecret: REDACTED, refresh_token: REDACTED, name: 'ann' },
      usage: { inputTokens: 12 },
    });
  });

  it('redacts configured paths, with * for any key, on top of the defaults', () => {
    const redact = createRedactor({ paths: ['params.arguments.ssn', 'rows.*.email'] });
    const out = redact({
      params: { arguments: { ssn: '123-45-6789', q: 'x' } },
      rows: [{ email: 'a@b.c', id: 1 }],
      token: 't',
    });
    expect(out).toEqual({
      params: { arguments: { ssn: REDACTED, q: 'x' } },
      rows: [{ email: REDACTED, id: 1 }],
      token: REDACTED,
    });
  });

  it('removes bearer credentials and vendor keys quoted in text, and keeps errors readable', () => {
    const redact = createRedactor();
    const error = new Error(
      'upstream said: invalid header Authorization: Bearer eyJhbGciOi.payload.sig with key sk-proj-abcdefghijklmnop1234',
    );
    const out = redact({ err: error }) as { err: { name: string; message: string } };
    expect(out.err.name).toBe('Error');
    expect(out.err.message).toBe(
      `upstream said: invalid header Authorization: Bearer ${REDACTED} with key ${REDACTED}`,
    );
    expect(JSON.stringify(out)).not.toContain('eyJhbGciOi');
  });

  it('is applied by the JSON logger to fields, bindings and the message', () => {
    const lines: string[] = [];
    const log = createJsonLogger({ write: (l) => lines.push(l), redact: { paths: ['card'] } }).child({
      apiKey: 'amk_live_1',
    });
    log.info('got Bearer abcdefghijklmnop', { card: '4111', password: 'p', ok: true });
    const line = lines.join('');
    expect(JSON.parse(line)).toMatchObject({
      msg: `got Bearer ${REDACTED}`,
      apiKey: REDACTED,
      card: REDACTED,
      password: REDACTED,
      ok: true,
    });
    expect(line).not.toMatch(/amk_live_1|4111|abcdefghijklmnop/);
  });
});

describe('redactText', () => {
  it('redacts the shortest secrets the pattern knows and leaves short plain text as it is', () => {
    expect(redactText('Basic abcdefgh')).toBe(`Basic ${REDACTED}`);
    expect(redactText('sk-abcdefghijklmnop')).toBe(REDACTED);
    expect(redactText('tools/call')).toBe('tools/call');
    expect(redactText('Basic abcdefg')).toBe('Basic abcdefg');
  });
});
