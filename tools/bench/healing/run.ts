// Healing benchmark: real pages, seeded mutations and scenarios, hidden ground truth.
//   node --max-semi-space-size=32 -r @swc-node/register tools/bench/healing/run.ts [--split tune|report|holdout|all]
//     [--only m1,m2] [--workers N] [--verbose] [--dump <file>]
// Prints a per-scenario breakdown per split, the AdminLTE v3 → v4 evolution set, and ends
// with one JSON line: the report split's figures (timings without HTML parsing, as the
// robot heals a live DOM), per scenario, and the held-out split's (p95 with parsing).
// Tuning looks at the tune split only (--split tune --verbose); never at the held-out one.
// --dump writes every case's verdict, one JSON line each, in corpus order: two trees that
// decide alike write the same file (a speed-up must not change a verdict; diff them).
import { writeFileSync } from 'node:fs';
import { HtmlPage, healInHtml, looksLikeACopy, matchedSnapshots, type HealResult } from '@aether/healing';
import { cpus } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { baselineHeal } from './baseline';
import type { CeilingVerdict } from './ceiling';
import { nextChange } from './next-change';
import { splitOf, casesOf, type BenchCase, type Recorder, type Split } from './cases';
import { corpusDir, listPages, loadPage } from './corpus';
import { runEvolution } from './evolution';
import { MUTATIONS, TRUTH_ATTR, type Mutation } from './mutations';
import { DELETES } from './scenarios';
import { percentile } from '../stats';

type Outcome = 'correct' | 'wrong' | 'not_found';

interface CaseResult {
  readonly page: string;
  readonly split: Split;
  readonly mutation: Mutation;
  readonly recorder: Recorder;
  readonly outcome: Outcome;
  readonly baseline: Outcome;
  readonly healMs: number;
  readonly parseMs: number;
  readonly status: HealResult['status'];
  readonly tier?: number;
  /** Healed cases: the proposal is a positional path (no sturdier unique selector was found). */
  readonly structural?: boolean;
  /** Healed cases: the proposal still picks out the target alone after the next change. */
  readonly survives?: boolean;
  /** Healed cases: the same for the element's generated selector (what heals proposed before). */
  readonly legacySurvives?: boolean;
  /** The rule that decided a heal (`similarity`, `unmistakable`, `context`, `anchors`). */
  readonly rule?: string;
  /**
   * `move` and `combo` cases: the moved target, as the healer sees it, is what a deleted
   * target's copy looks like (no own id, test id or name; outside every recorded form,
   * landmark, heading, container and anchor): no healer can take it without taking copies.
   */
  readonly copyLike?: boolean;
  /** Whether the generator's deletion and look-alike make the same page (ADR 133). */
  readonly ceiling: CeilingVerdict;
  /** The outcome with tier 2 off (`anchors: false`): what tier 2 adds. */
  readonly tier2Off: Outcome;
  readonly timedOut: boolean;
  /** What `--dump` writes: the recorded selector and the whole verdict, timings left out. */
  readonly verdict: Verdict;
}

interface Verdict {
  readonly fingerprint: string;
  readonly status: HealResult['status'];
  readonly reason?: string;
  readonly selector?: string;
  readonly confidence?: number;
  readonly margin?: number;
  readonly best?: string;
  readonly runnerUp?: string;
}

interface Settings {
  readonly seed: number;
  readonly casesPerPage: number;
  readonly tuneShare: number;
  readonly holdoutSeed: number;
  readonly only: readonly Mutation[] | null;
  readonly split: Split | 'all';
  readonly verbose: boolean;
  readonly workers: number;
  /** Heal budget in ms; only for exploring under load (the published run keeps the default). */
  readonly budgetMs: number | undefined;
  /** File to write every case's verdict to (JSON lines), for diffing two trees. */
  readonly dump: string | undefined;
}

