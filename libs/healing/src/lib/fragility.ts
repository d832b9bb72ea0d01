import type { Fingerprint } from './fingerprint';

export type FragilityCode =
  | 'generated-id'
  | 'hashed-class'
  | 'positional'
  | 'long-nth-chain'
  | 'long-chain'
  | 'absolute-path'
  | 'bare-tag'
  | 'text-dependent'
  | 'not-css';

export interface FragilityReason {
  readonly code: FragilityCode;
  readonly message: string;
}

/** How likely a selector is to break on cosmetic page changes. */
export interface FragilityRating {
  /** 0 = sturdy (test id, stable id), 1 = breaks on the next deploy. */
  readonly score: number;
  readonly reasons: readonly FragilityReason[];
  /** A sturdier selector for the same element, when the context allows one. */
  readonly suggestion?: string;
}

export interface FragilityContext {
  /** The element's fingerprint, to build a suggestion from its stable attributes. */
  readonly fingerprint?: Fingerprint;
  /** Whether a selector matches exactly one element on the page; without it suggestions are unverified. */
  readonly isUnique?: (selector: string) => boolean;
}

const TEST_ATTRS = /^data-(testid|test-id|test|qa|cy|e2e|automation-id|pw)$/;
const POSITIONAL =
  /:(nth-child|nth-of-type|nth-last-child|nth-last-of-type|first-child|last-child|first-of-type|last-of-type|eq|nth)\b/g;

/** Framework-generated ids: long digit runs, hashes, well-known generator prefixes. */
export function looksGeneratedId(raw: string): boolean {
  const id = unescaped(raw);
  return (
    /\d{3,}/.test(id) ||
    /^[0-9a-f]{8,}$/i.test(id) ||
    /^(ember|ext-gen|react-|radix-|headlessui-|mui-|:r|yui_|gwt-|j_id|ctl\d|__)/i.test(id) ||
    id.split(/[-_:.]/).some((p) => p.length >= 5 && /\d/.test(p) && /[a-z]/i.test(p))
  );
}

/**
 * The id with its percent escapes decoded: a slug made from a heading's words escapes what is
 * not ASCII (`explore-this-year%E2%80%99s-report`, a typographic apostrophe), and the escapes'
 * hex digits are the heading's text, not a generator's counter (ADR 128).
 */
