// Two trees' healing libraries in one process, case by case on one split (held out unless
// told), alternating which goes first: load and garbage collection weigh on both alike, so the
// ratio of their CPU holds under load (ADR 97). Each tree a checkout (a frozen copy:
// `git archive <rev> | tar -x`).
//   node -r @swc-node/register tools/bench/healing/interleave.ts <treeA> <treeB> [rounds] [split] [seed]
import type * as Healing from '@aether/healing';
import { casesOf, splitOf, type BenchCase, type Split } from './cases';
import { corpusDir, listPages, loadPage } from './corpus';
import { percentile } from '../stats';
type Lib = typeof Healing;
const [aDir, bDir] = process.argv.slice(2, 4);
const rounds = Number(process.argv[4] ?? 2);
const split = (process.argv[5] ?? 'holdout') as Split;
const libs: Lib[] = [
  require(`${aDir}/libs/healing/src/index.ts`),
  require(`${bDir}/libs/healing/src/index.ts`),
];
const options = {
  seed: Number(process.argv[6] ?? 0x5eed),
  casesPerPage: 11,
  tuneShare: 3,
  holdoutSeed: 27,
  only: null,
};
const dir = corpusDir();
const cases: BenchCase[] = [];
listPages(dir).forEach((name, index) => {
  if (splitOf(name, options) === split)
    cases.push(...casesOf(name, loadPage(dir, name).html, index, options));
});
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const parse = libs.map(() => cases.map(() => Infinity));
const heal = libs.map(() => cases.map(() => Infinity));
const sumParse = libs.map(() => 0);
const sumHeal = libs.map(() => 0);
for (let r = 0; r < rounds; r++) {
  cases.forEach((c, i) => {
    const order = (i + r) % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      const t0 = cpu();
      const page = libs[k].HtmlPage.parse(c.html);
      const t1 = cpu();
      libs[k].healInHtml(page, c.fingerprint, { budgetMs: 1e9 });
      const t2 = cpu();
      parse[k][i] = Math.min(parse[k][i], t1 - t0);
      heal[k][i] = Math.min(heal[k][i], t2 - t1);
      sumParse[k] += t1 - t0;
      sumHeal[k] += t2 - t1;
    }
  });
}
libs.forEach((_, k) => {
  const p95 = (v: number[]): string => percentile(v, 0.95).toFixed(1);
  const all = cases.map((_, i) => parse[k][i] + heal[k][i]);
  process.stdout.write(
    `${[aDir, bDir][k]}: ${cases.length} cases, ${rounds} rounds; CPU summed over all rounds parse ${sumParse[k].toFixed(0)} ms, heal ${sumHeal[k].toFixed(0)} ms; least per case: p95 heal ${p95(heal[k])}, parse ${p95(parse[k])}, parse + heal ${p95(all)}, p50 parse + heal ${percentile(all, 0.5).toFixed(1)}\n`,
  );
});
