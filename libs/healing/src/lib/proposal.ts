import { rateSelectorFragility } from './fragility';
import { matchedSnapshots, type CollectResult, type DocumentLike, type ElementLike } from './snapshot';

/** A selector to patch the workflow with, for the element a heal found. */
export interface SelectorProposal {
  /**
   * Unique selector for the healed element, the sturdiest found: CSS, `role=…[name*=…s]` (ADR 98)
   * or that form inside a stable ancestor, `<css> >> role=…[name*=…s]` (ADR 114).
   */
  readonly selector: string;
  /** `rateSelectorFragility` score of `selector` (0 sturdy … 1 breaks on the next deploy). */
  readonly fragility: number;
  /**
   * `true` when no selector built from the element's own attributes or a stable ancestor
   * was unique and the proposal is a positional path: the next layout change breaks it.
   */
  readonly structural: boolean;
}

/** How many of the best-ranked candidates are checked for uniqueness before settling for the path. */
export const PROPOSAL_CHECKS = 30;

/** A candidate selector and how much it should be preferred when fragility ties (lower first). */
export interface ProposalCandidate {
  readonly selector: string;
  readonly rank: number;
}

/**
 * Candidate selectors for the one element `selector` matches, built from its own stable
 * attributes (test id, id, name, accessible name, placeholder, href, type, classes) and,
 * scoped under a stable ancestor (test id, id, landmark, labelled region, class), their
 * shorter forms. Uniqueness is not checked here.
 *
 * Self-contained for the same reason as `collectSnapshots`: Playwright runs its source
 * inside the page; offline it runs over the HTML adapter's DOM-like wrapper.
 */
