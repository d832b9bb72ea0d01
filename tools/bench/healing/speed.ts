// Where a heal's time goes, in CPU (which load disturbs far less than wall time): for every
// case of a split, the CPU of parsing the page and of healing on it (`healInHtml`: collecting
// the snapshots, deciding, choosing the proposal), the collecting alone beside it, and the p95
// of heal and of parse + heal.
//   node -r @swc-node/register tools/bench/healing/speed.ts [--split holdout] [--rounds 2]
//     [--seed S] [--page substring] [--slowest N]
// Run two trees alternately in the same time window to compare them; `--dump` of run.ts
// says whether their verdicts agree.
import { HtmlPage, healInHtml } from '@aether/healing';
import { casesOf, splitOf, type BenchCase, type Split } from './cases';
import { corpusDir, listPages, loadPage } from './corpus';
import { percentile } from '../stats';

const flag = (name: string): string | undefined => {
  const argv = process.argv;
  return argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined;
};
const split = (flag('--split') ?? 'holdout') as Split;
const rounds = Number(flag('--rounds') ?? 2);
const pageFilter = flag('--page');
const slowest = Number(flag('--slowest') ?? 0);
const options = {
  seed: Number(flag('--seed') ?? 0x5eed),
  casesPerPage: 11,
  tuneShare: 3,
  holdoutSeed: 27,
  only: null,
};

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const dir = corpusDir();
const cases: BenchCase[] = [];
listPages(dir).forEach((name, index) => {
  if (splitOf(name, options) !== split || (pageFilter !== undefined && !name.includes(pageFilter))) return;
  cases.push(...casesOf(name, loadPage(dir, name).html, index, options));
});

interface Phases {
  parse: number;
  heal: number;
  collect: number;
}

const best: Phases[] = cases.map(() => ({ parse: Infinity, heal: Infinity, collect: Infinity }));
for (let r = 0; r < rounds; r++) {
  cases.forEach((c, i) => {
    const t0 = cpu();
    const page = HtmlPage.parse(c.html);
    const t1 = cpu();
    healInHtml(page, c.fingerprint, { budgetMs: 1e9 });
    const t2 = cpu();
    // A page keeps what its first collect found (ADR 112): the heal's collect is a fresh page's.
    const fresh = HtmlPage.parse(c.html);
    const t2b = cpu();
    fresh.collect({ selector: c.fingerprint.selector, includeTag: c.fingerprint.tag });
    const t3 = cpu();
    // The least CPU of the rounds: what the code costs, with the least of other processes in it.
    const b = best[i];
    b.parse = Math.min(b.parse, t1 - t0);
    b.heal = Math.min(b.heal, t2 - t1);
    b.collect = Math.min(b.collect, t3 - t2b);
  });
}

const sum = (f: (p: Phases) => number): number => best.reduce((a, p) => a + f(p), 0);
const p95 = (f: (p: Phases) => number): string => percentile(best.map(f), 0.95).toFixed(1);
process.stdout.write(
  `${split}: ${cases.length} cases, least CPU ms of ${rounds} rounds\n` +
    `  total: parse ${sum((p) => p.parse).toFixed(0)}, heal ${sum((p) => p.heal).toFixed(0)} (of which collect ${sum((p) => p.collect).toFixed(0)})\n` +
    `  p95: heal only ${p95((p) => p.heal)}, with parsing ${p95((p) => p.parse + p.heal)} (parse ${p95((p) => p.parse)}, collect ${p95((p) => p.collect)})\n`,
);

best
  .map((p, i) => ({ p, c: cases[i] }))
  .sort((a, b) => b.p.parse + b.p.heal - (a.p.parse + a.p.heal))
  .slice(0, slowest)
  .forEach(({ p, c }) =>
    process.stdout.write(
      `  ${(p.parse + p.heal).toFixed(1).padStart(6)} parse ${p.parse.toFixed(1)} heal ${p.heal.toFixed(1)} collect ${p.collect.toFixed(1)}  ${c.page} ${c.mutation} ${c.fingerprint.selector}\n`,
    ),
  );
