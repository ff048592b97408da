// The log writer against a real pipe: a child process reads it, starting late, as a log collector that falls
// behind would. Nothing may block the caller, be lost or change order.
import { type ChildProcess, spawn } from 'node:child_process';
import { FdWriter } from './fd-writer';

const PIPE_CAPACITY = 64 * 1024;

/** A child that starts copying its stdin to its stdout after `delayMs`; what it copied, and its stdin's fd. */
function lateReader(delayMs: number) {
  const child = spawn(process.execPath, ['-e', `setTimeout(() => process.stdin.pipe(process.stdout), ${delayMs})`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let copied = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => (copied += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Node opened the pipe non-blocking, as it opens fd 2 when stderr is a pipe.
  const fd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd;
  return { child, fd, copied: () => copied, exited };
}

function lines(count: number, width: number): string[] {
  return Array.from({ length: count }, (_, i) => `${String(i).padStart(6, '0')} ${'x'.repeat(width)}\n`);
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

describe('FdWriter', () => {
  it('returns at once when the reader is behind, holds what the pipe cannot take, and writes it all in order later', async () => {
    const reader = lateReader(300);
    children.push(reader.child);
    const writer = new FdWriter({ fd: reader.fd, retryMs: 5, flushSyncBudgetMs: 1000 });
    const batches = lines(400, 1000); // about 400 KiB, six times the pipe's capacity

    const started = Date.now();
    for (const batch of batches) writer.write(batch);
    expect(Date.now() - started).toBeLessThan(250);
    expect(writer.heldBytes).toBeGreaterThan(batches.join('').length - PIPE_CAPACITY - 1);

    await until(() => reader.copied().length === batches.join('').length, 10_000);
    expect(reader.copied()).toBe(batches.join(''));
    expect(writer.heldBytes).toBe(0);
  });

  it('flushSync writes out every held batch before it returns', async () => {
    const reader = lateReader(200);
    children.push(reader.child);
    const writer = new FdWriter({ fd: reader.fd, retryMs: 5, flushSyncBudgetMs: 5000 });
    const batches = lines(200, 1000);
    for (const batch of batches) writer.write(batch);

    writer.flushSync();
    expect(writer.heldBytes).toBe(0);
    reader.child.stdin?.end();
    await reader.exited;
    expect(reader.copied()).toBe(batches.join(''));
  });

  it('lets another writer of the descriptor finish first, so lines never interleave', async () => {
    const reader = lateReader(0);
    children.push(reader.child);
    let otherBusy = true;
    const writer = new FdWriter({
      fd: reader.fd,
      retryMs: 5,
      flushSyncBudgetMs: 1000,
      otherWriterBusy: () => otherBusy,
    });
    writer.write('ours\n');
    await new Promise((r) => setTimeout(r, 50));
    expect(writer.heldBytes).toBe(5);

    otherBusy = false;
    await until(() => reader.copied() === 'ours\n', 2000);
  });

  it('reports a reader that is gone once and keeps the caller running', async () => {
    // A reader that closed its end of the pipe and lives on.
    const gone = spawn('sh', ['-c', 'exec 0<&-; sleep 5'], { stdio: ['pipe', 'ignore', 'inherit'] });
    children.push(gone);
    await new Promise((r) => setTimeout(r, 200));
    const errors: string[] = [];
    const writer = new FdWriter({
      fd: (gone.stdin as unknown as { _handle: { fd: number } })._handle.fd,
      retryMs: 5,
      flushSyncBudgetMs: 100,
      onError: (error) => errors.push(error.code ?? String(error)),
    });

    writer.write('first\n');
    writer.write('second\n');
    writer.flushSync();

    expect(errors).toEqual(['EPIPE']);
    expect(writer.heldBytes).toBe(0);
  });
});
