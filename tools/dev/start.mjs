// `npm start` entry: installs dependencies on a fresh checkout, then runs start.ts.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.on('SIGINT', () => {}); // the child (and its services) handle Ctrl-C and stop cleanly
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
if (!existsSync(join(root, 'node_modules', '@swc-node', 'register'))) {
  console.log('installing dependencies (npm ci)…');
  const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
const run = spawnSync(
  process.execPath,
  ['-r', '@swc-node/register', join(root, 'tools/dev/start.ts'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, SWC_NODE_PROJECT: join(root, 'tsconfig.json') } },
);
process.exit(run.status ?? 1);
