import { HtmlPage, fingerprintFromHtml, type Fingerprint } from '@aether/healing';
import { beforeChange, ceilingVerdict, type CeilingVerdict } from './ceiling';
import { devtoolsSelector, isTargetable } from './corpus';
import { render, selectOne, type DomElement } from './dom';
import { MUTATIONS, TRUTH_ATTR, apply, type Mutation } from './mutations';
import { Rng, fnv1a } from '@aether/testing';
import { SCENARIOS, suits, type Scenario } from './scenarios';

export type Split = 'tune' | 'report' | 'holdout';
export type Recorder = 'devtools' | 'generated';

/** One benchmark case: a fingerprint from the original page, the mutated page, the truth. */
export interface BenchCase {
  readonly page: string;
  readonly split: Split;
  readonly mutation: Mutation;
  readonly recorder: Recorder;
  readonly fingerprint: Fingerprint;
  /** What the healers see: the mutated page without the truth marker. */
  readonly html: string;
  /** The same page with the marker on the target (absent when it was deleted). */
  readonly markedHtml: string;
  /** Whether a deleted target's look-alike could make the same page (ADR 133). */
  readonly ceiling: CeilingVerdict;
}

export interface CaseOptions {
  readonly seed: number;
  readonly casesPerPage: number;
  /** Share of pages (out of 10, by name hash) used for tuning. */
  readonly tuneShare: number;
  /** Build only these mutations' cases (`null`: all). */
  readonly only: readonly Mutation[] | null;
  /** Picks the held-out pages (2 in 10), which tuning never looks at. */
  readonly holdoutSeed: number;
}

/** Held out first (by the seed), then tune or report by the page name alone. */
export function splitOf(name: string, options: Pick<CaseOptions, 'tuneShare' | 'holdoutSeed'>): Split {
  if (fnv1a(`${options.holdoutSeed}:${name}`) % 10 < 2) return 'holdout';
  return fnv1a(name) % 10 < options.tuneShare ? 'tune' : 'report';
}

function vocabularyOf(page: HtmlPage): string[] {
  const words = new Set<string>();
  for (const s of page.snapshots()) {
    for (const w of s.text.split(/\s+/)) if (/^[A-Za-z]{3,12}$/.test(w)) words.add(w);
    if (words.size > 400) break;
  }
  return words.size > 10
    ? [...words]
    : [
        'Account',
        'Details',
        'Overview',
        'Settings',
        'Continue',
        'Profile',
        'Options',
        'More',
        'Help',
        'Next',
        'Save',
      ];
}

/**
 * The cases of one page, deterministic in (page name, seed). Mutations rotate with the
 * page index so every operator gets the same share of pages; targets are drawn among
 * interactive or meaningful elements.
 */
export function* casesOf(
  name: string,
  html: string,
  pageIndex: number,
  options: CaseOptions,
): Generator<BenchCase> {
  const original = HtmlPage.parse(html);
  const targets = original.snapshots().filter(isTargetable);
  if (targets.length < 3) return;
  const vocabulary = vocabularyOf(original);
  const split = splitOf(name, options);

  for (let k = 0; k < options.casesPerPage; k++) {
    const mutation = MUTATIONS[(pageIndex * options.casesPerPage + k) % MUTATIONS.length];
    if (options.only && !options.only.includes(mutation)) continue;
    // One stream per case, so a run of some scenarios builds exactly the cases a full run does.
    const rng = new Rng(fnv1a(`${name}#${k}`) ^ options.seed);
    const scenario = (SCENARIOS as readonly string[]).includes(mutation) ? (mutation as Scenario) : null;
    const pool = scenario ? targets.filter((t) => suits(scenario, t)) : targets;
    if (pool.length === 0) continue;
    for (let attempt = 0; attempt < 6; attempt++) {
      const target = rng.pick(pool);
      const mutated = HtmlPage.parse(html);
      const el = selectOne<unknown, DomElement>(target.selector, mutated.document);
      const body = selectOne<unknown, DomElement>('body', mutated.document);
      if (!el || !body) continue;
      const recorder: Recorder = rng.chance(0.5) ? 'devtools' : 'generated';
      const recorded = recorder === 'devtools' ? devtoolsSelector(el) : target.selector;
      let fingerprint: Fingerprint;
      try {
        fingerprint = fingerprintFromHtml(original, recorded);
      } catch {
        continue; // the DevTools-style selector was not unique on the original page
      }
      const before = beforeChange(mutated.document, el);
      el.attribs[TRUTH_ATTR] = '1';
      if (!apply(mutation, { doc: mutated.document, body, rng, vocabulary, target: el })) continue;
      const markedHtml = render(mutated.document);
      const seen = markedHtml.replaceAll(` ${TRUTH_ATTR}="1"`, '');
      yield {
        page: name,
        split,
        mutation,
        recorder,
        fingerprint,
        markedHtml,
        html: seen,
        ceiling: ceilingVerdict(before, mutated.document, fingerprint, seen),
      };
      break;
    }
  }
}
