import { INTRINSIC_SLACK, TWIN_SLACK, type Scored } from './candidate';
import { positionSimilarity, prepare, similarityParts, type Features, type Weights } from './score';
import type { ElementSnapshot } from './snapshot';

/**
 * A recorded twin of the target whose place no element holds any more, when the candidate
 * holds the target's: a look-alike under the target's parent, after it, that the candidate is
 * as like in its own attributes as it is like the target, and at whose recorded position
 * (tag and place from the root down) nothing stands now. The run of alike siblings got
 * shorter — the target or a twin left it, or changed its tag — and each one after the gap took
 * the place of the one before: what holds the target's place may be the twin that followed it.
 * Which of them left, the page does not say (ADR 122) — unless the one that left is still in
 * the run, after the candidate, under another tag.
 */
export function vacatedTwin(
  target: Features,
  lookalikes: readonly Features[],
  s: Scored,
  snaps: readonly ElementSnapshot[],
  weights: Weights,
): Features | undefined {
  const n = target.stepCount;
  if (n === 0 || positionSimilarity(target, s.features) < 1) return undefined;
  for (const l of lookalikes) {
    if (l.stepCount !== n || l.tag !== target.tag || !sameParent(target, l)) continue;
    if (l.positions[n - 1] <= target.positions[n - 1]) continue;
    if (similarityParts(l, s.features, weights).intrinsic < s.intrinsic - INTRINSIC_SLACK) continue;
    if (snaps.some((c) => c.tag === l.tag && c.path.length === n && samePlace(l, c.path, c.positions, n)))
      continue;
    if (!leftAfter(l, s, snaps, weights)) return l;
  }
  return undefined;
}

/**
 * The member that left the run is still in it, after the candidate: a sibling of another tag
 * (a link that became a button) about as like the twin as the candidate is. The run got
 * shorter behind the candidate, so its place is its own.
 */
function leftAfter(twin: Features, s: Scored, snaps: readonly ElementSnapshot[], weights: Weights): boolean {
  const me = s.snapshot;
  const parent = me.ancestors[me.ancestors.length - 1];
  const like = similarityParts(twin, s.features, weights).intrinsic - TWIN_SLACK;
  let after = false;
  for (const c of snaps) {
    if (c.tag === me.tag || c.ancestors.length !== me.ancestors.length) continue;
    if (c.ancestors[c.ancestors.length - 1] !== parent) continue;
    if (similarityParts(twin, prepare(c), weights).intrinsic < like) continue;
    if (c.uid < me.uid) return false;
    after = true;
  }
  return after;
}

/** `b` sits under the same parent as `a`: the same tags and positions down to the level above. */
function sameParent(a: Features, b: Features): boolean {
  return samePlace(a, b.path, b.positions, a.stepCount - 1);
}

/** The first `levels` steps of `a`'s path (tags and positions, from the root) are these. */
function samePlace(
  a: Features,
  path: readonly string[],
  positions: readonly number[],
  levels: number,
): boolean {
  for (let i = 0; i < levels; i++) if (a.path[i] !== path[i] || a.positions[i] !== positions[i]) return false;
  return true;
}
