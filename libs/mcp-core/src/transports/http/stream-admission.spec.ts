// Checks the GET stream limits of the Streamable HTTP endpoint: per principal (429) before the server's (503).
import { JsonRpcErrorCode } from '../../errors';
import { StreamAdmission } from './stream-admission';

describe('StreamAdmission', () => {
  it('refuses a principal over its own limit with 429 and a retry hint, leaving others admitted', () => {
    const admission = new StreamAdmission({ maxStreams: 10, maxStreamsPerPrincipal: 2 });
    expect(admission.admit('alice')).toBeUndefined();
    expect(admission.admit('alice')).toBeUndefined();
    const refused = admission.admit('alice');
    expect(refused).toMatchObject({
      status: 429,
      code: JsonRpcErrorCode.Unavailable,
      headers: { 'retry-after': '10' },
    });
    expect(refused?.message).toContain('at most 2 open streams per principal');
    expect(admission.admit('bob')).toBeUndefined();
    expect(admission.count).toBe(3);
    expect(admission.countOf('alice')).toBe(2);
  });

  it('refuses anyone with 503 once the server is full, and admits again after a release', () => {
    const admission = new StreamAdmission({ maxStreams: 2, maxStreamsPerPrincipal: 5 });
    expect(admission.admit('a')).toBeUndefined();
    expect(admission.admit('b')).toBeUndefined();
    expect(admission.admit('c')).toMatchObject({ status: 503, message: 'Service Unavailable: too many open streams' });
    admission.release('a');
    expect(admission.countOf('a')).toBe(0);
    expect(admission.admit('c')).toBeUndefined();
    expect(admission.count).toBe(2);
  });

  it('0 turns a limit off', () => {
    const admission = new StreamAdmission({ maxStreams: 0, maxStreamsPerPrincipal: 0 });
    for (let i = 0; i < 50; i++) expect(admission.admit('same')).toBeUndefined();
    expect(admission.count).toBe(50);
  });
});