function settingsFrom(argv: readonly string[]): Settings {
  const flag = (name: string): string | undefined =>
    argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined;
  return {
    // Other seeds and case counts are for exploring the tune split; the published run
    // uses the defaults.
    seed: Number(flag('--seed') ?? 0x5eed),
    casesPerPage: Number(flag('--cases-per-page') ?? 11),
    tuneShare: 3,
    holdoutSeed: Number(flag('--holdout-seed') ?? 27),
    only: (flag('--only')?.split(',') as Mutation[] | undefined) ?? null,
    split: (flag('--split') as Split | 'all' | undefined) ?? 'all',
    verbose: argv.includes('--verbose'),
    workers: Math.max(1, Number(flag('--workers') ?? Math.min(2, cpus().length))),
    budgetMs: flag('--budget') === undefined ? undefined : Number(flag('--budget')),
    dump: flag('--dump'),
  };
}

function judge(marked: HtmlPage, selector: string | null, deleted: boolean, firstOnly = false): Outcome {
  if (selector === null) return deleted ? 'correct' : 'not_found';
  if (deleted) return 'wrong';
  let hits;
  try {
    hits = marked.querySelectorAll(selector);
  } catch {
    return 'wrong';
  }
  if (hits.length === 0 || (!firstOnly && hits.length !== 1)) return 'wrong';
  return isTruth(hits[0]) ? 'correct' : 'wrong';
}

/**
 * The marked element, or the sole element inside it (`<p><strong>Title</strong></p>`):
 * acting on or reading either is the same thing.
 */
function isTruth(hit: ReturnType<HtmlPage['querySelectorAll']>[number]): boolean {
  for (let el: typeof hit | null = hit; el; el = el.parentElement) {
    if (el.getAttribute(TRUTH_ATTR) !== null) return true;
    const parent = el.parentElement;
    if (
      !parent ||
      parent.children.length !== 1 ||
      parent.childNodes.some((n) => n.nodeType === 3 && n.nodeValue?.trim())
    )
      return false;
  }
  return false;
}

function selectorOf(result: HealResult): string | null {
  switch (result.status) {
    case 'intact':
    case 'healed':
      return result.selector;
    case 'refused':
      return null;
    default: {
      const _exhaustive: never = result;
      return _exhaustive;
    }
  }
}

const candidateText = (c: { selector: string; confidence: number } | undefined): string | undefined =>
  c && `${c.selector} (${c.confidence})`;

function verdictOf(fingerprint: string, result: HealResult): Verdict {
  switch (result.status) {
    case 'intact':
      return { fingerprint, status: result.status, selector: result.selector, confidence: result.confidence };
    case 'healed':
      return {
        fingerprint,
        status: result.status,
        selector: result.selector,
        confidence: result.confidence,
        margin: result.margin,
        reason: `tier ${result.tier} ${result.explanation.rule}`,
        runnerUp: candidateText(result.runnerUp),
      };
    case 'refused':
      return {
        fingerprint,
        status: result.status,
        reason: result.reason,
        best: candidateText(result.best),
        runnerUp: candidateText(result.runnerUp),
      };
    default: {
      const _exhaustive: never = result;
      return _exhaustive;
    }
  }
}