export function proposalCandidates(selector: string, root?: DocumentLike): ProposalCandidate[] {
  const doc: DocumentLike = root ?? (globalThis as unknown as { document: DocumentLike }).document;
  let found: ArrayLike<ElementLike>;
  try {
    found = doc.querySelectorAll(selector);
  } catch {
    return [];
  }
  if (found.length !== 1) return [];
  const el = found[0];
  const TEST_ATTRS = [
    'data-testid',
    'data-test-id',
    'data-test',
    'data-qa',
    'data-cy',
    'data-e2e',
    'data-automation-id',
    'data-pw',
  ];
  const LANDMARKS = new Set([
    'form',
    'nav',
    'header',
    'footer',
    'main',
    'aside',
    'dialog',
    'fieldset',
    'table',
  ]);
  // fragility's looksGeneratedId, copied because this function runs in the page: each run of an
  // id's percent escapes is decoded first, a slug's `%E2%80%99` is its words (ADR 128); a stray
  // `%` beside them is kept, as fragility keeps it.
  const decoded = (id: string): string =>
    id.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  const generated = (raw: string): boolean => {
    const id = decoded(raw);
    return (
      /\d{3,}/.test(id) ||
      /^[0-9a-f]{8,}$/i.test(id) ||
      /^(ember|ext-gen|react-|radix-|headlessui-|mui-|:r|yui_|gwt-|j_id|ctl\d|__)/i.test(id) ||
      id.split(/[-_:.]/).some((p) => p.length >= 5 && /\d/.test(p) && /[a-z]/i.test(p))
    );
  };
  const hashed = (c: string): boolean =>
    /^(css|sc|jsx|emotion|styled|tw|svelte|astro|chakra|mantine)-[A-Za-z0-9]{4,}$/.test(c) ||
    /__[A-Za-z0-9_-]{5}$/.test(c) ||
    /^_[A-Za-z0-9]{5,}$/.test(c) ||
    /(^|[-_])(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{5,}$/.test(c);
  const ident = (s: string): boolean => /^-?[A-Za-z_][\w-]*$/.test(s);
  const str = (s: string): string =>
    '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\a ') + '"';
  const get = (e: ElementLike, name: string): string => (e.getAttribute(name) ?? '').trim();
  const stableClasses = (e: ElementLike): string[] =>
    get(e, 'class')
      .split(/\s+/)
      .filter((c) => c && ident(c) && !hashed(c))
      .slice(0, 4);

  const tag = el.tagName.toLowerCase();
  if (!ident(tag)) return [];
  const own: ProposalCandidate[] = [];
  const add = (selector: string, rank: number): void => {
    own.push({ selector, rank });
  };
  for (const a of TEST_ATTRS) {
    const v = get(el, a);
    if (v) add('[' + a + '=' + str(v) + ']', 0);
  }
  const id = get(el, 'id');
  // An id that is no CSS identifier (a slug with percent escapes) is still the element's own.
  if (id && !generated(id)) add(ident(id) ? '#' + id : '[id=' + str(id) + ']', 1);
  const attr = (name: string, rank: number, ok: (v: string) => boolean = () => true): void => {
    const v = get(el, name);
    if (v && v.length <= 120 && ok(v)) add(tag + '[' + name + '=' + str(v) + ']', rank);
  };
  attr('name', 2, (v) => !generated(v));
  attr('aria-label', 3);
  attr('placeholder', 4);
  attr('title', 5);
  attr('alt', 5);
  if (tag === 'a')
    attr('href', 6, (v) => !v.startsWith('#') && !/^javascript:/i.test(v) && !/\d{4,}/.test(v));
  if (tag === 'input' || tag === 'button') {
    const type = get(el, 'type').toLowerCase();
    if (type === 'submit' || type === 'button' || type === 'reset') attr('value', 7);
    if (type) add(tag + '[type=' + str(type) + ']', 9);
  }
  const role = get(el, 'role');
  if (role && ident(role)) add(tag + '[role=' + str(role) + ']', 8);
  const classes = stableClasses(el);
  for (const c of classes) add(tag + '.' + c, 12);
  if (classes.length >= 2) add(tag + '.' + classes[0] + '.' + classes[1], 13);
  add(tag, 14);

  // Role and words of the element's accessible name (ADR 98): words Playwright's name for it is
  // sure to contain whatever CSS adds (icon glyphs) or hides, matched as a substring.
  const squash = (t: string): string => t.replace(/\s+/g, ' ').trim();
  const ownWords = (e: ElementLike): string => {
    let best = '';
    const nodes = e.childNodes;
    for (let i = 0; i < nodes.length; i++) {
      const t = nodes[i].nodeType === 3 ? squash(nodes[i].nodeValue ?? '') : '';
      if (t.length > best.length) best = t;
    }
    return best;
  };
  const hasText = (e: ElementLike): boolean => {
    const nodes = e.childNodes;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (n.nodeType === 3 ? /\S/.test(n.nodeValue ?? '') : n.nodeType === 1 && hasText(n as ElementLike))
        return true;
    }
    return false;
  };
  // The longest own text run; without one, that of the only child holding text (`<i></i><p>Docs</p>`).
  const contentWords = (e: ElementLike, depth: number): string => {
    const own = ownWords(e);
    if (own || depth >= 3) return own;
    const texty: ElementLike[] = [];
    for (let i = 0; i < e.children.length; i++) if (hasText(e.children[i])) texty.push(e.children[i]);
    return texty.length === 1 ? contentWords(texty[0], depth + 1) : '';
  };
  const typeOf = get(el, 'type').toLowerCase();
  const SAFE_ROLES = ['button', 'link', 'heading', 'tab', 'menuitem', 'option', 'treeitem', 'switch'];
  const explicit = get(el, 'role').toLowerCase();
  let roleName = '';
  if (explicit) roleName = SAFE_ROLES.indexOf(explicit) >= 0 ? explicit : '';
  else if (tag === 'a') roleName = el.getAttribute('href') !== null ? 'link' : '';
  else if (tag === 'button') roleName = 'button';
  else if (/^h[1-6]$/.test(tag)) roleName = 'heading';
  else if (tag === 'input' && ['submit', 'button', 'reset'].indexOf(typeOf) >= 0) roleName = 'button';
  else if (tag === 'input' && ['', 'text', 'email', 'password', 'tel', 'url'].indexOf(typeOf) >= 0)
    roleName = 'textbox';
  else if (tag === 'input' && (typeOf === 'checkbox' || typeOf === 'radio')) roleName = typeOf;
  else if (tag === 'textarea') roleName = 'textbox';
  let words = '';
  if (roleName && !get(el, 'aria-labelledby')) {
    words = squash(get(el, 'aria-label'));
    if (!words && tag === 'input' && roleName === 'button') words = squash(get(el, 'value'));
    else if (!words && (tag === 'input' || tag === 'textarea')) {
      let label: ElementLike | null = null;
      if (id && ident(id)) {
        try {
          const found = doc.querySelectorAll('label[for=' + str(id) + ']');
          if (found.length > 0) label = found[0];
        } catch {
          label = null;
        }
      }
      for (let up = el.parentElement; !label && up; up = up.parentElement)
        if (up.tagName.toLowerCase() === 'label') label = up;
      words = label ? ownWords(label) : '';
      if (!words) words = squash(get(el, 'title'));
      if (!words && roleName === 'textbox') words = squash(get(el, 'placeholder'));
    } else if (!words) words = contentWords(el, 0);
  }
  const roleSelector =
    roleName && words.length >= 2 && words.length <= 80
      ? 'role=' + roleName + '[name*=' + str(words) + 's]'
      : '';
  if (roleSelector) add(roleSelector, 10);
  // Words without a role (ADR 114): a heading restyled as `div.h3`, a label, a caption. Playwright's
  // `:text-is()` matches an element one of whose own text runs (the text between its child
  // elements) is the words, whitespace normalised; the longest run is taken whole.
  let run = '';
  if (!roleName && !explicit && tag !== 'input') {
    let cur = '';
    const nodes = el.childNodes;
    for (let i = 0; i <= nodes.length; i++) {
      const n = i < nodes.length ? nodes[i] : null;
      if (n && n.nodeType === 3) cur += n.nodeValue ?? '';
      else if (n && n.nodeType === 8) continue;
      else {
        const t = squash(cur.replace(/[\u200b\u00ad]/g, ''));
        if (t.length > run.length) run = t;
        cur = '';
      }
    }
  }
  const textSelector = run.length >= 2 && run.length <= 80 ? tag + ':text-is(' + str(run) + ')' : '';
  if (textSelector) add(textSelector, 11);
  const wordsSelector = roleSelector || textSelector;

  // Hooks of up to six ancestors, nearest first: a short CSS scope that survives re-layout.
  const hooks: ProposalCandidate[] = [];
  let up = el.parentElement;
  for (let depth = 0; up && depth < 6; depth++, up = up.parentElement) {
    const t = up.tagName.toLowerCase();
    if (t === 'body' || t === 'html') break;
    for (const a of TEST_ATTRS) {
      const v = get(up, a);
      if (v) hooks.push({ selector: '[' + a + '=' + str(v) + ']', rank: 0 });
    }
    const uid = get(up, 'id');
    if (uid && ident(uid) && !generated(uid)) hooks.push({ selector: '#' + uid, rank: 0 });
    const label = get(up, 'aria-label');
    if (label && label.length <= 60) hooks.push({ selector: t + '[aria-label=' + str(label) + ']', rank: 1 });
    const name = get(up, 'name');
    if (t === 'form' && name && !generated(name))
      hooks.push({ selector: 'form[name=' + str(name) + ']', rank: 1 });
    const r = get(up, 'role');
    if (r && ident(r)) hooks.push({ selector: '[role=' + str(r) + ']', rank: 2 });
    if (LANDMARKS.has(t)) hooks.push({ selector: t, rank: 2 });
    for (const c of stableClasses(up).slice(0, 2)) hooks.push({ selector: '.' + c, rank: 4 });
  }
  const scoped: ProposalCandidate[] = [];
  for (const h of hooks)
    for (const o of own)
      if (o.rank >= 2 && o.selector !== roleSelector && o.selector !== textSelector)
        scoped.push({ selector: h.selector + ' ' + o.selector, rank: o.rank + 2 + h.rank });
  // The role form inside an ancestor, nearest first (ADR 114): where its words recur elsewhere on
  // the page, a scope that names itself (test id, id, aria-label, form name or action) or, failing
  // that, a landmark (`footer`, `[role="navigation"]`) tells them apart, and the words still tell
  // the element from a copy of it put next to it. Uniqueness is the caller's to check.
  const SCOPES = 4;
  const chains: ProposalCandidate[] = [];
  for (let a = el.parentElement; wordsSelector && a && chains.length < SCOPES; a = a.parentElement) {
    const t = a.tagName.toLowerCase();
    if (t === 'body' || t === 'html') break;
    const scopes: string[] = [];
    for (const attrName of TEST_ATTRS) {
      const v = get(a, attrName);
      if (v) scopes.push('[' + attrName + '=' + str(v) + ']');
    }
    const aid = get(a, 'id');
    if (aid && ident(aid) && !generated(aid)) scopes.push('#' + aid);
    const label = get(a, 'aria-label');
    if (label && label.length <= 60 && ident(t)) scopes.push(t + '[aria-label=' + str(label) + ']');
    if (t === 'form') {
      const name = get(a, 'name');
      if (name && !generated(name)) scopes.push('form[name=' + str(name) + ']');
      const action = get(a, 'action');
      if (action && action.length <= 120 && !/\d{4,}/.test(action) && !/^javascript:/i.test(action))
        scopes.push('form[action=' + str(action) + ']');
    }
    // A landmark without a label of its own is a scope too, the page's own structure (`footer`).
    const r = get(a, 'role').toLowerCase();
    if (scopes.length === 0 && LANDMARKS.has(t) && t !== 'fieldset' && t !== 'table') scopes.push(t);
    else if (
      scopes.length === 0 &&
      /^(navigation|banner|contentinfo|main|complementary|search|form|dialog)$/.test(r)
    )
      scopes.push('[role=' + str(r) + ']');
    if (scopes.length > 0) chains.push({ selector: scopes[0] + ' >> ' + wordsSelector, rank: 12 });
  }
  return own.concat(scoped).slice(0, 400).concat(chains);
}