function unescaped(id: string): string {
  if (!id.includes('%')) return id;
  return id.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** CSS-in-JS and CSS-module class names that change with every build. */
export function looksHashedClass(name: string): boolean {
  return (
    /^(css|sc|jsx|emotion|styled|tw|svelte|astro|chakra|mantine)-[A-Za-z0-9]{4,}$/.test(name) ||
    /__[A-Za-z0-9_-]{5}$/.test(name) ||
    /^_[A-Za-z0-9]{5,}$/.test(name) ||
    /(^|[-_])(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{5,}$/.test(name)
  );
}

/** Splits a CSS selector into compound selectors, ignoring combinators inside brackets and quotes. */
function compounds(selector: string): string[] {
  // Each compound is a slice of the selector: written a character at a time it was a new
  // string per character.
  const out: string[] = [];
  let start = 0;
  let depth = 0;
  let quote = '';
  for (let i = 0; i < selector.length; i++) {
    const ch = selector.charAt(i);
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') depth = Math.max(0, depth - 1);
    if (depth === 0 && COMBINATOR.test(ch)) {
      if (i > start) out.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  if (selector.length > start) out.push(selector.slice(start));
  return out;
}

const COMBINATOR = /[\s>+~]/;

interface Parts {
  readonly ids: string[];
  readonly classes: string[];
  readonly attrs: { name: string; value: string }[];
  readonly positional: number;
  readonly bare: boolean;
}

function parts(compound: string): Parts {
  const attrs: { name: string; value: string }[] = [];
  const stripped = compound.replace(
    /\[\s*([^\]\s~|^$*=]+)\s*(?:[~|^$*]?=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\]\s]*)\s*(?:[is])?)?\]/g,
    (_m, name: string, value?: string) => {
      attrs.push({ name: name.toLowerCase(), value: (value ?? '').replace(/^["']|["']$/g, '') });
      return '';
    },
  );
  const noPseudoArgs = stripped.replace(/\([^)]*\)/g, '');
  const ids = [...noPseudoArgs.matchAll(/#((?:\\.|[\w-])+)/g)].map((m) => m[1].replace(/\\/g, ''));
  const classes = [...noPseudoArgs.matchAll(/\.((?:\\.|[\w-])+)/g)].map((m) => m[1].replace(/\\/g, ''));
  const positional = (stripped.match(POSITIONAL) ?? []).length;
  return {
    ids,
    classes,
    attrs,
    positional,
    bare: ids.length === 0 && classes.length === 0 && attrs.length === 0,
  };
}

const cssString = (s: string): string => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
const cssIdent = (s: string): string => (/^-?[A-Za-z_][\w-]*$/.test(s) ? s : '');

/** Rates a selector's fragility and, given the element's fingerprint, suggests a sturdier one. */
export function rateSelectorFragility(selector: string, context: FragilityContext = {}): FragilityRating {
  const rating = rate(selector);
  const fp = context.fingerprint;
  if (!fp || rating.score < 0.2) return rating;
  for (const candidate of selectorSuggestions(fp)) {
    if (candidate === selector) continue;
    if (context.isUnique && !context.isUnique(candidate)) continue;
    if (rate(candidate).score <= rating.score - 0.2) return { ...rating, suggestion: candidate };
  }
  return rating;
}

function rate(selector: string): FragilityRating {
  const reasons: FragilityReason[] = [];
  const trimmed = selector.trim();
  const chain = splitChain(trimmed);
  if (chain.length > 1) return rateChain(chain);
  if (/^(text|role|xpath|css|id|data-testid)=|^\/\/|>>|:(has-text|text-is)\(/.test(trimmed)) {
    if (/:text-is\(/.test(trimmed) && !/:has-text\(/.test(trimmed)) {
      return {
        score: 0.3,
        reasons: [
          {
            code: 'text-dependent',
            message: 'matches on its own exact words (Playwright), which change with copy edits',
          },
        ],
      };
    }
    if (/^text=/.test(trimmed) || /:has-text\(/.test(trimmed)) {
      return {
        score: 0.4,
        reasons: [
          { code: 'text-dependent', message: 'matches on visible wording, which changes with copy edits' },
        ],
      };
    }
    if (/^\/\/|^xpath=/.test(trimmed)) {
      const indexes = (trimmed.match(/\[\d+\]/g) ?? []).length;
      return {
        score: Math.min(1, 0.3 + 0.15 * indexes),
        reasons: [{ code: 'not-css', message: `XPath with ${indexes} positional index(es)` }],
      };
    }
    return {
      score: 0.2,
      reasons: [{ code: 'not-css', message: 'Playwright selector engine syntax; rated coarsely' }],
    };
  }
  const list = compounds(trimmed).map(parts);
  if (list.length === 0) return { score: 1, reasons: [{ code: 'not-css', message: 'empty selector' }] };
  let score = 0;

  const generated = list
    .flatMap((p) => [...p.ids, ...p.attrs.filter((a) => a.name === 'id').map((a) => a.value)])
    .filter(looksGeneratedId);
  if (generated.length > 0) {
    score += Math.min(0.6, 0.5 + 0.1 * (generated.length - 1));
    reasons.push({
      code: 'generated-id',
      message: `auto-generated id ${generated.map((g) => `"${g}"`).join(', ')}`,
    });
  }
  const hashed = list.flatMap((p) => p.classes).filter(looksHashedClass);
  if (hashed.length > 0) {
    score += Math.min(0.6, 0.4 + 0.1 * (hashed.length - 1));
    reasons.push({
      code: 'hashed-class',
      message: `build-hashed class ${hashed.map((h) => `"${h}"`).join(', ')}`,
    });
  }
  const positional = list.reduce((n, p) => n + p.positional, 0);
  if (positional >= 3) {
    score += 0.4;
    reasons.push({
      code: 'long-nth-chain',
      message: `${positional} positional steps (:nth-child and friends) break when siblings are added`,
    });
  } else if (positional > 0) {
    score += 0.15 * positional;
    reasons.push({
      code: 'positional',
      message: 'position-dependent step breaks when a sibling is inserted',
    });
  }
  if (list.length > 4) {
    score += Math.min(0.3, 0.06 * (list.length - 4));
    reasons.push({
      code: 'long-chain',
      message: `${list.length} steps deep; every wrapper change breaks it`,
    });
  }
  const first = compounds(trimmed)[0].toLowerCase();
  if (first === 'html' || first === 'body' || first === ':root') {
    score += 0.15;
    reasons.push({ code: 'absolute-path', message: 'anchored at the document root' });
  }
  const last = list[list.length - 1];
  if (last.bare) {
    score += 0.15;
    reasons.push({ code: 'bare-tag', message: 'the target step is a bare tag name' });
  }
  if (last.attrs.some((a) => TEST_ATTRS.test(a.name))) score *= 0.3;
  else if (
    last.ids.some((id) => !looksGeneratedId(id)) ||
    last.attrs.some((a) => a.name === 'name' || a.name === 'aria-label')
  )
    score *= 0.6;
  return { score: Math.round(Math.min(1, score) * 100) / 100, reasons };
}

/** A Playwright `>>` chain's parts, `>>` inside quotes or brackets left alone. */
function splitChain(selector: string): string[] {
  const out: string[] = [];
  let start = 0;
  let depth = 0;
  let quote = '';
  for (let i = 0; i < selector.length; i++) {
    const ch = selector.charAt(i);
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && selector.startsWith(' >> ', i)) {
      out.push(selector.slice(start, i).trim());
      start = i + 4;
      i += 3;
    }
  }
  out.push(selector.slice(start).trim());
  return out.filter(Boolean);
}

/**
 * A chain breaks where any of its parts breaks: its most fragile part's score, plus 0.05 for
 * each further part (one more thing a redesign can change). `#login >> role=button[…]` rates
 * 0.25, just above the bare role form (ADR 114).
 */
function rateChain(parts: readonly string[]): FragilityRating {
  const rated = parts.map((p) => rate(p));
  const worst = Math.max(...rated.map((r) => r.score));
  return {
    score: Math.round(Math.min(1, worst + 0.05 * (parts.length - 1)) * 100) / 100,
    reasons: [
      ...rated.flatMap((r) => r.reasons),
      { code: 'not-css', message: `Playwright chain of ${parts.length} parts (>>): each must keep matching` },
    ],
  };
}

/** Attribute selectors for the element, most stable first (uniqueness unchecked). */
export function selectorSuggestions(fp: Fingerprint): string[] {
  const out: string[] = [];
  for (const t of fp.testIds ?? []) {
    const eq = t.indexOf('=');
    out.push(`[${t.slice(0, eq)}=${cssString(t.slice(eq + 1))}]`);
  }
  if (fp.id && !looksGeneratedId(fp.id) && cssIdent(fp.id)) out.push(`#${fp.id}`);
  if (fp.name) out.push(`${fp.tag}[name=${cssString(fp.name)}]`);
  if (fp.ariaLabel) out.push(`${fp.tag}[aria-label=${cssString(fp.ariaLabel)}]`);
  if (fp.placeholder) out.push(`${fp.tag}[placeholder=${cssString(fp.placeholder)}]`);
  if (fp.tag === 'a' && fp.href && !fp.href.startsWith('#') && !fp.href.startsWith('javascript:'))
    out.push(`a[href=${cssString(fp.href)}]`);
  if (fp.alt) out.push(`${fp.tag}[alt=${cssString(fp.alt)}]`);
  if (fp.title) out.push(`${fp.tag}[title=${cssString(fp.title)}]`);
  return out;
}