function runCase(c: BenchCase, verbose: boolean, budgetMs: number | undefined): CaseResult {
  const options = budgetMs === undefined ? {} : { budgetMs };
  const t0 = performance.now();
  const page = HtmlPage.parse(c.html);
  const t1 = performance.now();
  const result = healInHtml(page, c.fingerprint, options);
  const t2 = performance.now();
  const marked = HtmlPage.parse(c.markedHtml);
  const deleted = DELETES.has(c.mutation);
  const outcome = judge(marked, selectorOf(result), deleted);
  let proposal: Pick<CaseResult, 'structural' | 'survives' | 'legacySurvives'> = {};
  if (result.status === 'healed' && outcome === 'correct') {
    const legacy = page.collect({ selector: result.selector });
    const legacySelector = matchedSnapshots(legacy)[0]?.selector ?? result.selector;
    const next = HtmlPage.parse(nextChange(c.markedHtml, `${c.page}#${c.fingerprint.selector}`));
    proposal = {
      structural: result.structural,
      survives: judge(next, result.selector, false) === 'correct',
      legacySurvives: judge(next, legacySelector, false) === 'correct',
    };
  }
  // Tier 2 runs last, so only its own heals can change when it is off.
  const tier2Off =
    result.status === 'healed' && result.tier === 2
      ? judge(marked, selectorOf(healInHtml(page, c.fingerprint, { ...options, anchors: false })), deleted)
      : outcome;
  if (verbose && outcome !== 'correct') {
    process.stderr.write(
      `${outcome.padEnd(9)} ${c.mutation.padEnd(14)} ${c.page} ${c.fingerprint.selector}\n  fp: ${JSON.stringify(c.fingerprint)}\n  => ${JSON.stringify(result)}\n`,
    );
  }
  return {
    page: c.page,
    split: c.split,
    mutation: c.mutation,
    recorder: c.recorder,
    outcome,
    ...(MOVES.has(c.mutation) ? { copyLike: movedLikeACopy(page, marked, c) } : {}),
    ceiling: c.ceiling,
    baseline: judge(marked, baselineHeal(page, c.fingerprint), deleted, true),
    healMs: t2 - t1,
    parseMs: t1 - t0,
    status: result.status,
    ...proposal,
    tier2Off,
    timedOut: result.status === 'refused' && result.reason === 'timeout',
    verdict: verdictOf(c.fingerprint.selector, result),
    ...(result.status === 'healed' ? { tier: result.tier, rule: result.explanation.rule } : {}),
  };
}

/** Scenarios whose target moved away from where it was recorded. */
const MOVES: ReadonlySet<Mutation> = new Set(['move', 'combo']);

/** Whether the target, where it now is, looks to the healer exactly like a deleted target's copy. */
function movedLikeACopy(page: HtmlPage, marked: HtmlPage, c: BenchCase): boolean {
  const truth = marked.collect({ selector: `[${TRUTH_ATTR}]` });
  const uid = matchedSnapshots(truth)[0]?.uid;
  const snapshots = page.collect({ includeTag: c.fingerprint.tag }).snapshots;
  const element = snapshots.find((s) => s.uid === uid);
  return element !== undefined && looksLikeACopy(c.fingerprint, snapshots, element);
}

/**
 * The semi-space size V8 was given (it reaches the workers too). The robot heals in a process
 * started with `--max-semi-space-size=32` by every launcher (ADR 25); `npm run bench:healing`
 * passes the same, so its wall times include the garbage collection a robot's heal meets (ADR 118).
 */
function youngGeneration(): string {
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  const mb = flags.map((f) => /^--max-semi-space-size=(\d+)$/.exec(f)?.[1]).find((v) => v !== undefined);
  return mb === undefined ? "V8's default semi-spaces (not the robot's 32 MB)" : `${mb} MB semi-spaces`;
}

/** Runs every case of the pages whose index ≡ `shard` (mod `shards`). */
function runShard(settings: Settings, shard: number, shards: number): CaseResult[] {
  const dir = corpusDir();
  const out: CaseResult[] = [];
  listPages(dir).forEach((name, index) => {
    if (index % shards !== shard) return;
    if (settings.split !== 'all' && splitOf(name, settings) !== settings.split) return;
    for (const c of casesOf(name, loadPage(dir, name).html, index, settings))
      out.push(runCase(c, settings.verbose, settings.budgetMs));
  });
  return out;
}

const pct = (n: number, d: number): number => (d === 0 ? 0 : Math.round((1000 * n) / d) / 10);

interface Rates {
  readonly cases: number;
  readonly correct_pct: number;
  readonly wrong_pct: number;
  readonly ceiling: Ceiling;
}

