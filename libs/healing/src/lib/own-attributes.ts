import type { Pick, Scored } from './candidate';
import { round } from './result';
import type { Surroundings } from './surroundings';

/** Lead in own attributes that decides between close candidates sharing the target's place. */
const OWN_LEAD = 0.15;
const UNMISTAKABLE = 0.8;
const UNMISTAKABLE_LEAD = 0.25;

/**
 * Close candidates that all sit where the target was (no conflict with its surroundings): their
 * place cannot tell them apart, so their own attributes decide, when the best leads every one of
 * them there by a clear amount (a sibling inserted next to the target, its text different; ADR
 * 96). The runner-up is the first close rival; `margin`, the best's lead over the second.
 */
export function leadsInOwnAttributes(
  best: Scored,
  margin: number,
  closeRivals: () => readonly Scored[],
  where: Surroundings,
): Pick | undefined {
  if (where.conflict(best) > 0) return undefined;
  const close = closeRivals();
  if (close.length === 0) return undefined;
  for (const s of close)
    if (where.conflict(s) > 0 || best.intrinsic - s.intrinsic < OWN_LEAD) return undefined;
  const trailing = close[0];
  return {
    chosen: best,
    runner: trailing,
    lead: margin,
    why: `both sit where the target was; own attributes ${round(best.intrinsic)} against ${round(trailing.intrinsic)}`,
  };
}

/**
 * An element that alone still matches the recorded attributes, whatever its new surroundings
 * (it moved), is the one; its look-alikes only share the old context. `pool`: the best
 * candidates, not claimed by a look-alike.
 */
export function unmistakable(
  pool: readonly Scored[],
  minConfidence: number,
  floor: number,
): Pick | undefined {
  const own = [...pool].sort((a, b) => b.intrinsic - a.intrinsic);
  if (
    own[0].confidence >= minConfidence &&
    own[0].confidence >= floor &&
    own[0].intrinsic >= UNMISTAKABLE &&
    own[0].intrinsic - (own[1]?.intrinsic ?? 0) >= UNMISTAKABLE_LEAD
  )
    return { chosen: own[0], runner: own[1], lead: own[0].confidence - (own[1]?.confidence ?? 0) };
  return undefined;
}
