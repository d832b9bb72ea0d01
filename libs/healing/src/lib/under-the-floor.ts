import type { Scored } from './candidate';
import type { Surroundings } from './surroundings';

/** Least confidence a best wholly in the target's context and clearly ahead is healed at (ADR 127). */
const IN_CONTEXT_FLOOR = 0.5;

/**
 * Under the `minConfidence` floor, a best that sits wholly where the target was (its heading,
 * landmark, form, id'd container, section and menu group, its stable neighbours) and leads by
 * twice the margin: stacked edits of the target itself, not a deleted target's copy, which the
 * context rules and the look-alike claims refuse (ADR 127). `floor`: that of unrecorded
 * look-alikes, which it must still reach.
 */
export function whollyInPlaceUnderTheFloor(
  best: Scored,
  margin: number,
  where: Surroundings,
  o: { readonly minConfidence: number; readonly minMargin: number; readonly floor: number },
): boolean {
  return (
    best.confidence >= IN_CONTEXT_FLOOR &&
    best.confidence < o.minConfidence &&
    best.confidence >= o.floor &&
    margin >= 2 * o.minMargin &&
    where.conflict(best) === 0 &&
    !where.leftSection(best) &&
    !where.leftGroup(best) &&
    !where.leftAnchors(best)
  );
}
