// Checks how a replica waits on shared session state: every wait bounded, an outage logged once per interval.
import { type Logger } from '@agent-mcp/context';
import { SharedStateGuard } from './shared-state';

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => void warnings.push(message),
    error: () => undefined,
    child: () => logger,
  };
  return { logger, warnings };
}

describe('SharedStateGuard', () => {
  it('passes a prompt answer through and rejects one that takes longer than the timeout', async () => {
    const guard = new SharedStateGuard({ timeoutMs: 30, logger: recordingLogger().logger });
    await expect(guard.bounded(Promise.resolve('record'))).resolves.toBe('record');
    await expect(guard.bounded(Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    const never = new Promise<string>(() => undefined);
    await expect(guard.bounded(never)).rejects.toThrow('shared session state did not answer within 30 ms');
  });

  it('logs the first failure of an outage, then at most one per 10 s', () => {
    let now = 1_000_000;
    const { logger, warnings } = recordingLogger();
    const guard = new SharedStateGuard({ timeoutMs: 30, logger, now: () => now });
    guard.failed('store down', new Error('x'));
    now += 5_000;
    guard.failed('store still down', new Error('x'));
    now += 5_000;
    guard.failed('store down again', new Error('x'));
    expect(warnings).toEqual(['store down', 'store down again']);
  });

  it('logs a background failure and swallows it', async () => {
    const { logger, warnings } = recordingLogger();
    const guard = new SharedStateGuard({ timeoutMs: 30, logger });
    guard.background('bus: could not claim', Promise.reject(new Error('down')));
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual(['bus: could not claim']);
  });
});