/**
 * Index of the first of `candidates` that matches exactly the one element `selector`
 * matches; -1 when none does. Self-contained (runs inside the page).
 */
export function firstUniqueCandidate(
  args: { readonly selector: string; readonly candidates: readonly string[] },
  root?: DocumentLike,
): number {
  const doc: DocumentLike = root ?? (globalThis as unknown as { document: DocumentLike }).document;
  let target: ElementLike | undefined;
  try {
    const found = doc.querySelectorAll(args.selector);
    if (found.length !== 1) return -1;
    target = found[0];
  } catch {
    return -1;
  }
  for (let i = 0; i < args.candidates.length; i++) {
    try {
      const hits = doc.querySelectorAll(args.candidates[i]);
      if (hits.length === 1 && hits[0] === target) return i;
    } catch {
      // A selector this engine cannot parse is no proposal.
    }
  }
  return -1;
}

/** Candidates in the order a proposal prefers them: least fragile, then by kind, then shortest. */
export function rankCandidates(candidates: readonly ProposalCandidate[]): string[] {
  const seen = new Set<string>();
  return candidates
    .filter((c) => !seen.has(c.selector) && seen.add(c.selector))
    .map((c) => ({ ...c, score: rateSelectorFragility(c.selector).score }))
    .sort((a, b) => a.score - b.score || a.rank - b.rank || a.selector.length - b.selector.length)
    .map((c) => c.selector);
}

