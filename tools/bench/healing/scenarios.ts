import type { ElementSnapshot } from '@aether/healing';
import {
  Element,
  Text,
  appendChild,
  cloneNode,
  findAll,
  isTag,
  prepend,
  prependChild,
  removeElement,
  replaceElement,
  type Document,
  type DomElement,
} from './dom';
import type { Rng } from '@aether/testing';
import { TRUTH_ATTR, ancestors, canHold, editText, elementsOf, hash, textNodes } from './tree';

/**
 * The failure classes of issue 27, each generated from a real page: what healers met on
 * unseen redesigns and the plain mutations do not produce.
 */
export const SCENARIOS = [
  // The target is gone and a copy (same tag, classes, text) sits in an unrelated container.
  'deleted-lookalike',
  // A same-label twin appears in a different container (another form, a side rail).
  'twin-elsewhere',
  // The target's menu entry moved into a new group whose parent entry may carry its label.
  'menu-regroup',
  // A heading became a div or paragraph that only looks like one (role, class, bold text).
  'tag-heading',
  // An icon button gained a text label, a labelled one lost it, or a link became a button.
  'tag-button',
  // A native control replaced by a styled ARIA widget (select, multi-select, check, file).
  'control-restyle',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** The plain operators a scenario may stack on top of itself to break the recorded selector. */
export type StackedChange = 'id-regen' | 'class-hash' | 'class-rename' | 'wrapper' | 'sibling-before';

export interface ScenarioContext {
  readonly doc: Document;
  readonly body: DomElement;
  readonly rng: Rng;
  readonly vocabulary: readonly string[];
  target: DomElement;
  also(op: StackedChange): boolean;
}

/** Scenarios whose target no longer exists: the only right verdict is a refusal. */
export const DELETES: ReadonlySet<string> = new Set(['delete', 'deleted-lookalike']);

const CONTROL_TYPES = new Set(['checkbox', 'radio', 'file', 'text', 'email', 'search', 'password', '']);

/** Whether a target drawn from the original page can carry the scenario. */
export function suits(scenario: Scenario, s: ElementSnapshot): boolean {
  switch (scenario) {
    case 'deleted-lookalike':
    case 'twin-elsewhere':
      return true;
    case 'menu-regroup':
      return (s.role === 'link' || s.role === 'button') && s.path.slice(-3, -1).includes('li');
    case 'tag-heading':
      return s.role === 'heading';
    case 'tag-button':
      return s.role === 'button' || (s.role === 'link' && s.text.length > 0 && s.text.length <= 40);
    case 'control-restyle':
      return s.tag === 'select' || s.tag === 'textarea' || (s.tag === 'input' && CONTROL_TYPES.has(s.type));
    default: {
      const _exhaustive: never = scenario;
      return _exhaustive;
    }
  }
}

function words(rng: Rng, vocabulary: readonly string[], n: number): string {
  return Array.from({ length: n }, () => rng.pick(vocabulary)).join(' ');
}

function el(tag: string, attribs: Record<string, string>, ...children: (DomElement | string)[]): DomElement {
  const out = new Element(tag, attribs);
  for (const c of children) appendChild(out, typeof c === 'string' ? new Text(c) : c);
  return out;
}

/**
 * A copy of `t` without its identity: no truth marker and no id on any element of it, and the
 * name dropped from the elements `dropName` says (the generator tosses a coin for each).
 */
export function copyOf(t: DomElement, dropName: (e: DomElement) => boolean): DomElement {
  const copy = cloneNode(t, true);
  for (const e of [copy, ...findAll(() => true, copy.children)]) {
    delete e.attribs[TRUTH_ATTR];
    delete e.attribs['id'];
    if (dropName(e)) delete e.attribs['name'];
  }
  return copy;
}

const lookalike = (t: DomElement, rng: Rng): DomElement => copyOf(t, () => rng.chance(0.5));

/** The existing containers `deleted-lookalike` may put a deleted target's copy into. */
export const COPY_HOMES: ReadonlySet<string> = new Set([
  'footer',
  'aside',
  'nav',
  'form',
  'ul',
  'section',
  'header',
]);

/** A container elsewhere on the page, unrelated to the target: a footer list, a side rail, a search box, another form. */
function unrelatedHome(ctx: ScenarioContext, copy: DomElement): void {
  const { rng, vocabulary, body, target } = ctx;
  const chain = new Set(ancestors(target));
  const existing = elementsOf(body).filter(
    (e) => COPY_HOMES.has(e.name) && !chain.has(e) && !ancestors(e).includes(target) && canHold(e, copy),
  );
  const kind = rng.pick(['footer', 'aside', 'search', 'form', existing.length > 0 ? 'existing' : 'footer']);
  switch (kind) {
    case 'footer':
      appendChild(
        body,
        el(
          'footer',
          { class: `site-footer-${hash(rng, 4)}` },
          el(
            'ul',
            { class: 'footer-links' },
            el(
              'li',
              {},
              el('a', { href: `/${rng.pick(vocabulary).toLowerCase()}` }, words(rng, vocabulary, 1)),
            ),
            el('li', {}, copy),
            el('li', {}, el('a', { href: '/contact' }, 'Contact')),
          ),
        ),
      );
      return;
    case 'aside':
      appendChild(
        body,
        el(
          'aside',
          { class: `sidebar-${hash(rng, 4)}` },
          el('h3', {}, words(rng, vocabulary, 2)),
          el('p', {}, words(rng, vocabulary, 6)),
          el('div', { class: 'widget' }, copy),
        ),
      );
      return;
    case 'search':
      prepend(
        body.children.find(isTag) ?? body,
        el(
          'form',
          { role: 'search', class: `search-${hash(rng, 4)}` },
          el('input', { type: 'search', placeholder: 'Search', 'aria-label': 'Search' }),
          copy,
        ),
      );
      return;
    case 'form':
      appendChild(
        body,
        el(
          'form',
          { class: `newsletter-${hash(rng, 4)}`, action: '/subscribe' },
          el('h4', {}, words(rng, vocabulary, 2)),
          el('div', { class: 'form-group' }, copy),
          el('button', { type: 'submit' }, 'Subscribe'),
        ),
      );
      return;
    default:
      prependChild(rng.pick(existing), copy);
  }
}

function deletedLookalike(ctx: ScenarioContext): boolean {
  unrelatedHome(ctx, lookalike(ctx.target, ctx.rng));
  removeElement(ctx.target);
  return true;
}

/** The target's nearest block (form, list, section…) a page would repeat as a whole. */
function blockOf(t: DomElement): DomElement | undefined {
  return ancestors(t)
    .slice(0, 4)
    .find(
      (a) =>
        a.name !== 'body' &&
        a.name !== 'html' &&
        ['form', 'ul', 'ol', 'nav', 'section', 'fieldset', 'div', 'p', 'li'].includes(a.name) &&
        a.children.filter(isTag).length >= 2,
    );
}

function twinElsewhere(ctx: ScenarioContext): boolean {
  const { rng, vocabulary, body, target } = ctx;
  const block = rng.chance(0.6) ? blockOf(target) : undefined;
  let twinHome: DomElement;
  if (block) {
    // Another form or list of the same make: the twin keeps its own label, its
    // neighbours say something else.
    target.attribs['data-bench-twin'] = '1';
    const copy = lookalike(block, rng);
    delete target.attribs['data-bench-twin'];
    const twin = findAll((e) => e.attribs['data-bench-twin'] !== undefined, copy.children)[0];
    if (!twin) return false;
    delete twin.attribs['data-bench-twin'];
    const own = new Set(textNodes(twin));
    for (const node of textNodes(copy))
      if (!own.has(node) && rng.chance(0.7)) node.data = ` ${editText(node.data, ctx)} `;
    twinHome = copy;
  } else {
    twinHome = el(
      'div',
      { class: `panel-${hash(rng, 4)}` },
      el('p', {}, words(rng, vocabulary, 5)),
      lookalike(target, rng),
    );
  }
  const section = el(
    rng.pick(['section', 'aside', 'div']),
    { class: `region-${hash(rng, 4)}` },
    el(rng.pick(['h2', 'h3', 'h4']), {}, words(rng, vocabulary, 2)),
    twinHome,
  );
  const chain = new Set(ancestors(target));
  const spots = elementsOf(body).filter(
    (e) =>
      ['div', 'section', 'main', 'article', 'aside', 'footer'].includes(e.name) &&
      !chain.has(e) &&
      e !== target &&
      !ancestors(e).includes(target) &&
      canHold(e, section),
  );
  if (spots.length > 0 && rng.chance(0.5)) appendChild(rng.pick(spots), section);
  else appendChild(body, section);
  // The recorded selector breaks too, or the heal would never be asked.
  return (
    ctx.also(rng.pick(['id-regen', 'class-hash', 'wrapper', 'sibling-before'] as const)) ||
    ctx.also('wrapper')
  );
}

function menuRegroup(ctx: ScenarioContext): boolean {
  const { rng, vocabulary, target } = ctx;
  const item = [target, ...ancestors(target).slice(0, 2)].find((a) => a.name === 'li');
  const list = item?.parent;
  if (!item || !list || !isTag(list)) return false;
  const siblings = list.children.filter(isTag);
  const at = siblings.indexOf(item);
  const moved = siblings.slice(at, at + 1 + rng.int(3));
  const label = rng.chance(0.6)
    ? textNodes(target)
        .map((n) => n.data.trim())
        .join(' ') || words(rng, vocabulary, 1)
    : words(rng, vocabulary, 1);
  const submenu = el('ul', { class: `submenu-${hash(rng, 4)}` });
  const group = el(
    'li',
    { class: `${item.attribs['class'] ?? ''} has-children`.trim() },
    el(
      'a',
      { href: '#', class: (target.name === 'a' ? target.attribs['class'] : undefined) ?? 'nav-link' },
      label,
    ),
    submenu,
  );
  replaceElement(item, group);
  for (const m of moved) {
    if (m !== item) removeElement(m);
    appendChild(submenu, m);
  }
  if (rng.chance(0.3)) ctx.also('class-rename');
  return true;
}

function retag(t: DomElement, name: string, attribs: Record<string, string>): DomElement {
  const out = new Element(name, attribs);
  for (const child of [...t.children]) appendChild(out, child);
  replaceElement(t, out);
  return out;
}

function tagHeading(ctx: ScenarioContext): boolean {
  const { rng, target: t } = ctx;
  const level = /^h([1-6])$/.exec(t.name)?.[1] ?? '2';
  const attribs: Record<string, string> = { ...t.attribs };
  const classes = (attribs['class'] ?? '').split(/\s+/).filter(Boolean);
  switch (rng.int(4)) {
    case 0:
      ctx.target = retag(t, 'div', { ...attribs, class: [...classes, `h${level}`].join(' ') });
      break;
    case 1:
      ctx.target = retag(t, 'div', { ...attribs, role: 'heading', 'aria-level': level });
      break;
    case 2: {
      const p = retag(t, 'p', {
        ...attribs,
        class: [...classes, rng.pick(['lead', 'title', 'card-title'])].join(' '),
      });
      const strong = el('strong', {});
      for (const child of [...p.children]) appendChild(strong, child);
      appendChild(p, strong);
      ctx.target = p;
      break;
    }
    default:
      ctx.target = retag(t, 'span', {
        ...attribs,
        class: [...classes, 'title'].join(' '),
        style: 'display:block;font-weight:700;font-size:1.5rem',
      });
  }
  // Stacked: the redesign that changed the tag usually changed something else too.
  if (rng.chance(0.5)) ctx.also(rng.pick(['class-rename', 'wrapper', 'sibling-before', 'id-regen'] as const));
  return true;
}

function tagButton(ctx: ScenarioContext): boolean {
  const { rng, target: t } = ctx;
  const text = textNodes(t)
    .map((n) => n.data.trim())
    .join(' ')
    .trim();
  const label = t.attribs['aria-label'] || t.attribs['title'] || t.attribs['value'] || '';
  const icon = (): DomElement => el('i', { class: `icon icon-${hash(rng, 5)}`, 'aria-hidden': 'true' });
  if (!text && label) {
    // An icon button gains its text label.
    for (const c of [...t.children]) removeElement(c);
    appendChild(t, icon());
    appendChild(t, new Text(` ${label} `));
    if (rng.chance(0.5)) delete t.attribs['aria-label'];
    if (rng.chance(0.5)) delete t.attribs['title'];
  } else if (text && rng.chance(0.5)) {
    // A labelled button becomes an icon button; its name moves to aria-label or title.
    for (const c of [...t.children]) removeElement(c);
    appendChild(t, icon());
    t.attribs[rng.chance(0.7) ? 'aria-label' : 'title'] = text;
  } else if (t.name === 'a') {
    const attribs: Record<string, string> = { ...t.attribs, type: 'button' };
    delete attribs['href'];
    ctx.target = retag(t, 'button', attribs);
    if (rng.chance(0.5)) appendChild(ctx.target, icon());
  } else if (t.name === 'input') {
    const attribs = { ...t.attribs };
    delete attribs['value'];
    const b = el('button', attribs, icon(), ` ${t.attribs['value'] ?? text} `);
    replaceElement(t, b);
    ctx.target = b;
  } else {
    const attribs: Record<string, string> = { ...t.attribs, role: 'button', tabindex: '0' };
    delete attribs['type'];
    ctx.target = retag(t, rng.pick(['div', 'span', 'a']), attribs);
  }
  if (rng.chance(0.5)) ctx.also(rng.pick(['class-rename', 'wrapper', 'id-regen'] as const));
  return true;
}

/** The text the control's label gives it, for widgets that carry their name in aria-label. */
function labelOf(ctx: ScenarioContext): DomElement | undefined {
  const id = ctx.target.attribs['id'];
  const byFor = id
    ? findAll((e) => e.name === 'label' && e.attribs['for'] === id, ctx.doc.children)[0]
    : undefined;
  return byFor ?? ancestors(ctx.target).find((a) => a.name === 'label');
}

function controlRestyle(ctx: ScenarioContext): boolean {
  const { rng, target: t } = ctx;
  const type = (t.attribs['type'] ?? '').toLowerCase();
  const lib = rng.pick(['select2', 'choices', 'mui', 'ant', 'tw']);
  const attribs: Record<string, string> = { tabindex: '0' };
  if (t.attribs['class'] && rng.chance(0.3)) attribs['class'] = t.attribs['class'];
  // A widget library names its element after the control only sometimes.
  if (t.attribs['id'] && rng.chance(0.3)) attribs['id'] = `${t.attribs['id']}-${lib}`;
  const label = labelOf(ctx);
  if (label) {
    if (rng.chance(0.6)) {
      label.attribs['id'] ??= `label-${hash(rng, 5)}`;
      attribs['aria-labelledby'] = label.attribs['id'];
    } else {
      attribs['aria-label'] = textNodes(label)
        .map((n) => n.data.trim())
        .join(' ');
    }
  } else if (t.attribs['aria-label'] || t.attribs['placeholder'] || t.attribs['title']) {
    attribs['aria-label'] = t.attribs['aria-label'] || t.attribs['placeholder'] || t.attribs['title'];
  }
  let widget: DomElement;
  if (t.name === 'select') {
    const options = findAll((e) => e.name === 'option', t.children);
    const optionText = (o: DomElement): string =>
      textNodes(o)
        .map((n) => n.data.trim())
        .join(' ');
    if (t.attribs['multiple'] !== undefined) {
      widget = el(
        'div',
        {
          ...attribs,
          class: `${lib}-multi ${attribs['class'] ?? ''}`.trim(),
          role: 'listbox',
          'aria-multiselectable': 'true',
        },
        ...options.map((o) => el('div', { role: 'option', 'aria-selected': 'false' }, optionText(o))),
      );
    } else {
      const chosen = options.find((o) => o.attribs['selected'] !== undefined) ?? options[0];
      widget = el(
        'div',
        {
          ...attribs,
          class: `${lib}-select ${attribs['class'] ?? ''}`.trim(),
          role: 'combobox',
          'aria-haspopup': 'listbox',
          'aria-expanded': 'false',
        },
        el('span', { class: `${lib}-value` }, chosen ? optionText(chosen) : ''),
        el('span', { class: `${lib}-arrow`, 'aria-hidden': 'true' }),
      );
    }
  } else if (type === 'checkbox' || type === 'radio') {
    widget = rng.chance(0.5)
      ? el('span', {
          ...attribs,
          class: `${lib}-${type} ${attribs['class'] ?? ''}`.trim(),
          role: type,
          'aria-checked': 'false',
        })
      : el('button', {
          ...attribs,
          type: 'button',
          class: `${lib}-switch`,
          role: 'switch',
          'aria-checked': 'false',
        });
  } else if (type === 'file') {
    widget = el(
      'button',
      { ...attribs, type: 'button', class: `${lib}-upload` },
      el('i', { class: 'icon-upload' }),
      ' Choose file ',
    );
  } else {
    widget = el('div', {
      ...attribs,
      class: `${lib}-input ${attribs['class'] ?? ''}`.trim(),
      role: 'textbox',
      contenteditable: 'true',
      ...(t.name === 'textarea' ? { 'aria-multiline': 'true' } : {}),
      ...(t.attribs['placeholder'] ? { 'data-placeholder': t.attribs['placeholder'] } : {}),
    });
  }
  widget.attribs[TRUTH_ATTR] = '1';
  const wrap = el('div', { class: `${lib}-container-${hash(rng, 4)}` }, widget);
  replaceElement(t, wrap);
  ctx.target = widget;
  return true;
}

export function applyScenario(scenario: Scenario, ctx: ScenarioContext): boolean {
  switch (scenario) {
    case 'deleted-lookalike':
      return deletedLookalike(ctx);
    case 'twin-elsewhere':
      return twinElsewhere(ctx);
    case 'menu-regroup':
      return menuRegroup(ctx);
    case 'tag-heading':
      return tagHeading(ctx);
    case 'tag-button':
      return tagButton(ctx);
    case 'control-restyle':
      return controlRestyle(ctx);
    default: {
      const _exhaustive: never = scenario;
      return _exhaustive;
    }
  }
}
