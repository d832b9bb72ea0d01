import { INTRINSIC_SLACK, TWIN_SLACK, type Scored } from './candidate';
import { round } from './result';
import {
  combine,
  contextSums,
  intrinsicSums,
  type Features,
  type SimilarityParts,
  type Weights,
} from './score';
import type { ElementSnapshot } from './snapshot';

// A menu regrouped under a new entry that took the target's label: the two share the label and
// the place (ADR 74). Which is which, their own attributes say (ADR 86), or else what follows a
// menu's slots and not its entries set aside (ADR 106).

/**
 * The candidate now heads a group that holds an element of the same tag and text: a menu
 * regrouped under a new parent entry named like the target, the target one level down in
 * the new submenu. The entry sits where the target was, so similarity favours it; which of
 * the two the step meant, nothing on the page says. A group's entry comes before what it
 * holds, and right before it: a same-text element earlier under the same parent (a copy put
 * before the target), or one in a later sibling past others (a copy put further down), is not
 * a group the candidate heads.
 */
export function headsTwin(
  s: Scored,
  target: Features,
  snaps: readonly ElementSnapshot[],
  features: (index: number) => Features,
  weights: Weights,
): Scored | undefined {
  const me = s.snapshot;
  const parent = me.ancestors[me.ancestors.length - 1];
  const text = s.features.text.s;
  if (parent === undefined || !text) return undefined;
  for (let i = 0; i < snaps.length; i++) {
    const t = snaps[i];
    if (t.uid < me.uid || t.depth <= me.depth || t.tag !== me.tag) continue;
    if (t.ancestors[me.ancestors.length - 1] !== parent) continue;
    if (t.ancestors.includes(me.uid) || !inNextSibling(me, t, snaps)) continue;
    const f = features(i);
    if (f.text.s !== text) continue;
    const parts = combine(intrinsicSums(target, f, weights), contextSums(target, f, weights), f.visible);
    if (parts.intrinsic >= s.intrinsic - TWIN_SLACK)
      return {
        snapshot: t,
        features: f,
        confidence: parts.score,
        intrinsic: parts.intrinsic,
        context: parts.context,
      };
  }
  return undefined;
}

/**
 * `inner` lies in the element right after `me` under their common parent (a group entry's
 * submenu): no element of the page's candidates sits under the parent between the two
 * branches. Elements without candidates (an empty caret, a toggle icon) do not count.
 */
function inNextSibling(
  me: ElementSnapshot,
  inner: ElementSnapshot,
  snaps: readonly ElementSnapshot[],
): boolean {
  const level = me.ancestors.length;
  const parent = me.ancestors[level - 1];
  const branch = inner.ancestors[level] ?? inner.uid;
  for (const s of snaps) {
    if (s.uid <= me.uid || s.uid >= branch || s.ancestors[level - 1] !== parent) continue;
    if (!s.ancestors.includes(me.uid)) return false;
  }
  return true;
}

/** A new group entry and the entry of the same name nested under it, whichever ranks first. */
export function regroupedPair(
  a: Scored,
  b: Scored,
  twinOf: (s: Scored) => Scored | undefined,
): { head: Scored; nested: Scored } | undefined {
  if (twinOf(a)?.snapshot.uid === b.snapshot.uid) return { head: a, nested: b };
  if (twinOf(b)?.snapshot.uid === a.snapshot.uid) return { head: b, nested: a };
  return undefined;
}

/**
 * What a menu's slots decide, not its entries: a regroup styles the new group entry like the
 * entry whose place it took and restyles the moved entry as a group item (Bootstrap's
 * `nav-link` becomes `dropdown-item`), and the group entry holds the place the nested entry's
 * item left. Neither classes nor place tell the two apart.
 */
const SLOTS: Partial<Weights> = { classes: 0, path: 0, position: 0, bbox: 0 };

/**
 * Why the nested entry of a regrouped pair is the target, or `undefined` when nothing says
 * so. Its own attributes match the recording clearly better (ADR 86); or, as well apart from
 * classes, and its neighbours, parent, heading and landmark at least as well (ADR 106): the
 * group entry is followed by its own name, which the recorded element was not, so it is not
 * the recorded element as it was; the nested one may be.
 */
export function nestedIsTarget(
  target: Features,
  pair: { head: Scored; nested: Scored },
  weights: Weights,
): string | undefined {
  const { head, nested } = pair;
  if (nested.intrinsic - head.intrinsic > INTRINSIC_SLACK)
    return `the new group entry above it took its label only: own attributes ${round(nested.intrinsic)} against ${round(head.intrinsic)}`;
  if (startsWithWord(target.nextText.s, target.text.s)) return undefined;
  const w = { ...weights, ...SLOTS };
  // Visible or not is the slot's too: a collapsed group hides its items.
  const slotless = (f: Features): SimilarityParts =>
    combine(intrinsicSums(target, f, w), contextSums(target, f, w), true);
  const n = slotless(nested.features);
  const h = slotless(head.features);
  if (n.intrinsic < h.intrinsic - INTRINSIC_SLACK || n.score < h.score) return undefined;
  return `the new group entry above it is followed by its own name, the target was not; apart from classes and place, which follow the menu's slots: ${round(n.score)} against ${round(h.score)}`;
}

/** `text` begins with `word` as a whole (a word or words): `Home Link` with `Home`, not `Homework`. */
function startsWithWord(text: string, word: string): boolean {
  return word !== '' && text.startsWith(word) && (text.length === word.length || text[word.length] === ' ');
}
