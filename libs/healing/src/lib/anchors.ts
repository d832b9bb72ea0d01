import type { Anchor, AnchorKind } from './fingerprint';
import { looksGeneratedId } from './fragility';
import type { ElementSnapshot } from './snapshot';
import { normalize, sequenceSimilarity } from './text';

const MAX_UP = 6;

function chain(s: ElementSnapshot): readonly number[] {
  return [...s.ancestors, s.uid];
}

/** Index of the deepest common element of two root-first chains, or -1. */
function commonDepth(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i - 1;
}

function isOnChain(a: ElementSnapshot, b: ElementSnapshot): boolean {
  return a.uid === b.uid || a.ancestors.includes(b.uid) || b.ancestors.includes(a.uid);
}

/** Keys under which a snapshot can serve as an anchor, most stable first. */
function anchorKeys(
  s: ElementSnapshot,
  normalise: (text: string) => string = normalize,
): { kind: AnchorKind; key: string }[] {
  const out: { kind: AnchorKind; key: string }[] = [];
  for (const t of s.testIds) out.push({ kind: 'testid', key: t });
  if (s.id && !looksGeneratedId(s.id)) out.push({ kind: 'id', key: s.id });
  const text = normalise(s.text);
  if (text.length >= 2 && text.length <= 80) {
    if (s.tag === 'label') out.push({ kind: 'label', key: text });
    else if (s.role === 'heading') out.push({ kind: 'heading', key: text });
    else out.push({ kind: 'text', key: text });
  }
  return out;
}

/** The index's bucket of a kind: label, heading and text keys are one text key. */
const bucketOf = (kind: AnchorKind): string => (kind === 'testid' || kind === 'id' ? kind : 'text');

/** How many keys a lazy index resolves by scanning before it indexes every key of the page. */
const SCANS = 8;

/** Snapshots indexed by anchor key; a key is usable when its holders form one chain. */
export class AnchorIndex {
  private byKey: Map<string, ElementSnapshot[]> | null = null;
  private readonly resolved = new Map<string, ElementSnapshot | undefined>();

  /**
   * `normalise` is `normalize`, or a memo of it: a heal has every candidate's text normalised
   * already. Built for a heal (`lazy`), the index finds the holders of its first few keys by a
   * scan, as a heal resolves only its fingerprint's anchors; capture resolves every key of the
   * page and indexes them all at once.
   */
  constructor(
    private readonly snapshots: readonly ElementSnapshot[],
    private readonly normalise: (text: string) => string = normalize,
    lazy = false,
  ) {
    if (!lazy) this.byKey = this.indexAll();
  }

  /** The single (deepest) element holding the key, or `undefined` when absent or repeated. */
  resolve(kind: AnchorKind, key: string): ElementSnapshot | undefined {
    const k = bucketOf(kind) + '\u0000' + key;
    if (this.resolved.has(k)) return this.resolved.get(k);
    const list =
      this.byKey === null && this.resolved.size < SCANS
        ? this.holders(bucketOf(kind), key)
        : (this.byKey ??= this.indexAll()).get(k);
    let found: ElementSnapshot | undefined;
    if (list && list.length > 0) {
      let deepest = list[0];
      for (const s of list) if (s.depth > deepest.depth) deepest = s;
      const chain = new Set(deepest.ancestors);
      if (list.every((s) => s === deepest || chain.has(s.uid))) found = deepest;
    }
    this.resolved.set(k, found);
    return found;
  }

  private indexAll(): Map<string, ElementSnapshot[]> {
    const byKey = new Map<string, ElementSnapshot[]>();
    for (const s of this.snapshots) {
      for (const { kind, key } of anchorKeys(s, this.normalise)) {
        const k = bucketOf(kind) + '\u0000' + key;
        const list = byKey.get(k);
        if (list) list.push(s);
        else byKey.set(k, [s]);
      }
    }
    return byKey;
  }

