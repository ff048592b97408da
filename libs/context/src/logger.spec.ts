// Checks the JSON logger: level threshold, bindings, one JSON object per line.
import { createJsonLogger, isLevelEnabled } from './logger';

describe('createJsonLogger', () => {
  it('writes one JSON line per message at or above its level, with bindings', () => {
    const lines: string[] = [];
    const log = createJsonLogger({ level: 'info', write: (l) => lines.push(l) }).child({ requestId: 7 });
    log.debug('hidden');
    log.warn('shown', { tool: 'x' });
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'warning', msg: 'shown', requestId: 7, tool: 'x' });
  });

  it('orders levels as RFC 5424 does', () => {
    expect(isLevelEnabled('error', 'warning')).toBe(true);
    expect(isLevelEnabled('info', 'notice')).toBe(false);
  });
});
