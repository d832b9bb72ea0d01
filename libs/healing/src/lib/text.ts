import { distance } from 'fastest-levenshtein';

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;
const MARKS = /[\u0300-\u036f]/g;
const SPACES = /\s+/g;
const UNSQUASHED = /[^\S ]| {2}|^ | $/;
const NOT_A_WORD = /[^\p{L}\p{N}]+/u;
/** `NOT_A_WORD` for ASCII text: its only letters and digits are these. */
const NOT_AN_ASCII_WORD = /[^A-Za-z0-9]+/;

/** Lower-cased, accents stripped, whitespace collapsed. */
export function normalize(value: string | undefined): string {
  if (!value) return '';
  if (NON_ASCII.test(value))
    return value.normalize('NFKD').replace(MARKS, '').toLowerCase().replace(SPACES, ' ').trim();
  // Snapshot texts arrive squashed: lower-casing ASCII adds no whitespace to collapse.
  const squashed = !UNSQUASHED.test(value);
  return squashed ? value.toLowerCase() : value.toLowerCase().replace(SPACES, ' ').trim();
}

/** Word tokens of normalised text. */
export function words(normalized: string): Set<string> {
  const out = new Set<string>();
  // The Unicode property classes cost most of the split; ASCII text needs none of them.
  const separator = NON_ASCII.test(normalized) ? NOT_A_WORD : NOT_AN_ASCII_WORD;
  for (const w of normalized.split(separator)) if (w) out.add(w);
  return out;
}

/**
 * Tokens of an identifier (`loginButton_3f9a` → `login`, `button`), dropping the numeric
 * and hash-like parts that generators change between builds.
 */
export function identifierTokens(value: string): Set<string> {
  const out = new Set<string>();
  const spaced = value.replace(/([a-z])([A-Z])/g, '$1 $2');
  for (const raw of spaced.split(/[^A-Za-z0-9]+/)) {
    const w = raw.toLowerCase();
    if (w.length < 2 || /\d/.test(w)) continue;
    out.add(w);
  }
  return out;
}

export function dice(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let common = 0;
  for (const w of small) if (large.has(w)) common++;
  return (2 * common) / (a.size + b.size);
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let common = 0;
  for (const w of small) if (large.has(w)) common++;
  return common / (a.size + b.size - common);
}

const SHORT = 48;

/** 1 − edit distance / length, for strings short enough for it to mean something. */
export function editSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (!a || !b || a.length > SHORT || b.length > SHORT) return 0;
  return 1 - distance(a, b) / Math.max(a.length, b.length);
}

/** Similarity of two prepared texts in [0, 1]: exact, word overlap or edit distance. */
export function textSimilarity(
  a: string,
  aw: ReadonlySet<string>,
  b: string,
  bw: ReadonlySet<string>,
): number {
  if (a === b) return 1;
  if (!a || !b) return 0;
  return Math.max(dice(aw, bw), editSimilarity(a, b));
}

let rowA = new Int32Array(64);
let rowB = new Int32Array(64);

/** Similarity of two tag sequences: 1 − edit distance over the longer length. */
export function sequenceSimilarity(a: readonly string[], b: readonly string[]): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 && m === 0) return 1;
  if (n === m) {
    let same = true;
    for (let i = 0; i < n && same; i++) same = a[i] === b[i];
    if (same) return 1;
  }
  if (rowA.length <= m) {
    rowA = new Int32Array(m * 2 + 1);
    rowB = new Int32Array(m * 2 + 1);
  }
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return 1 - prev[m] / Math.max(n, m);
}
