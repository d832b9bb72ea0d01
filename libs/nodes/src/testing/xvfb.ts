import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SHARE_ENV, Worker } from 'node:worker_threads';

const XVFB = process.env['XVFB_BIN'] ?? '/usr/bin/Xvfb';
const SHARED_DISPLAY = 'AETHER_TEST_XVFB_DISPLAY';

/**
 * The Xvfb display of this process, started on first use. libnut opens its input connection
 * to `DISPLAY` once per process and keeps it, so every test file that a Jest worker runs must
 * drive the same display: a second display would get the screenshots while the mouse and
 * keyboard still act on the first. The display's name is kept in the real C environment,
 * which outlives Jest's per-file copy of `process.env`.
 */
export async function processXvfbDisplay(): Promise<string> {
  const shared = process.env[SHARED_DISPLAY];
  if (shared && existsSync(socketOf(shared))) return shared;
  const display = await startXvfb();
  await setRealEnv(SHARED_DISPLAY, display);
  await setRealEnv('DISPLAY', display);
  return display;
}

async function startXvfb(): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const display = `:${100 + Math.floor(Math.random() * 400)}`;
    if (existsSync(socketOf(display)) || existsSync(`/tmp/.X${display.slice(1)}-lock`)) continue;
    // -terminate: the server exits once its last client is gone, i.e. with this process.
    // Killing it earlier would make Xlib's fatal IO handler end the worker holding libnut's connection.
    const child = spawn(XVFB, [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp', '-terminate'], {
      stdio: 'ignore',
    });
    child.unref();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && child.exitCode === null) {
      if (existsSync(socketOf(display))) return display;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
  }
  throw new Error(`Xvfb did not start (${XVFB})`);
}

function socketOf(display: string): string {
  return `/tmp/.X11-unix/X${display.slice(1)}`;
}

/** Jest gives each test file a copy of process.env; a worker sharing the environment writes through to the real one. */
async function setRealEnv(name: string, value: string): Promise<void> {
  const worker = new Worker(`process.env[${JSON.stringify(name)}] = ${JSON.stringify(value)}`, {
    eval: true,
    env: SHARE_ENV,
  });
  await new Promise((resolve, reject) => worker.once('exit', resolve).once('error', reject));
}
