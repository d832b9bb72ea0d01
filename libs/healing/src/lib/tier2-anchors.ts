import { AnchorIndex, anchorSupport, anchorsKept } from './anchors';
import { INTRINSIC_SLACK, type Pick, type Scored } from './candidate';
import type { Anchor, Fingerprint } from './fingerprint';
import { percent, round } from './result';

const TIER2_MIN_ANCHORS = 2;
const TIER2_MIN_SUPPORT = 0.99;
const TIER2_SUPPORT_LEAD = 0.3;

/** Share of its stable anchors (by stability) the best must still meet where the target did… */
const KEPT_ALL = 0.99;
/** …and the most of them a close rival may meet there, for the anchors to decide between them. */
const KEPT_RIVAL = 0.5;

/**
 * Tier 2 between close candidates (ADR 94): the best still meets every stable neighbour of the
 * target (its anchors: headings, link and button texts, labels) where the target did — under a
 * common ancestor at the same level, on the same side, about as many list items away — while
 * each close rival meets at most half of them so (by stability). The anchors say which of the
 * look-alikes sits where the target was; they never overrule what the element is: a rival whose
 * own attributes match clearly better is not set aside. The rival that kept the most is the
 * runner-up.
 */
export function anchorsSetApart(
  fp: Fingerprint,
  best: Scored,
  rivals: readonly Scored[],
  index: AnchorIndex,
): Pick | undefined {
  if (!fp.anchors || rivals.length === 0) return undefined;
  const keptBy = (s: Scored): number | null =>
    anchorsKept(fp.anchors ?? [], s.snapshot, fp.depth, index, TIER2_MIN_ANCHORS);
  const mine = keptBy(best);
  if (mine === null || mine < KEPT_ALL) return undefined;
  let runner: { s: Scored; kept: number } | undefined;
  for (const s of rivals) {
    if (s.intrinsic > best.intrinsic + INTRINSIC_SLACK) return undefined;
    const kept = keptBy(s) ?? 1;
    if (kept > KEPT_RIVAL) return undefined;
    if (!runner || kept > runner.kept) runner = { s, kept };
  }
  return (
    runner && {
      chosen: best,
      runner: runner.s,
      lead: best.confidence - runner.s.confidence,
      why: `it meets its stable anchors where the target did (${percent(mine)} by stability), the runner-up ${percent(runner.kept)}`,
    }
  );
}

/**
 * Tier 2 among candidates that match the element itself equally well (ADR 47, 83): the tie the
 * anchors break is about where it sits, never about what it is. The winner must keep its
 * recorded relation to the anchors almost exactly while the runner-up clearly does not.
 */
export function anchorsBreakTie(
  anchors: readonly Anchor[],
  near: readonly Scored[],
  index: AnchorIndex,
  minConfidence: number,
): Pick | undefined {
  const topIntrinsic = Math.max(...near.map((s) => s.intrinsic));
  const pool = near.filter((s) => s.intrinsic >= topIntrinsic - INTRINSIC_SLACK);
  const support = anchorSupport(
    anchors,
    pool.map((s) => s.snapshot),
    index,
    TIER2_MIN_ANCHORS,
  );
  if (!support) return undefined;
  const order = pool.map((s, i) => ({ s, support: support[i] })).sort((a, b) => b.support - a.support);
  const [first, runner] = order;
  if (
    runner &&
    first.s.confidence >= minConfidence &&
    first.support >= TIER2_MIN_SUPPORT &&
    first.support - runner.support >= TIER2_SUPPORT_LEAD
  )
    return {
      chosen: first.s,
      runner: runner.s,
      lead: first.s.confidence - runner.s.confidence,
      why: `anchor support ${round(first.support)} against ${round(runner.support)}`,
    };
  return undefined;
}
