import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logChildOutput } from './child-log';

describe('logChildOutput', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aether-child-log-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps what a child writes to stderr after its stdout has closed', async () => {
    const logFile = join(dir, 'service.log');
    // stdout closes first; stderr goes on writing for a while (as a service dying loudly does).
    const child = spawn(
      process.execPath,
      [
        '-e',
        `process.stdout.write('out\\n'); require('fs').closeSync(1);
         let n = 0; const t = setInterval(() => { process.stderr.write('err ' + n + '\\n'); if (++n === 5) clearInterval(t); }, 20);`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await once(logChildOutput(child, logFile), 'close');
    expect(readFileSync(logFile, 'utf8').split('\n')).toEqual([
      'out',
      'err 0',
      'err 1',
      'err 2',
      'err 3',
      'err 4',
      '',
    ]);
  });
});