const STRUCTURAL = new Set(['positional', 'long-nth-chain', 'long-chain', 'absolute-path']);

/**
 * The proposal for an element: the first unique of the ranked candidates when there is
 * one no more fragile than `fallback` (the element's generated selector), else `fallback`,
 * flagged structural when it is a positional path.
 */
export function chooseProposal(
  ranked: readonly string[],
  unique: number,
  fallback: string,
): SelectorProposal {
  const base = rateSelectorFragility(fallback);
  if (unique >= 0) {
    const selector = ranked[unique];
    const fragility = rateSelectorFragility(selector).score;
    if (fragility <= base.score) return { selector, fragility, structural: false };
  }
  return {
    selector: fallback,
    fragility: base.score,
    structural: base.reasons.some((r) => STRUCTURAL.has(r.code)),
  };
}

/**
 * The Playwright forms a proposal may take, which `collectSnapshots` resolves: the role + name
 * form `role=<role>[name*="<words>"s]` (ADR 98), a role-less element's own words
 * `<tag>:text-is("<words>")`, and either after a CSS scope and `>>` (ADR 114).
 */
export const isPlaywrightForm = (selector: string): boolean =>
  /^(?:.+? >> )?(?:role=[a-z]+\[name\*="(?:[^"\\]|\\.)*"s\]|[a-z][a-z0-9-]*:text-is\("(?:[^"\\]|\\.)*"\))$/.test(
    selector,
  );

/**
 * Whether a CSS selector's target step names only what a copy of the element from the same
 * template shares (tag, classes, `type`, `role`): such a copy makes it ambiguous, or takes it
 * over once the element's own class changes. A submit or reset type is the form's, not a copy's.
 */
export function keyedOnTemplate(selector: string): boolean {
  const steps = selector.trim().split(/\s+(?![^[]*\])/);
  const last = steps[steps.length - 1] ?? '';
  return (
    !/#[\w-]/.test(last) &&
    !/\[(data-[\w-]+|id|name|aria-label|placeholder|title|alt|href|value)=/.test(last) &&
    !/\[type="?(submit|reset)"?\]/.test(last)
  );
}

/** A CSS proposal weak enough for the role + name form to replace: a path, or keyed on what a copy shares. */
export function wantsRoleName(proposal: SelectorProposal): boolean {
  return proposal.structural || keyedOnTemplate(proposal.selector);
}

/** Whether `found`, collected for one selector, matched one element alone: the one `elementSelector` names. */
export function picksOutAlone(found: CollectResult, elementSelector: string): boolean {
  return (
    found.selectorError === null &&
    found.matchCount === 1 &&
    matchedSnapshots(found)[0]?.selector === elementSelector
  );
}

/**
 * The Playwright forms to try, in order, when the CSS proposal is weak: the bare form, then
 * scoped under the element's stable ancestors, nearest first (`proposalCandidates`' order).
 * The caller keeps the first that picks out the element alone.
 */
export function playwrightForms(candidates: readonly ProposalCandidate[]): string[] {
  return candidates.filter((c) => isPlaywrightForm(c.selector)).map((c) => c.selector);
}

/**
 * The role + name form, when the CSS proposal is a positional path or keyed only on what a copy
 * shares and `roleSelector` (checked unique for the element by the caller) exists.
 */
export function preferRoleName(proposal: SelectorProposal, roleSelector: string | null): SelectorProposal {
  if (roleSelector === null || !wantsRoleName(proposal)) return proposal;
  return { selector: roleSelector, fragility: rateSelectorFragility(roleSelector).score, structural: false };
}
