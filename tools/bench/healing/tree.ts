import { findAll, isTag, isText, type ChildNode, type DomElement, type DomText } from './dom';
import type { Rng } from '@aether/testing';

/** Page surgery shared by the mutation operators and the scenarios. */

/** Hidden ground-truth marker; stripped from every page the healers see. */
export const TRUTH_ATTR = 'data-bench-truth';

export const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'head', 'math', 'iframe']);
export const INLINE_PARENTS = new Set([
  'p',
  'span',
  'a',
  'label',
  'button',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'em',
  'strong',
  'b',
  'i',
  'small',
  'li',
  'td',
  'th',
]);

export function ancestors(el: DomElement): DomElement[] {
  const out: DomElement[] = [];
  for (let p = el.parent; p && isTag(p); p = p.parent) out.push(p);
  return out;
}

/** Content that may not sit inside a link or a button: browsers' parsers split such nesting. */
const INTERACTIVE = new Set(['a', 'button', 'input', 'select', 'textarea', 'label', 'details', 'iframe']);
/** Start tags that close an open `<p>` in the HTML parsing algorithm. */
const CLOSES_P = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'details',
  'div',
  'dl',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'main',
  'menu',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'ul',
]);

/**
 * Whether a browser would build `el` inside `parent`: no link or button inside a link or a button,
 * no block inside a paragraph, no form inside a form. A page written otherwise is re-nested by the
 * parser, so a generated case with such nesting is a page no one can serve.
 */
export function canHold(parent: DomElement, el: DomElement): boolean {
  const around = [parent, ...ancestors(parent)].map((a) => a.name);
  const inside = [el, ...findAll(() => true, el.children)].map((e) => e.name);
  if (around.some((n) => n === 'a' || n === 'button') && inside.some((n) => INTERACTIVE.has(n))) return false;
  if (around.includes('p') && inside.some((n) => CLOSES_P.has(n))) return false;
  return !(around.includes('form') && inside.includes('form'));
}

export function elementsOf(root: DomElement): DomElement[] {
  return findAll((e) => !SKIP.has(e.name) && !ancestors(e).some((a) => SKIP.has(a.name)), root.children);
}

export function textNodes(el: DomElement): DomText[] {
  const out: DomText[] = [];
  const walk = (n: ChildNode): void => {
    if (isText(n)) {
      if (n.data.trim()) out.push(n);
    } else if (isTag(n) && !SKIP.has(n.name)) n.children.forEach(walk);
  };
  el.children.forEach(walk);
  return out;
}

export function hash(rng: Rng, n: number): string {
  return rng.token(1, 'abcdefghijklmnopqrstuvwxyz') + rng.token(n - 1);
}

/** A realistic edit of a visible text: case, a word swapped, added or dropped, a typo. */
export function editText(
  text: string,
  ctx: { readonly rng: Rng; readonly vocabulary: readonly string[] },
): string {
  const words = text.trim().split(/\s+/);
  const rng = ctx.rng;
  switch (rng.int(5)) {
    case 0:
      return rng.chance(0.5)
        ? text.toUpperCase()
        : text.toLowerCase().replace(/(^|\s)\S/g, (m) => m.toUpperCase());
    case 1: {
      const i = rng.int(words.length);
      words[i] = rng.pick(ctx.vocabulary);
      return words.join(' ');
    }
    case 2:
      return rng.chance(0.5)
        ? `${rng.pick(ctx.vocabulary)} ${text.trim()}`
        : `${text.trim()} ${rng.pick(['»', '(2)', 'now', 'here', '→'])}`;
    case 3: {
      if (words.length > 1) {
        words.splice(rng.int(words.length), 1);
        return words.join(' ');
      }
      return `${text.trim()} ${rng.pick(ctx.vocabulary)}`;
    }
    default: {
      const i = rng.int(words.length);
      const w = words[i];
      if (w.length > 3) {
        const j = 1 + rng.int(w.length - 2);
        words[i] = w.slice(0, j) + w.slice(j + 1);
      } else words[i] = w + rng.token(1, 'aeiou');
      return words.join(' ');
    }
  }
}
