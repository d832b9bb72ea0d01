// `npm run build [-- --out <dir>]`: compiles every service, the CLI and the libraries they use
// to CommonJS under dist/ (or <dir>), so production runs plain JavaScript:
// `node dist/apps/<service>/src/main.js`. Tests and `npm start` compile as they load instead.
// Then the console, through Nx and the Angular builder, into dist/apps/console (copied to <dir>);
// Nx's cache makes a build of unchanged sources a copy. `--only console` builds just the console.
import { transformFile } from '@swc/core';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: { out: { type: 'string', default: join(root, 'dist') }, only: { type: 'string' } },
});
const out = resolve(values.out);

/** Tests, their helpers and the end-to-end suites are not part of what runs in production; the console is built by Angular. */
const EXCLUDED_PROJECTS = new Set(['apps/e2e', 'libs/testing', 'apps/console']);

if (values.only === 'console') {
  buildConsole();
  process.exit(0);
} else if (values.only !== undefined) {
  console.error(`--only takes "console", not ${values.only}`);
  process.exit(2);
}
const isTest = (file) => file.endsWith('.spec.ts') || basename(file) === 'test-support.ts';

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !isTest(path)) yield path;
  }
}

const projects = ['apps', 'libs'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !EXCLUDED_PROJECTS.has(`${group}/${entry.name}`))
    .map((entry) => join(root, group, entry.name, 'src')),
);

const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
// `@aether/*` imports become relative paths, so the output needs no resolver at run time.
const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;

rmSync(out, { recursive: true, force: true });
const started = performance.now();
let files = 0;
for (const project of projects) {
  for (const source of sources(project)) {
    const target = join(out, relative(root, source)).replace(/\.ts$/, '.js');
    const { code, map } = await transformFile(source, {
      ...swcrc,
      swcrc: false,
      jsc: { ...swcrc.jsc, baseUrl: root, paths },
      sourceMaps: true,
      sourceFileName: relative(dirname(target), source),
    });
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${code}\n//# sourceMappingURL=${basename(target)}.map\n`);
    writeFileSync(`${target}.map`, map);
    files++;
  }
}
console.log(
  `built ${files} files into ${relative(process.cwd(), out) || '.'} in ${Math.round(performance.now() - started)} ms`,
);
buildConsole();
if (out !== join(root, 'dist'))
  cpSync(join(root, 'dist', 'apps', 'console'), join(out, 'apps', 'console'), { recursive: true });

/**
 * `nx run console:build` into dist/apps/console. Test suites may build at the same time, so one
 * build runs at a time (a lock folder; a stale one, left by a killed build, is taken over).
 */
function buildConsole() {
  const lock = join(root, 'tmp', 'console-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (age > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`the console build lock ${lock} was held too long`);
      else spawnSync('sleep', ['1']);
    }
  }
  try {
    const begun = performance.now();
    const nx = spawnSync('npx', ['nx', 'run', 'console:build', '--outputStyle=static'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    });
    if (nx.status !== 0) {
      process.stderr.write(nx.stdout + nx.stderr);
      throw new Error('the console build failed');
    }
    const cached = /existing outputs match the cache|local cache/i.test(nx.stdout);
    console.log(
      `built the console into dist/apps/console in ${Math.round(performance.now() - begun)} ms${cached ? ' (from the Nx cache)' : ''}`,
    );
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
