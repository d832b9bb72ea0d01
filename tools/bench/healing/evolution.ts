import {
  HtmlPage,
  fingerprintFromHtml,
  healInHtml,
  matchedSnapshots,
  type HealResult,
} from '@aether/healing';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { baselineHeal } from './baseline';
import { devtoolsSelector, loadPage } from './corpus';
import { selectOne, type AnyNode, type DomElement, type ParentNode } from './dom';

/**
 * Real page evolution: AdminLTE 3.2 → 4.0 (Bootstrap 4 → 5 redesign). Each row locates an
 * element in v3 (recorded with a DevTools-style selector) and names the same element in
 * v4, or `null` where the redesign removed it. Ground truth written by hand from reading
 * both versions of each page.
 */
const PAIRS: readonly { v3: string; v4: string; rows: readonly [string, string | null][] }[] = [
  {
    v3: 'pages/examples/login.html',
    v4: 'examples/login.html',
    rows: [
      ['input[type=email]', 'input[type=email]'],
      ['input[type=password]', 'input[type=password]'],
      ['#remember', '#flexCheckDefault'],
      ['label[for=remember]', 'label[for=flexCheckDefault]'],
      ['button[type=submit]', 'button[type=submit]'],
      ['.social-auth-links a.btn-primary', '.social-auth-links a.btn-primary'],
      ['.social-auth-links a.btn-danger', '.social-auth-links a.btn-danger'],
      ['p.mb-1 > a', 'p.mb-1 > a'],
      ['p.mb-0 > a', 'p.mb-0 > a'],
      ['.login-logo > a', '.login-logo > a'],
    ],
  },
  {
    v3: 'pages/examples/login-v2.html',
    v4: 'examples/login-v2.html',
    rows: [
      ['input[type=email]', '#loginEmail'],
      ['input[type=password]', '#loginPassword'],
      ['#remember', '#flexCheckDefault'],
      ['label[for=remember]', 'label[for=flexCheckDefault]'],
      ['button[type=submit]', 'button[type=submit]'],
      ['.social-auth-links a.btn-primary', '.social-auth-links a.btn-primary'],
      ['.social-auth-links a.btn-danger', '.social-auth-links a.btn-danger'],
      ['p.mb-1 > a', 'p.mb-1 > a'],
      ['p.mb-0 > a', 'p.mb-0 > a'],
      ['.card-header > a', '.card-header > a'],
    ],
  },
  {
    v3: 'pages/examples/register.html',
    v4: 'examples/register.html',
    rows: [
      ['input[placeholder="Full name"]', 'input[placeholder="Full Name"]'],
      ['input[type=email]', 'input[type=email]'],
      ['input[placeholder=Password]', 'input[type=password]'],
      ['input[placeholder="Retype password"]', null],
      ['#agreeTerms', '#flexCheckDefault'],
      ['label[for=agreeTerms] > a', 'label[for=flexCheckDefault] > a'],
      ['button[type=submit]', 'button[type=submit]'],
      ['.social-auth-links a.btn-primary', '.social-auth-links a.btn-primary'],
      ['.social-auth-links a.btn-danger', '.social-auth-links a.btn-danger'],
      ['a[href="login.html"]', 'a[href="login.html"]'],
      ['.register-logo > a', '.register-logo > a'],
    ],
  },
  {
    v3: 'pages/examples/register-v2.html',
    v4: 'examples/register-v2.html',
    rows: [
      ['input[placeholder="Full name"]', '#registerFullName'],
      ['input[type=email]', '#registerEmail'],
      ['input[placeholder=Password]', '#registerPassword'],
      ['input[placeholder="Retype password"]', null],
      ['#agreeTerms', '#flexCheckDefault'],
      ['label[for=agreeTerms] > a', 'label[for=flexCheckDefault] > a'],
      ['button[type=submit]', 'button[type=submit]'],
      ['.social-auth-links a.btn-primary', '.social-auth-links a.btn-primary'],
      ['.social-auth-links a.btn-danger', '.social-auth-links a.btn-danger'],
      ['a[href="login.html"]', 'a[href="login.html"]'],
      ['.card-header > a', '.card-header > a'],
    ],
  },
  {
    v3: 'pages/examples/lockscreen.html',
    v4: 'examples/lockscreen.html',
    rows: [
      ['input[type=password]', 'input[type=password]'],
      ['button[type=button]', 'button[type=button]'],
      ['img[alt="User Image"]', 'img[alt="User Image"]'],
      ['a[href="login.html"]', 'a[href="login.html"]'],
      ['.lockscreen-footer a', '.lockscreen-footer a'],
      ['.lockscreen-logo > a', '.lockscreen-logo > a'],
    ],
  },
];

type Outcome = 'correct' | 'wrong' | 'not_found';

type PageElement = ReturnType<HtmlPage['querySelectorAll']>[number];

