import { LOOKALIKES } from './capture';
import { INTRINSIC_SLACK, type Scored } from './candidate';
import type { Fingerprint } from './fingerprint';
import { similarity, type Features, type Weights } from './score';

const NEAR_PERFECT_BAND = 0.2;
const NEAR_PERFECT_SHARE = 0.3;

/**
 * With a full set of recorded look-alikes, unrecorded elements resembled the target up to the
 * weakest of them: the similarity that one had to the target (0 with fewer look-alikes).
 */
export function unrecordedFloor(
  fp: Fingerprint,
  target: Features,
  lookalikes: readonly Features[],
  weights: Weights,
): number {
  if ((fp.lookalikes?.length ?? 0) < LOOKALIKES) return 0;
  let min = 1;
  for (const l of lookalikes) min = Math.min(min, similarity(target, l, weights));
  return min;
}

/**
 * The lead a heal of `s` needs. Below the `floor` of unrecorded look-alikes, twice the margin.
 * Near-perfect matches need less: what could trail them closely is a copy of the target in
 * another context, and context is what sets them apart.
 */
export function marginFor(s: Scored, floor: number, minMargin: number): number {
  return s.confidence < floor
    ? 2 * minMargin
    : minMargin * Math.min(1, Math.max(NEAR_PERFECT_SHARE, (1 - s.confidence) / NEAR_PERFECT_BAND));
}

/**
 * The near-perfect discount rests on a rival elsewhere; a sibling as like the target in its own
 * attributes differs from the best by its position alone, which a sibling put before the target
 * takes over: it asks the full margin (ADR 100).
 */
export function siblingAsLike(best: Scored, second: Scored | undefined): boolean {
  return (
    second !== undefined &&
    second.snapshot.ancestors[second.snapshot.ancestors.length - 1] ===
      best.snapshot.ancestors[best.snapshot.ancestors.length - 1] &&
    second.intrinsic >= best.intrinsic - INTRINSIC_SLACK
  );
}
