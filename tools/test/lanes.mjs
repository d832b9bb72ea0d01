// `npm test`: every Jest project in two lanes at once (ADR 63). The end-to-end suites, each of
// which starts a whole platform, run one after another in one lane; everything else runs in the
// other. On two cores Jest alone runs every suite in one process, one at a time, and leaves a
// core idle while a suite waits on its servers; two end-to-end suites at once would starve each
// other's timing. Arguments go to both lanes: `npm test -- --ci`.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const extra = process.argv.slice(2);
// A path pattern may select suites of one lane only; the other then has none, which is no failure.
const selecting = extra.length > 0 ? ['--passWithNoTests'] : [];
const colors = process.stderr.isTTY ? ['--colors'] : [];
// A suite that fails can leave a loop or a socket behind (its own teardown never ran); Jest then
// waits for it forever after printing its summary. Exit once the results are in: the summary and
// the exit code are what count, and a hang must not cost CI its whole budget.
const exitWhenDone = ['--forceExit'];
const lanes = [
  { name: 'e2e', args: ['--selectProjects', 'e2e', '--runInBand'] },
  {
    name: 'rest',
    args: ['--ignoreProjects', 'e2e', `--maxWorkers=${Math.max(1, availableParallelism() - 2)}`],
  },
];

const started = Date.now();
const children = [];
// Stopped from outside (Ctrl-C, a CI timeout): each lane stops its platforms and servers itself.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => children.forEach((child) => child.kill(signal)));
const results = await Promise.all(
  lanes.map(
    (lane) =>
      new Promise((resolve) => {
        const child = spawn(
          process.execPath,
          [jest, ...lane.args, ...exitWhenDone, ...colors, ...selecting, ...extra],
          {
            cwd: root,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        children.push(child);
        // Whole lines, each marked with its lane, so the two outputs interleave readably.
        for (const [from, to] of [
          [child.stdout, process.stdout],
          [child.stderr, process.stderr],
        ])
          createInterface({ input: from }).on('line', (line) => to.write(`[${lane.name}] ${line}\n`));
        // 'close', not 'exit': the lane's last lines are through.
        child.once('close', (code, signal) =>
          resolve({ lane: lane.name, code: code ?? 1, signal, seconds: (Date.now() - started) / 1000 }),
        );
      }),
  ),
);
for (const { lane, code, signal, seconds } of results)
  console.log(
    `lane ${lane}: ${code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`} in ${Math.round(seconds)} s`,
  );
process.exit(results.find((result) => result.code !== 0)?.code ?? 0);
