import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('the Node versions CI tests', () => {
  const script = read('.ci/node24');

  it('include the one the image runs', () => {
    const imageMajors = [...read('deploy/Dockerfile').matchAll(/^FROM node:(\d+)[-.:\s]/gm)].map((m) => m[1]);
    expect(imageMajors.length).toBeGreaterThan(0);
    const installed = /"node-linux-\$arch@(\d+)"/.exec(script)?.[1];
    for (const major of imageMajors) expect(installed).toBe(major);
  });

  it('run Node 24 in CI, after the default suite', () => {
    const steps = read('.ci/run')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(steps.indexOf('.ci/node24')).toBeGreaterThan(steps.indexOf('npm test'));
    expect(steps.indexOf('npm test')).toBeGreaterThan(-1);
  });

  it('run every unit and integration suite under it, and the built platform', () => {
    const runs = script.split('\n').filter((line) => line.startsWith('"${jest[@]}"'));
    expect(runs).toContainEqual(expect.stringContaining('--ignoreProjects e2e'));
    expect(runs.some((line) => /--(testPathPattern|projects (?!apps\/e2e))/.test(line))).toBe(false);
    const builtPlatform = 'apps/e2e/src/built-platform.e2e.spec.ts';
    expect(runs).toContainEqual(expect.stringContaining(builtPlatform));
    expect(existsSync(join(ROOT, builtPlatform))).toBe(true);
  });
});
