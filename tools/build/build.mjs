// `npm run build [-- --out <dir>]`: compiles every service, the CLI and the libraries they use
// to CommonJS under dist/ (or <dir>), so production runs plain JavaScript:
// `node dist/apps/<service>/src/main.js`. Tests and `npm start` compile as they load instead.
import { transformFile } from '@swc/core';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({ options: { out: { type: 'string', default: join(root, 'dist') } } });
const out = resolve(values.out);

/** Tests, their helpers and the end-to-end suites are not part of what runs in production. */
const EXCLUDED_PROJECTS = new Set(['apps/e2e', 'libs/testing']);
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