function rates(list: readonly CaseResult[]): Rates {
  const n = list.length;
  return {
    cases: n,
    correct_pct: pct(list.filter((c) => c.outcome === 'correct').length, n),
    wrong_pct: pct(list.filter((c) => c.outcome === 'wrong').length, n),
    ceiling: ceilingOf(list),
  };
}

/**
 * What bounds correct (ADR 133): cases whose page a deleted target's look-alike makes too, so
 * any healer that heals them heals that page to the look-alike; the best correct % without such
 * a wrong heal; and how many of them the healer does not refuse today (each a wrong heal, or a
 * wrong element kept, on the other page).
 */
interface Ceiling {
  readonly indistinguishable: number;
  readonly ceiling_pct: number;
  readonly not_refused: number;
}

function ceilingOf(list: readonly CaseResult[]): Ceiling {
  const bound = list.filter((c) => c.ceiling === 'indistinguishable');
  return {
    indistinguishable: bound.length,
    ceiling_pct: pct(list.length - bound.length, list.length),
    not_refused: bound.filter((c) => c.status !== 'refused').length,
  };
}

/** A percentile in ms to one decimal; 0 when there are no values. */
function quantile(values: readonly number[], q: number): number {
  return values.length === 0 ? 0 : Math.round(percentile(values, q) * 10) / 10;
}

function summarise(label: string, cases: readonly CaseResult[], print: (line: string) => void): void {
  const line = (name: string, list: readonly CaseResult[]): string => {
    const n = list.length;
    const c = (o: Outcome, key: 'outcome' | 'baseline' = 'outcome'): number =>
      list.filter((x) => x[key] === o).length;
    return [
      name.padEnd(18),
      String(n).padStart(5),
      `correct ${pct(c('correct'), n).toFixed(1).padStart(5)}%`,
      `wrong ${pct(c('wrong'), n).toFixed(1).padStart(4)}%`,
      `not_found ${pct(c('not_found'), n).toFixed(1).padStart(4)}%`,
      `p50 ${quantile(
        list.map((x) => x.healMs),
        0.5,
      )
        .toFixed(1)
        .padStart(5)}ms`,
      `p95 ${quantile(
        list.map((x) => x.healMs),
        0.95,
      )
        .toFixed(1)
        .padStart(5)}ms`,
      `| baseline correct ${pct(c('correct', 'baseline'), n).toFixed(1).padStart(5)}% wrong ${pct(c('wrong', 'baseline'), n).toFixed(1).padStart(4)}%`,
      `| ceiling ${ceilingOf(list).ceiling_pct.toFixed(1).padStart(5)}%`,
    ].join('  ');
  };
  const count = (pred: (c: CaseResult) => boolean): string => {
    const list = cases.filter(pred);
    return `${list.length} (${list.filter((c) => c.outcome === 'wrong').length} wrong)`;
  };
  print(`\n== ${label} split: ${cases.length} cases on ${new Set(cases.map((c) => c.page)).size} pages`);
  for (const m of MUTATIONS)
    print(
      line(
        m,
        cases.filter((c) => c.mutation === m),
      ),
    );
  for (const r of ['devtools', 'generated'] as const)
    print(
      line(
        `recorder:${r}`,
        cases.filter((c) => c.recorder === r),
      ),
    );
  print(line('ALL', cases));
  const moved = cases.filter((c) => MOVES.has(c.mutation));
  print(
    `   move/combo indistinguishable from a deleted target with a copy: ${moved.filter((c) => c.copyLike).length} of ${moved.length} (what bounds correct on them)`,
  );
  const bound = ceilingOf(cases);
  const verdicts = new Map<CeilingVerdict, number>();
  for (const c of cases) verdicts.set(c.ceiling, (verdicts.get(c.ceiling) ?? 0) + 1);
  const bounded = MUTATIONS.map(
    (m) => [m, cases.filter((c) => c.mutation === m && c.ceiling === 'indistinguishable').length] as const,
  ).filter(([, k]) => k > 0);
  const others = [...verdicts].filter(([v]) => v !== 'indistinguishable');
  print(
    `   ceiling (ADR 133): ${bound.indistinguishable} of ${cases.length} cases are, byte for byte, a page the deletion with a look-alike makes` +
      (bounded.length > 0 ? ` (${bounded.map(([m, k]) => `${m} ${k}`).join(', ')})` : '') +
      `: best correct without healing a look-alike ${bound.ceiling_pct}% (now ${pct(
        cases.filter((c) => c.outcome === 'correct').length,
        cases.length,
      )}%), not refused ${bound.not_refused}; the others: ${others.map(([v, k]) => `${v} ${k}`).join(', ')}`,
  );
  const q = proposalQuality(cases);
  print(
    `   proposals of ${q['healed']} correct heals: non-structural ${q['non_structural_pct']}%, pick out the target after the next change ${q['survive_next_pct']}% (generated selector ${q['legacy_survive_next_pct']}%)`,
  );
  const byRule = ['similarity', 'unmistakable', 'context', 'anchors']
    .map((r) => `${r} ${count((c) => c.rule === r)}`)
    .join(', ');
  print(
    `   decided by: ${byRule}; with tier 2 off: correct ${pct(cases.filter((c) => c.tier2Off === 'correct').length, cases.length)}%, wrong ${pct(cases.filter((c) => c.tier2Off === 'wrong').length, cases.length)}%`,
  );
  print(
    `   verdicts: intact ${count((c) => c.status === 'intact')}, tier 1 ${count((c) => c.tier === 1)}, tier 2 ${count((c) => c.tier === 2)}, ` +
      `refused ${count((c) => c.status === 'refused')} (over the time budget ${count((c) => c.timedOut)}); with HTML parsing p95 ${quantile(
        cases.map((c) => c.healMs + c.parseMs),
        0.95,
      )}ms; slowest heal ${quantile(
        cases.map((c) => c.healMs),
        1,
      )}ms`,
  );
}