  /** The snapshots `anchorKeys` gives `key` in `bucket`, in document order (each once). */
  private holders(bucket: string, key: string): ElementSnapshot[] {
    const out: ElementSnapshot[] = [];
    if (bucket === 'testid') {
      for (const s of this.snapshots) if (s.testIds.includes(key)) out.push(s);
    } else if (bucket === 'id') {
      if (key === '' || looksGeneratedId(key)) return out;
      for (const s of this.snapshots) if (s.id === key) out.push(s);
    } else if (key.length >= 2 && key.length <= 80) {
      for (const s of this.snapshots) if (this.normalise(s.text) === key) out.push(s);
    }
    return out;
  }
}

type Relation = Pick<Anchor, 'up' | 'down' | 'route' | 'before' | 'offset'>;

/** Where the target sits relative to an anchor element. */
function relation(target: ElementSnapshot, anchor: ElementSnapshot): Relation {
  const t = chain(target);
  const a = chain(anchor);
  const lca = commonDepth(t, a);
  const rel = {
    up: t.length - 1 - lca,
    down: a.length - 1 - lca,
    route: target.path.slice(lca + 1),
    before: anchor.uid < target.uid,
  };
  // Below the common ancestor, how many same-tag siblings apart the two branches start.
  const branch = lca + 1;
  if (rel.up === 0 || rel.down === 0 || target.path[branch] !== anchor.path[branch]) return rel;
  const tp = target.positions[branch];
  const ap = anchor.positions[branch];
  return tp === undefined || ap === undefined ? rel : { ...rel, offset: tp - ap };
}

/**
 * How likely an anchor is to be found again on the next version of the page, 0..1. Measured
 * on the corpus' real redesigns (AdminLTE 3.2 → 4.0.2 and Bootstrap 4.6 → 5.3, 32 page pairs,
 * see ADR 83): of the keys page-unique before, the after page still had a heading inside a
 * landmark 96 % of the time, link texts 69–83 %, button texts 62 %, labels and other headings
 * about half, other texts 38–49 %, and none of 13 stable-looking ids. Test ids exist to
 * survive. A key without letters (a count, a price, a year) changes with the data.
 */
export function anchorStability(kind: AnchorKind, key: string, s: ElementSnapshot): number {
  const base = ((): number => {
    switch (kind) {
      case 'testid':
        return 0.95;
      case 'id':
        return 0.4;
      case 'label':
        return 0.5;
      case 'heading':
        return s.landmarks.length > 0 ? 0.9 : 0.5;
      case 'text':
        return s.role === 'link' ? 0.75 : s.role === 'button' ? 0.6 : 0.45;
      default: {
        const _exhaustive: never = kind;
        return _exhaustive;
      }
    }
  })();
  return /\p{L}/u.test(key) ? base : base / 3;
}

/**
 * Picks up to `max` page-unique elements close to the target, the likeliest to survive the
 * next change first: nearness divided by stability, so a heading in a landmark two steps
 * further out is preferred to a nearby paragraph's text.
 */
export function findAnchors(
  target: ElementSnapshot,
  snapshots: readonly ElementSnapshot[],
  max = 3,
): Anchor[] {
  const index = new AnchorIndex(snapshots);
  const ownText = normalize(target.text);
  const found: (Anchor & { rank: number })[] = [];
  for (const s of snapshots) {
    if (s.uid === target.uid || s.ancestors.includes(target.uid)) continue;
    let pick: (Anchor & { rank: number }) | undefined;
    for (const { kind, key } of anchorKeys(s)) {
      if (kind !== 'testid' && kind !== 'id' && (key === ownText || isOnChain(s, target))) continue;
      if (index.resolve(kind, key) !== s) continue;
      const rel = relation(target, s);
      if (rel.up > MAX_UP) break;
      const near = (rel.up + rel.down) * 10 + Math.min(9, Math.abs(rel.offset ?? 9));
      const rank = near / anchorStability(kind, key, s);
      if (!pick || rank < pick.rank) pick = { kind, tag: s.tag, key, ...rel, rank };
    }
    if (pick) found.push(pick);
  }
  found.sort((x, y) => x.rank - y.rank);
  return found.slice(0, max).map(({ rank: _rank, ...anchor }) => anchor);
}

