// What role + accessible name proposals would add, before building them (ADR 98):
//   node -r @swc-node/register tools/bench/healing/role-name-ceiling.ts [--seed S]
// For every correct heal of the tune split, whether today's proposal still picks out the target
// after the next change (as `bench:healing` judges it), and whether a Playwright
// `role=<role>[name*="<name>"s]` proposal would, where it is unique on the healed page and
// replaces a proposal that is structural or keyed only on what a copy of the element shares
// (tag, classes, type, role). Then the same on the AdminLTE 3.2 → 4.0 evolution set (the v4
// proposal must pick out the element in v3 too). The role and name are an offline
// approximation (no CSS: no generated content, no hidden elements), so the figures are a
// ceiling to decide with, not what the robot would get; see ADR 98 for what a real
// implementation must agree on with Playwright.
import { HtmlPage, fingerprintFromHtml, healInHtml, type ElementSnapshot } from '@aether/healing';
import { join } from 'node:path';
import { casesOf, splitOf } from './cases';
import { corpusDir, devtoolsSelector, listPages, loadPage } from './corpus';
import { selectOne, type DomElement } from './dom';
import { PAIRS } from './evolution';
import { TRUTH_ATTR } from './mutations';
import { nextChange } from './next-change';
import { DELETES } from './scenarios';

/** Roles whose implicit mapping from the tag is the same in our collector and in Playwright. */
const SAFE_ROLES = new Set([
  'button',
  'link',
  'textbox',
  'checkbox',
  'radio',
  'heading',
  'tab',
  'menuitem',
  'switch',
  'option',
  'treeitem',
]);
const TEXT_INPUTS = new Set(['', 'text', 'email', 'password', 'tel', 'url']);
const CONTROLS = new Set(['textbox', 'checkbox', 'radio', 'switch']);

interface RoleName {
  readonly role: string;
  readonly name: string;
}

function roleName(s: ElementSnapshot): RoleName | null {
  if (!SAFE_ROLES.has(s.role)) return null;
  // Where Playwright's implicit role differs from ours (search, number, select…), no proposal.
  if (s.tag === 'input' && s.role === 'textbox' && !TEXT_INPUTS.has(s.type)) return null;
  if (s.tag === 'select' || s.tag === 'img') return null;
  const name = CONTROLS.has(s.role)
    ? s.ariaLabel || s.labelText || s.title || (s.role === 'textbox' ? s.placeholder : '')
    : s.ariaLabel || s.text || s.title || s.alt;
  return name && name.length <= 80 ? { role: s.role, name } : null;
}

/** Elements a `role=R[name*="N"s]` selector matches, by the approximation above. */
function matching(snapshots: readonly ElementSnapshot[], key: RoleName): ElementSnapshot[] {
  return snapshots.filter((s) => {
    const rn = roleName(s);
    return rn !== null && rn.role === key.role && rn.name.includes(key.name);
  });
}