/**
 * Quality of the selectors correct heals propose: how many are not positional paths, and
 * how many still pick out the target alone after the next change (wrappers, a sibling
 * inserted before it, a restyle), against the generated selector heals proposed before.
 */
function proposalQuality(list: readonly CaseResult[]): Record<string, number> {
  const healed = list.filter((c) => c.survives !== undefined);
  return {
    healed: healed.length,
    non_structural_pct: pct(healed.filter((c) => !c.structural).length, healed.length),
    survive_next_pct: pct(healed.filter((c) => c.survives).length, healed.length),
    legacy_survive_next_pct: pct(healed.filter((c) => c.legacySurvives).length, healed.length),
  };
}

/** One JSON line per case in corpus order (shards interleave pages), timings left out. */
function dumpOf(cases: readonly CaseResult[]): string {
  const order = (c: CaseResult): string => `${c.split} ${c.page}`;
  return [...cases]
    .map((c, i) => ({ c, i }))
    .sort((a, b) => order(a.c).localeCompare(order(b.c)) || a.i - b.i)
    .map(({ c }) =>
      JSON.stringify({
        split: c.split,
        page: c.page,
        mutation: c.mutation,
        recorder: c.recorder,
        outcome: c.outcome,
        tier2Off: c.tier2Off,
        baseline: c.baseline,
        survives: c.survives,
        ...c.verdict,
      }),
    )
    .map((line) => line + '\n')
    .join('');
}