/**
 * How well each candidate keeps the recorded relation to the fingerprint's anchors, in
 * [0, 1]; `null` when fewer than `minAnchors` anchors can be found on the page.
 */
export function anchorSupport(
  anchors: readonly Anchor[],
  candidates: readonly ElementSnapshot[],
  index: AnchorIndex,
  minAnchors = 1,
): number[] | null {
  const resolved = anchors
    .map((a) => ({ a, el: index.resolve(a.kind, a.key) }))
    .filter((r) => r.el !== undefined);
  if (resolved.length === 0 || resolved.length < minAnchors) return null;
  return candidates.map((c) => {
    let sum = 0;
    for (const { a, el } of resolved) {
      if (!el || el.uid === c.uid) continue;
      const rel = relation(c, el);
      const structural = 1 / (1 + Math.abs(rel.up - a.up) + Math.abs(rel.down - a.down));
      const route = sequenceSimilarity(a.route, rel.route);
      const offset =
        a.offset === undefined || rel.offset === undefined
          ? rel.before === a.before
            ? 1
            : 0
          : 1 / (1 + Math.abs(rel.offset - a.offset));
      sum += 0.3 * structural + 0.2 * route + 0.5 * offset;
    }
    return sum / resolved.length;
  });
}

/** Depth of `body`: an anchor met no lower than this shares nothing with the candidate but the page. */
const PAGE_ROOT = 1;

/**
 * A candidate that meets every stable neighbour of the target (its anchors) this many levels
 * higher than the target did, or only at the page's root, has left the target's neighbourhood.
 */
export const LEFT_ANCHORS = 3;

/**
 * Whether the candidate has left the target's neighbourhood: it meets every stable neighbour
 * (anchor) found on the page at least `levels` higher than the target did, or only at the
 * page's root. Anchors the target itself shared only the root with say nothing and are
 * skipped; `null` when no anchor that says something is on the page.
 */
export function leftNeighbourhood(
  anchors: readonly Anchor[],
  candidate: ElementSnapshot,
  recordedDepth: number,
  index: AnchorIndex,
  levels: number,
): boolean | null {
  let informative = 0;
  for (const a of anchors) {
    const el = index.resolve(a.kind, a.key);
    const recorded = recordedDepth - a.up;
    if (!el || el.uid === candidate.uid || recorded <= PAGE_ROOT) continue;
    informative++;
    const met = candidate.depth - relation(candidate, el).up;
    if (met > PAGE_ROOT && recorded - met < levels) return false;
  }
  return informative > 0 ? true : null;
}

/** Siblings the candidate's branch may have shifted by against an anchor's and still keep it (one inserted before). */
const KEPT_OFFSET = 1;

/**
 * The share of the target's stable neighbours (anchors) that the candidate still meets where the
 * target did: under a common ancestor at the same level, on the same side (before or after it),
 * and, in a list, within one sibling of the recorded distance.
 * Each anchor counts by its stability (`anchorStability`): a heading in a landmark says more
 * than a paragraph's text. Anchors met only at the page's root, or not found, say nothing;
 * `null` when fewer than `minAnchors` say something.
 */
export function anchorsKept(
  anchors: readonly Anchor[],
  candidate: ElementSnapshot,
  recordedDepth: number,
  index: AnchorIndex,
  minAnchors: number,
): number | null {
  let kept = 0;
  let total = 0;
  let counted = 0;
  for (const a of anchors) {
    const el = index.resolve(a.kind, a.key);
    const recorded = recordedDepth - a.up;
    if (!el || el.uid === candidate.uid || recorded <= PAGE_ROOT) continue;
    const weight = anchorStability(a.kind, a.key, el);
    counted++;
    total += weight;
    const rel = relation(candidate, el);
    const near =
      a.offset === undefined || rel.offset === undefined || Math.abs(rel.offset - a.offset) <= KEPT_OFFSET;
    if (candidate.depth - rel.up === recorded && rel.before === a.before && near) kept += weight;
  }
  return counted < minAnchors || total === 0 ? null : kept / total;
}
