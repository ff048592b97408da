// Child processes of the conformance run: servers and suite runs, each bounded in time, all killed when the
// runner exits for any reason.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const live = new Set();

function killAll(signal = 'SIGTERM') {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
}

process.on('exit', () => killAll('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll('SIGTERM');
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/** A loopback port that was free a moment ago (the server that takes it is started right after). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Runs a command to completion, keeping its output. After `timeoutMs` it is killed and the result says so.
 * Never rejects: a command that could not start reports code 127.
 */
export function runBounded(command, args, { cwd, env, timeoutMs }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code: 127, stdout, stderr: `${stderr}${error.message}\n`, timedOut });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code: code ?? 128, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * Starts a server and resolves once `url` answers HTTP (any status: the endpoint is up). Rejects, with the
 * tail of the server's output, if it exits or does not answer within `readyTimeoutMs`.
 */
export async function startServer(name, command, args, { cwd, env, url, readyTimeoutMs }) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-8_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited;
  const exitedPromise = new Promise((resolve) => {
    child.once('error', (error) => resolve((exited = `could not start: ${error.message}`)));
    child.once('exit', (code, signal) => resolve((exited = `exited with ${signal ?? `code ${code}`}`)));
  });
  exitedPromise.then(() => live.delete(child));

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} ${exited} before answering at ${url}\n${output}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer at ${url} within ${readyTimeoutMs} ms\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    output: () => output,
    /** Asks the server to stop, then kills it if it is still running after `graceMs`. */
    async stop(graceMs = 3_000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}