/**
 * The element of `page.document` (domhandler's tree of the same HTML) in the place of `el` in
 * the page's own tree: both trees hold the same nodes in the same order (ADR 107).
 */
function domOf(page: HtmlPage, el: PageElement): DomElement {
  const steps: number[] = [];
  for (let e: PageElement | null = el; e; e = e.parentElement) {
    let at = 0;
    for (let p = e.previousSibling; p; p = p.previousSibling) at++;
    steps.push(at);
  }
  let node: AnyNode = page.document;
  for (let k = steps.length - 1; k >= 0; k--) node = (node as ParentNode).children[steps[k]];
  return node as DomElement;
}

function judge(page: HtmlPage, selector: string | null, truth: DomElement | null): Outcome {
  if (selector === null) return truth === null ? 'correct' : 'not_found';
  if (truth === null) return 'wrong';
  const hits = page.querySelectorAll(selector).map((e) => domOf(page, e));
  return hits[0] === truth ? 'correct' : 'wrong';
}

function uniquely(page: HtmlPage, selector: string, element: DomElement): boolean {
  const hits = page.querySelectorAll(selector).map((e) => domOf(page, e));
  return hits.length === 1 && hits[0] === element;
}

const selectorOf = (r: HealResult): string | null => (r.status === 'refused' ? null : r.selector);

/** Fingerprints in v3, heals in v4; prints one line per element and a summary. */
export function runEvolution(dir: string, print: (line: string) => void): void {
  const v3Dir = join(dir, 'adminlte-v3.2.0');
  const v4Dir = join(dir, 'adminlte-v4.0.2');
  if (!existsSync(v3Dir) || !existsSync(v4Dir)) {
    print('\n== evolution set skipped: AdminLTE pages not found');
    return;
  }
  const tally = { n: 0, correct: 0, wrong: 0, not_found: 0, base_correct: 0, base_wrong: 0 };
  const proposals = { healed: 0, structural: 0, both: 0, legacyStructural: 0, legacyBoth: 0 };
  print(
    '\n== real evolution: AdminLTE v3.2.0 → v4.0.2 (fingerprint in v3, heal in v4; not in the JSON line)',
  );
  for (const pair of PAIRS) {
    const before = HtmlPage.parse(loadPage(v3Dir, pair.v3).html);
    const after = HtmlPage.parse(loadPage(v4Dir, pair.v4).html);
    for (const [locate, truthSelector] of pair.rows) {
      const el = selectOne<unknown, DomElement>(locate, before.document);
      if (!el) throw new Error(`evolution table: ${locate} not found in ${pair.v3}`);
      const truth =
        truthSelector === null ? null : selectOne<unknown, DomElement>(truthSelector, after.document);
      if (truthSelector !== null && !truth)
        throw new Error(`evolution table: ${truthSelector} not found in ${pair.v4}`);
      const recorded = devtoolsSelector(el);
      const fp = fingerprintFromHtml(before, recorded);
      const result = healInHtml(after, fp);
      const outcome = judge(after, selectorOf(result), truth);
      const base = judge(after, baselineHeal(after, fp), truth);
      tally.n++;
      tally[outcome]++;
      if (result.status === 'healed' && outcome === 'correct') {
        // The proposal must pick out the element on both sides of a redesign, not just after it.
        const legacy = after.collect({ selector: result.selector });
        const legacySelector = matchedSnapshots(legacy)[0]?.selector ?? result.selector;
        proposals.healed++;
        if (result.structural) proposals.structural++;
        if (uniquely(before, result.selector, el)) proposals.both++;
        if (/:nth-of-type/.test(legacySelector)) proposals.legacyStructural++;
        if (uniquely(before, legacySelector, el)) proposals.legacyBoth++;
      }
      if (base === 'correct') tally.base_correct++;
      if (base === 'wrong') tally.base_wrong++;
      const detail =
        result.status === 'refused'
          ? `refused:${result.reason}`
          : `${result.status} ${result.selector} (${result.status === 'healed' ? result.confidence : result.confidence})`;
      print(
        `  ${outcome.padEnd(9)} baseline ${base.padEnd(9)} ${pair.v4.padEnd(24)} ${locate.padEnd(38)} → ${detail}`,
      );
    }
  }
  const p = (x: number, of = tally.n): string => `${((100 * x) / Math.max(1, of)).toFixed(1)}%`;
  print(
    `  evolution: ${tally.n} elements, correct ${p(tally.correct)}, wrong ${p(tally.wrong)}, not_found ${p(tally.not_found)} | baseline correct ${p(tally.base_correct)}, wrong ${p(tally.base_wrong)}`,
  );
  print(
    `  proposals of ${proposals.healed} heals: structural ${p(proposals.structural, proposals.healed)}, pick out the element in v3 too ${p(proposals.both, proposals.healed)} | generated selectors: structural ${p(proposals.legacyStructural, proposals.healed)}, in v3 too ${p(proposals.legacyBoth, proposals.healed)}`,
  );
}
