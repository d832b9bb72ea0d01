import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './stack';

/** Where `npm run build` puts the console; the gateway serves it from there by default. */
export const CONSOLE_DIST = join(REPO_ROOT, 'dist', 'apps', 'console', 'browser');
const SOURCES = [join(REPO_ROOT, 'apps', 'console', 'src'), join(REPO_ROOT, 'libs', 'read-api', 'src')];

/**
 * Builds the console unless dist/ already holds a build newer than every source it comes from.
 * Returns whether it built. A build takes about a minute on two cores; one from the Nx cache, seconds.
 */
export function ensureConsoleBuild(log: (line: string) => void = () => undefined): boolean {
  const built = statSync(join(CONSOLE_DIST, 'index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built > Math.max(...SOURCES.map(newestIn))) return false;
  log('building the console (once; later starts reuse the build)…');
  const result = spawnSync(process.execPath, ['tools/build/build.mjs', '--only', 'console'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`the console build failed:\n${result.stdout}${result.stderr}`);
  return true;
}

function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  return newest;
}
