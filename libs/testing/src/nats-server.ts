import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export const NATS_SERVER = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';

/** A real `nats-server -js` on a free port with its own store, for one test suite. */
export interface TestNatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** The HTTP monitoring port (`/varz`, `/connz`), when asked for. */
  readonly monitorPort?: number;
  /** SIGKILLs the process (the store survives) — for crash tests. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and store, stopping it first if it still runs. */
  restart(): Promise<void>;
  /** Stops the server and deletes its store. */
  stop(): Promise<void>;
  /** What the server wrote to stderr since it (re)started: its log. */
  log(): string;
}

export interface NatsServerOptions {
  /** Serve the HTTP monitoring port. */
  monitor?: boolean;
  /**
   * Configuration text (e.g. `natsServerAuthConfig`), given as a `-c` file; `{{storeDir}}` in it
   * is replaced with the server's store folder.
   */
  config?: string;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<TestNatsServer> {
  const port = await freePort();
  const monitorPort = options.monitor ? await freePort() : undefined;
  const monitorArgs = monitorPort ? ['-m', String(monitorPort)] : [];
  const storeDir = mkdtempSync(join(tmpdir(), 'aether-nats-'));
  const configArgs: string[] = [];
  if (options.config !== undefined) {
    const file = join(storeDir, 'server.conf');
    writeFileSync(file, options.config.replaceAll('{{storeDir}}', storeDir), { mode: 0o600 });
    configArgs.push('-c', file);
  }
  let child: ChildProcess | undefined;
  let stderr = '';

  const launch = async () => {
    child = spawn(
      NATS_SERVER,
      [...configArgs, '-a', '127.0.0.1', '-p', String(port), ...monitorArgs, '-js', '-sd', storeDir],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitForPort(port, 10_000, () => stderr);
  };
  const killChild = async (signal: NodeJS.Signals) => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill(signal);
    });
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    ...(monitorPort ? { monitorPort } : {}),
    kill: () => killChild('SIGKILL'),
    // A server still running is stopped first: launching beside it would leave it running, on the
    // port, unowned (and keep the test process alive after the run).
    async restart() {
      await killChild('SIGTERM');
      await launch();
    },
    log: () => stderr,
    async stop() {
      await killChild('SIGTERM');
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

export async function waitForPort(port: number, timeoutMs: number, diagnostics: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = netConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms: ${diagnostics()}`);
}
