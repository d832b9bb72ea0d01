import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { ElementSnapshot } from '@aether/healing';
import { isTag, type DomElement as Element } from './dom';

/**
 * Real pages live outside the repo (see /work/shared/corpora/html/SOURCES.md): in the
 * nearest `shared/corpora/html` above the checkout, which finds them from a worktree too.
 */
export function corpusDir(): string {
  const fromEnv = process.env['AETHER_CORPUS_DIR'];
  if (fromEnv) return fromEnv;
  let dir = resolve(__dirname, '../../..');
  for (let parent = dirname(dir); parent !== dir; dir = parent, parent = dirname(dir)) {
    const candidate = join(parent, 'shared/corpora/html');
    if (existsSync(candidate)) return candidate;
  }
  return resolve(__dirname, '../../..', '..', 'shared/corpora/html');
}

export interface CorpusPage {
  readonly name: string;
  readonly html: string;
}

export function listPages(dir: string, sub = ''): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.html')) out.push(relative(dir, p));
    }
  };
  walk(join(dir, sub));
  return out;
}

export function loadPage(dir: string, name: string): CorpusPage {
  return { name, html: readFileSync(join(dir, name), 'utf8') };
}

const TARGET_ROLES = new Set(['link', 'button', 'textbox', 'combobox', 'checkbox', 'radio', 'heading']);

/** Interactive or meaningful elements a robot step could plausibly target. */
export function isTargetable(s: ElementSnapshot): boolean {
  if (!s.visible) return false;
  if (!TARGET_ROLES.has(s.role) && s.tag !== 'label' && !s.ariaLabel) return false;
  const href = s.href && !s.href.startsWith('#') && !s.href.startsWith('javascript:');
  return Boolean(
    s.text ||
    s.ariaLabel ||
    s.title ||
    s.placeholder ||
    s.name ||
    s.value ||
    s.alt ||
    s.labelText ||
    s.id ||
    href,
  );
}

const IDENT = /^-?[A-Za-z_][\w-]*$/;

/**
 * What a DevTools-style "copy selector" recorder would write: the nearest id, then
 * classes or `:nth-child` steps, which is what cosmetic changes tend to break.
 */
export function devtoolsSelector(el: Element): string {
  const steps: string[] = [];
  for (let cur: Element | null = el; cur;) {
    const id = cur.attribs['id'];
    if (id) {
      steps.unshift(IDENT.test(id) ? `#${id}` : `[id="${id.replace(/"/g, '\\"')}"]`);
      break;
    }
    const parent: Element | null = cur.parent && isTag(cur.parent) ? cur.parent : null;
    if (!parent) {
      steps.unshift(cur.name);
      break;
    }
    const siblings = parent.children.filter(isTag);
    const same = siblings.filter((s) => s.name === cur?.name);
    let step = cur.name;
    if (same.length > 1) {
      const own = (cur.attribs['class'] ?? '').split(/\s+/).filter((c) => IDENT.test(c));
      const distinct = own.find((c) =>
        same.every((s) => s === cur || !(s.attribs['class'] ?? '').split(/\s+/).includes(c)),
      );
      step = distinct ? `${cur.name}.${distinct}` : `${cur.name}:nth-child(${siblings.indexOf(cur) + 1})`;
    }
    steps.unshift(step);
    if (parent.name === 'body' || parent.name === 'html') {
      steps.unshift(parent.name);
      break;
    }
    cur = parent;
  }
  return steps.join(' > ');
}
