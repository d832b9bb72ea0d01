import {
  Element,
  Text,
  append,
  appendChild,
  cloneNode,
  findAll,
  isTag,
  prepend,
  removeElement,
  replaceElement,
  type Document,
  type DomElement,
} from './dom';
import type { Rng } from '@aether/testing';
import { SCENARIOS, applyScenario, type Scenario } from './scenarios';
import {
  INLINE_PARENTS,
  TRUTH_ATTR,
  ancestors,
  canHold,
  editText,
  elementsOf,
  hash,
  textNodes,
} from './tree';

export { TRUTH_ATTR } from './tree';

export const MUTATIONS = [
  'id-regen',
  'class-hash',
  'class-rename',
  'wrapper',
  'sibling-before',
  'text-edit',
  'tag-change',
  'move',
  'combo',
  'decoy',
  'delete',
  ...SCENARIOS,
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** Operators that combine into `combo` (and that a decoy case may add to the target). */
const COMBINABLE: readonly Mutation[] = [
  'id-regen',
  'class-hash',
  'class-rename',
  'wrapper',
  'sibling-before',
  'text-edit',
  'tag-change',
  'move',
];

export interface MutationContext {
  readonly doc: Document;
  readonly body: DomElement;
  readonly rng: Rng;
  /** Words seen on the page, for realistic text edits. */
  readonly vocabulary: readonly string[];
  target: DomElement;
}

function regenerateId(id: string, rng: Rng): string {
  if (/\d/.test(id)) return id.replace(/\d+/g, (m) => rng.token(Math.max(m.length, 3), '0123456789'));
  return rng.chance(0.5)
    ? `${id}-${hash(rng, 6)}`
    : `${rng.pick(['ember', 'ext-gen', 'yui_', 'id-', 'r-'])}${rng.token(5, '0123456789')}`;
}

function idRegen(ctx: MutationContext): boolean {
  const scope = [ctx.target, ...ancestors(ctx.target)].filter((e) => e.attribs['id']);
  if (scope.length === 0) return false;
  const all = ctx.rng.chance(0.5) ? findAll((e) => e.attribs['id'] !== undefined, ctx.doc.children) : scope;
  const renamed = new Map<string, string>();
  for (const el of all) {
    const id = el.attribs['id'];
    if (!id) continue;
    const next = renamed.get(id) ?? regenerateId(id, ctx.rng);
    renamed.set(id, next);
    el.attribs['id'] = next;
  }
  for (const el of findAll(
    (e) => e.attribs['for'] !== undefined || e.attribs['aria-labelledby'] !== undefined,
    ctx.doc.children,
  )) {
    if (el.attribs['for'] && renamed.has(el.attribs['for']))
      el.attribs['for'] = renamed.get(el.attribs['for']) ?? '';
    if (el.attribs['aria-labelledby']) {
      el.attribs['aria-labelledby'] = el.attribs['aria-labelledby']
        .split(/\s+/)
        .map((r) => renamed.get(r) ?? r)
        .join(' ');
    }
  }
  return true;
}

function classHash(ctx: MutationContext): boolean {
  if (![ctx.target, ...ancestors(ctx.target)].some((e) => e.attribs['class']?.trim())) return false;
  const salt = hash(ctx.rng, 4);
  const map = new Map<string, string>();
  const hashed = (c: string): string => {
    let h = map.get(c);
    if (!h) {
      let x = 0;
      for (const ch of c + salt) x = (Math.imul(x, 31) + ch.charCodeAt(0)) >>> 0;
      h = `css-${x.toString(36).slice(0, 6)}`;
      map.set(c, h);
    }
    return h;
  };
  for (const el of findAll((e) => e.attribs['class'] !== undefined, ctx.doc.children)) {
    el.attribs['class'] = el.attribs['class'].split(/\s+/).filter(Boolean).map(hashed).join(' ');
  }
  return true;
}

function classRename(ctx: MutationContext): boolean {
  const classes = (ctx.target.attribs['class'] ?? '').split(/\s+/).filter(Boolean);
  if (classes.length === 0) return false;
  const out = [...classes];
  const i = ctx.rng.int(out.length);
  switch (ctx.rng.int(3)) {
    case 0:
      out[i] = `${out[i]}-${ctx.rng.pick(['v2', 'new', 'alt', 'lg', 'outline'])}`;
      break;
    case 1:
      out.splice(i, 1);
      out.push(ctx.rng.pick(['is-active', 'u-mt-2', 'flex', 'btn-ghost', 'text-muted']));
      break;
    default:
      out[i] = out[i].replace(/[-_]/g, '') + ctx.rng.pick(['Item', 'Link', 'Control']);
  }
  ctx.target.attribs['class'] = out.join(' ');
  return true;
}

function wrapper(ctx: MutationContext): boolean {
  const levels = ctx.rng.chance(0.3) ? 2 : 1;
  let inner: DomElement =
    ctx.rng.chance(0.25) && ctx.target.parent && isTag(ctx.target.parent) && ctx.target.parent !== ctx.body
      ? ctx.target.parent
      : ctx.target;
  for (let i = 0; i < levels; i++) {
    const parent = inner.parent;
    if (!parent || !isTag(parent)) return false;
    const tag = INLINE_PARENTS.has(parent.name) ? 'span' : 'div';
    const wrap = new Element(tag, { class: `wrap-${hash(ctx.rng, 5)}` });
    replaceElement(inner, wrap);
    appendChild(wrap, inner);
    inner = wrap;
  }
  return true;
}

function siblingBefore(ctx: MutationContext): boolean {
  const t = ctx.target;
  let sibling: DomElement;
  if (ctx.rng.chance(0.6)) {
    const attribs: Record<string, string> = {};
    for (const [k, v] of Object.entries(t.attribs))
      if (!['id', 'name', TRUTH_ATTR, 'for', 'aria-labelledby'].includes(k) && !k.startsWith('data-test'))
        attribs[k] = v;
    if (attribs['href']) attribs['href'] = `/${ctx.rng.pick(ctx.vocabulary)}`;
    sibling = new Element(t.name, attribs);
    const words = [ctx.rng.pick(ctx.vocabulary), ctx.rng.pick(ctx.vocabulary)];
    if (!['input', 'img', 'select', 'textarea'].includes(t.name))
      appendChild(sibling, new Text(words.join(' ')));
    if (sibling.attribs['aria-label']) sibling.attribs['aria-label'] = words.join(' ');
    if (sibling.attribs['placeholder']) sibling.attribs['placeholder'] = words.join(' ');
  } else {
    sibling = new Element('span', { class: `badge-${hash(ctx.rng, 4)}` });
    appendChild(sibling, new Text(ctx.rng.pick(['New', 'Beta', '3', 'Updated', 'Sale'])));
  }
  prepend(t, sibling);
  return true;
}

function textEdit(ctx: MutationContext): boolean {
  const nodes = textNodes(ctx.target);
  if (nodes.length > 0) {
    const node = nodes.reduce((a, b) => (b.data.trim().length > a.data.trim().length ? b : a));
    node.data = ` ${editText(node.data, ctx)} `;
    return true;
  }
  for (const attr of ['aria-label', 'placeholder', 'value', 'title', 'alt']) {
    const v = ctx.target.attribs[attr];
    if (v?.trim()) {
      ctx.target.attribs[attr] = editText(v, ctx);
      return true;
    }
  }
  return false;
}

function tagChange(ctx: MutationContext): boolean {
  const t = ctx.target;
  const attribs = { ...t.attribs };
  let name: string;
  const heading = /^h([1-6])$/.exec(t.name);
  if (t.name === 'a') {
    name = 'button';
    delete attribs['href'];
    attribs['type'] = 'button';
  } else if (t.name === 'button') {
    name = 'a';
    delete attribs['type'];
    attribs['href'] = '#';
  } else if (heading) {
    const level = Number(heading[1]);
    name = ctx.rng.chance(0.7) ? `h${level === 6 ? 5 : level + 1}` : 'div';
  } else if (t.name === 'input' && ['submit', 'button'].includes(attribs['type'] ?? '')) {
    name = 'button';
    const label = attribs['value'] ?? '';
    delete attribs['value'];
    const el = new Element(name, attribs);
    appendChild(el, new Text(label));
    replaceElement(t, el);
    ctx.target = el;
    return true;
  } else if (t.name === 'input') {
    if ((attribs['type'] ?? 'text') !== 'text' && attribs['type'] !== 'search') return false;
    name = 'textarea';
  } else {
    const swaps: Record<string, string> = {
      span: 'div',
      div: 'section',
      label: 'span',
      li: 'div',
      p: 'div',
      td: 'th',
      th: 'td',
      select: '',
      textarea: 'input',
      img: '',
    };
    name = swaps[t.name] ?? 'span';
    if (!name) return false;
  }
  const el = new Element(name, attribs);
  for (const child of [...t.children]) appendChild(el, child);
  replaceElement(t, el);
  ctx.target = el;
  return true;
}

function move(ctx: MutationContext): boolean {
  const t = ctx.target;
  if (ctx.rng.chance(0.3)) {
    const containers = elementsOf(ctx.body).filter(
      (e) =>
        ['div', 'section', 'ul', 'form', 'p', 'article', 'aside', 'footer', 'header', 'nav'].includes(
          e.name,
        ) &&
        e !== t &&
        !ancestors(e).includes(t) &&
        canHold(e, t),
    );
    if (containers.length > 0) {
      const dest = ctx.rng.pick(containers);
      removeElement(t);
      appendChild(dest, t);
      return true;
    }
  }
  const up = ancestors(t)
    .filter((a) => a !== ctx.body)
    .slice(0, 3);
  if (up.length === 0) return false;
  const host = ctx.rng.pick(up);
  const slots = host.children.filter((c) => c !== t && !(isTag(c) && ancestors(t).includes(c as DomElement)));
  removeElement(t);
  if (slots.length === 0) appendChild(host, t);
  else {
    const at = ctx.rng.pick(slots);
    if (ctx.rng.chance(0.5)) prepend(at, t);
    else append(at, t);
  }
  return true;
}

function combo(ctx: MutationContext): boolean {
  const ops = ctx.rng.shuffle(COMBINABLE);
  const want = 2 + ctx.rng.int(2);
  let applied = 0;
  for (const op of ops) {
    if (applied >= want) break;
    if (apply(op, ctx)) applied++;
  }
  return applied >= 2;
}

function decoy(ctx: MutationContext): boolean {
  const t = ctx.target;
  const clone = cloneNode(t, true);
  for (const el of [clone, ...findAll(() => true, clone.children)]) {
    delete el.attribs[TRUTH_ATTR];
    delete el.attribs['id'];
    if (ctx.rng.chance(0.5)) delete el.attribs['name'];
  }
  if (ctx.rng.chance(0.3)) {
    const nodes = textNodes(clone);
    if (nodes.length > 0) nodes[0].data = ` ${editText(nodes[0].data, ctx)} `;
  }
  const spots = elementsOf(ctx.body).filter(
    (e) =>
      e !== t &&
      !ancestors(e).includes(t) &&
      !ancestors(t).includes(e) &&
      (!e.parent || !isTag(e.parent) || canHold(e.parent as DomElement, clone)),
  );
  if (spots.length === 0) return false;
  prepend(ctx.rng.pick(spots), clone);
  // The target usually changes too, so the recorded selector cannot simply be reused.
  const extra = ctx.rng.pick<Mutation | null>(['id-regen', 'class-hash', 'wrapper', 'sibling-before', null]);
  if (extra) apply(extra, ctx);
  return true;
}

function remove(ctx: MutationContext): boolean {
  removeElement(ctx.target);
  return true;
}

function scenario(op: Scenario, ctx: MutationContext): boolean {
  const sctx = {
    doc: ctx.doc,
    body: ctx.body,
    rng: ctx.rng,
    vocabulary: ctx.vocabulary,
    target: ctx.target,
    also: (change: Mutation): boolean => {
      ctx.target = sctx.target;
      const done = apply(change, ctx);
      sctx.target = ctx.target;
      return done;
    },
  };
  const done = applyScenario(op, sctx);
  ctx.target = sctx.target;
  return done;
}

export function apply(op: Mutation, ctx: MutationContext): boolean {
  switch (op) {
    case 'id-regen':
      return idRegen(ctx);
    case 'class-hash':
      return classHash(ctx);
    case 'class-rename':
      return classRename(ctx);
    case 'wrapper':
      return wrapper(ctx);
    case 'sibling-before':
      return siblingBefore(ctx);
    case 'text-edit':
      return textEdit(ctx);
    case 'tag-change':
      return tagChange(ctx);
    case 'move':
      return move(ctx);
    case 'combo':
      return combo(ctx);
    case 'decoy':
      return decoy(ctx);
    case 'delete':
      return remove(ctx);
    case 'deleted-lookalike':
    case 'twin-elsewhere':
    case 'menu-regroup':
    case 'tag-heading':
    case 'tag-button':
    case 'control-restyle':
      return scenario(op, ctx);
    default: {
      const _exhaustive: never = op;
      return _exhaustive;
    }
  }
}