/** The proposal's target step names only what a copy of the element shares. */
function templateOnly(selector: string): boolean {
  const last =
    selector
      .trim()
      .split(/\s+(?![^[]*\])/)
      .pop() ?? '';
  return (
    !last.startsWith('#') &&
    !/\[(data-[\w-]+|id|name|aria-label|placeholder|title|alt|href|value)=/.test(last)
  );
}

type Lite = ReturnType<HtmlPage['querySelectorAll']>[number];

/** As `run.ts` judges: the marked element, or the sole element inside it. */
function isTruth(hit: Lite): boolean {
  for (let el: Lite | null = hit; el; el = el.parentElement) {
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

const pct = (n: number, d: number): string => `${d === 0 ? 0 : Math.round((1000 * n) / d) / 10}%`;

function tune(seed: number): void {
  const dir = corpusDir();
  const settings = { seed, casesPerPage: 11, tuneShare: 3, holdoutSeed: 27, only: null };
  const tally = { healed: 0, survives: 0, replaced: 0, withRoleName: 0, roleNameUnique: 0 };
  listPages(dir).forEach((name, index) => {
    if (splitOf(name, settings) !== 'tune') return;
    for (const c of casesOf(name, loadPage(dir, name).html, index, settings)) {
      if (DELETES.has(c.mutation)) continue;
      const page = HtmlPage.parse(c.html);
      const result = healInHtml(page, c.fingerprint, { budgetMs: 5000 });
      if (result.status !== 'healed') continue;
      const marked = HtmlPage.parse(c.markedHtml);
      const truth = marked.collect({ selector: `[${TRUTH_ATTR}]` });
      const hits = marked.querySelectorAll(result.selector);
      if (hits.length !== 1 || !isTruth(hits[0])) continue;
      tally.healed++;
      const next = HtmlPage.parse(nextChange(c.markedHtml, `${c.page}#${c.fingerprint.selector}`));
      const after = next.querySelectorAll(result.selector);
      const survives = after.length === 1 && isTruth(after[0]);
      if (survives) tally.survives++;
      const own = truth.snapshots[truth.matched?.[0] ?? -1];
      const key = own ? roleName(own) : null;
      const unique = key !== null && matching(truth.snapshots, key).length === 1;
      let withRoleName = survives;
      if (unique && (result.structural || templateOnly(result.selector))) {
        tally.replaced++;
        const later = next.collect({ selector: `[${TRUTH_ATTR}]` });
        const found = matching(later.snapshots, key);
        withRoleName = found.length === 1 && found[0] === later.snapshots[later.matched?.[0] ?? -1];
      }
      if (unique) tally.roleNameUnique++;
      if (withRoleName) tally.withRoleName++;
    }
  });
  process.stdout.write(
    `tune seed ${seed}: ${tally.healed} correct heals; pick out the target after the next change: ` +
      `today ${pct(tally.survives, tally.healed)}, with role + name ${pct(tally.withRoleName, tally.healed)} ` +
      `(${tally.replaced} proposals replaced; role + name unique for ${pct(tally.roleNameUnique, tally.healed)})\n`,
  );
}

function evolution(): void {
  const dir = corpusDir();
  const tally = { healed: 0, both: 0, withRoleName: 0, replaced: 0 };
  for (const pair of PAIRS) {
    const before = HtmlPage.parse(loadPage(join(dir, 'adminlte-v3.2.0'), pair.v3).html);
    const after = HtmlPage.parse(loadPage(join(dir, 'adminlte-v4.0.2'), pair.v4).html);
    for (const [locate, truthSelector] of pair.rows) {
      if (truthSelector === null) continue;
      const el = selectOne<unknown, DomElement>(locate, before.document);
      const truth = selectOne<unknown, DomElement>(truthSelector, after.document);
      if (!el || !truth) continue;
      const recorded = devtoolsSelector(el);
      const result = healInHtml(after, fingerprintFromHtml(before, recorded));
      if (result.status !== 'healed') continue;
      const hit = after.querySelectorAll(result.selector);
      if (hit.length !== 1 || hit[0].node !== truth) continue;
      tally.healed++;
      const inV3 = before.querySelectorAll(result.selector);
      const both = inV3.length === 1 && inV3[0].node === el;
      if (both) tally.both++;
      const mine = after.collect({ selector: result.selector });
      const own = mine.snapshots[mine.matched?.[0] ?? -1];
      const key = own ? roleName(own) : null;
      let withRoleName = both;
      if (
        key &&
        matching(mine.snapshots, key).length === 1 &&
        (result.structural || templateOnly(result.selector))
      ) {
        tally.replaced++;
        const old = before.collect({ selector: recorded });
        const found = matching(old.snapshots, key);
        withRoleName = found.length === 1 && found[0] === old.snapshots[old.matched?.[0] ?? -1];
      }
      if (withRoleName) tally.withRoleName++;
    }
  }
  process.stdout.write(
    `evolution AdminLTE 3.2 → 4.0: ${tally.healed} correct heals; the v4 proposal picks out the element in v3 too: ` +
      `today ${pct(tally.both, tally.healed)}, with role + name ${pct(tally.withRoleName, tally.healed)} (${tally.replaced} replaced)\n`,
  );
}

const seedFlag = process.argv.indexOf('--seed');
tune(seedFlag >= 0 ? Number(process.argv[seedFlag + 1]) : 0x5eed);
evolution();