async function main(): Promise<void> {
  const settings = settingsFrom(process.argv.slice(2));
  const started = performance.now();
  const print = (line: string): void => {
    process.stdout.write(line + '\n');
  };
  const shards = await Promise.all(
    Array.from({ length: settings.workers }, (_, shard) =>
      settings.workers === 1
        ? Promise.resolve(runShard(settings, 0, 1))
        : new Promise<CaseResult[]>((resolve, reject) => {
            const worker = new Worker(__filename, {
              workerData: { settings, shard, shards: settings.workers },
              execArgv: ['-r', '@swc-node/register'],
            });
            worker.once('message', (m: CaseResult[]) => resolve(m));
            worker.once('error', reject);
          }),
    ),
  );
  const all = shards.flat();
  if (settings.dump !== undefined) writeFileSync(settings.dump, dumpOf(all));
  const tune = all.filter((c) => c.split === 'tune');
  const report = all.filter((c) => c.split === 'report');
  const holdout = all.filter((c) => c.split === 'holdout');
  if (tune.length > 0) summarise('tune', tune, print);
  if (report.length > 0) summarise('report', report, print);
  if (holdout.length > 0) summarise('holdout', holdout, print);

  runEvolution(corpusDir(), print);

  const [finalSplit, final] =
    report.length > 0 ? ['report', report] : tune.length > 0 ? ['tune', tune] : ['holdout', holdout];
  const n = final.length;
  const count = (o: Outcome, key: 'outcome' | 'baseline' = 'outcome'): number =>
    final.filter((c) => c[key] === o).length;
  const deletions = final.filter((c) => DELETES.has(c.mutation));
  print(
    `\nbench time ${((performance.now() - started) / 1000).toFixed(1)}s with ${settings.workers} worker(s), ${youngGeneration()}; the JSON line covers the ${finalSplit} split`,
  );
  print(
    JSON.stringify({
      bench: 'healing',
      cases: n,
      correct_pct: pct(count('correct'), n),
      wrong_pct: pct(count('wrong'), n),
      not_found_pct: pct(count('not_found'), n),
      deleted_refused_pct: pct(deletions.filter((c) => c.outcome === 'correct').length, deletions.length),
      p95_ms: quantile(
        final.map((c) => c.healMs),
        0.95,
      ),
      baseline_correct_pct: pct(count('correct', 'baseline'), n),
      baseline_wrong_pct: pct(count('wrong', 'baseline'), n),
      tier2_off: {
        correct_pct: pct(final.filter((c) => c.tier2Off === 'correct').length, n),
        wrong_pct: pct(final.filter((c) => c.tier2Off === 'wrong').length, n),
      },
      decided_by: Object.fromEntries(
        ['similarity', 'unmistakable', 'context', 'anchors'].map((r) => [
          r,
          final.filter((c) => c.rule === r).length,
        ]),
      ),
      scenarios: Object.fromEntries(
        MUTATIONS.map((m) => {
          const list = final.filter((c) => c.mutation === m);
          return [m, rates(list)];
        }).filter(([, v]) => (v as Rates).cases > 0),
      ),
      proposals: proposalQuality(final),
      indistinguishable: final.filter((c) => c.copyLike).length,
      ceiling: ceilingOf(final),
      holdout: {
        ...rates(holdout),
        tier2_off_correct_pct: pct(holdout.filter((c) => c.tier2Off === 'correct').length, holdout.length),
        deleted_refused_pct: rates(holdout.filter((c) => DELETES.has(c.mutation))).correct_pct,
        indistinguishable: holdout.filter((c) => c.copyLike).length,
        ceiling: {
          ...ceilingOf(holdout),
          scenarios: Object.fromEntries(
            MUTATIONS.map((m) => [m, ceilingOf(holdout.filter((c) => c.mutation === m))]).filter(
              ([, v]) => (v as Ceiling).indistinguishable > 0,
            ),
          ),
        },
        p95_ms: quantile(
          holdout.map((c) => c.healMs + c.parseMs),
          0.95,
        ),
      },
    }),
  );
}

if (isMainThread) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
} else {
  const { settings, shard, shards } = workerData as { settings: Settings; shard: number; shards: number };
  parentPort?.postMessage(runShard(settings, shard, shards));
}
