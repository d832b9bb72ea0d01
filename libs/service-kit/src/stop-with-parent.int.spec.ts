import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@aether/testing';

/** A stand-in service: stops on SIGTERM (as Nest's shutdown hooks do), noting that it did. */
const service = (marker: string) => `
  require(${JSON.stringify(join(__dirname, 'stop-with-parent.ts'))}).stopWithParent();
  process.once('SIGTERM', () => { require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'stopped on SIGTERM'); process.exit(0); });
  process.stdout.write('ready\\n');
  setInterval(() => undefined, 1_000);
`;

/** A stand-in test runner: starts the service with an IPC channel, as tools/dev/stack.ts does, and prints its pid. */
const parent = (serviceSource: string) => `
  const child = require('node:child_process').spawn(process.execPath, ['-r', '@swc-node/register', '-e', ${JSON.stringify(serviceSource)}], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.once('spawn', () => process.stdout.write('pid ' + child.pid + '\\n'));
  setInterval(() => undefined, 1_000);
`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('stopWithParent', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aether-parent-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stops a service as on SIGTERM when the process that started it is killed', async () => {
    const marker = join(dir, 'marker');
    const runner = spawn(process.execPath, ['-e', parent(service(marker))], {
      cwd: join(__dirname, '../../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    runner.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let servicePid = 0;
    try {
      await eventually(async () => (/^ready$/m.test(output) ? true : undefined), {
        what: 'the service to start',
      });
      servicePid = Number(/^pid (\d+)$/m.exec(output)?.[1]);
      expect(alive(servicePid)).toBe(true);

      runner.kill('SIGKILL');

      await eventually(async () => (alive(servicePid) ? undefined : true), { timeoutMs: 10_000 });
      expect(readFileSync(marker, 'utf8')).toBe('stopped on SIGTERM');
    } finally {
      runner.kill('SIGKILL');
      if (servicePid && alive(servicePid)) process.kill(servicePid, 'SIGKILL');
    }
  }, 30_000);
});
