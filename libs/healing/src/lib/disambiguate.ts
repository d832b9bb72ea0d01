import { positionSimilarity, type Features } from './score';

/** What the rules here read of a ranked candidate. */
export interface RankedCandidate {
  readonly features: Features;
  readonly intrinsic: number;
  readonly context: number;
}

/** Context similarity at which a candidate's recorded surroundings are all still around it. */
const IN_PLACE = 0.99;
/** How much better a rival may match the element's own attributes and still be set aside. */
const OWN_SLACK = 0.02;

/** `c` sits under the parent the target was recorded under: the same tags and positions down to it. */
function underRecordedParent(target: Features, c: Features): boolean {
  const levels = target.stepCount - 1;
  if (levels < 0 || c.path.length < levels || c.positions.length < levels) return false;
  for (let i = 0; i < levels; i++)
    if (target.path[i] !== c.path[i] || target.positions[i] !== c.positions[i]) return false;
  return true;
}

/**
 * The best holds the target's recorded place exactly (its position from the root down and all
 * its recorded surroundings), and every close rival — no better in its own attributes — sits
 * under another parent than the recorded one: an element as like the target added elsewhere,
 * not a sibling that could have pushed the target out of its place (ADR 100, 122), which is why
 * a rival under the recorded parent keeps the refusal (ADR 130).
 */
export function heldInPlaceAgainst(
  target: Features,
  best: RankedCandidate,
  rivals: readonly RankedCandidate[],
): boolean {
  if (target.stepCount === 0 || rivals.length === 0) return false;
  if (best.context < IN_PLACE || positionSimilarity(target, best.features) < 1) return false;
  return rivals.every(
    (r) => r.intrinsic <= best.intrinsic + OWN_SLACK && !underRecordedParent(target, r.features),
  );
}

/**
 * A copy ruled out of its context rivals a best whose own context is doubtful (a new heading
 * before it, say) — unless it is a stranger there (context similarity under `stranger`) while
 * the best keeps at least the rest (`1 - stranger`) and contradicts the recorded surroundings no
 * less: the best then agrees with where the target was and the rival does not (ADR 130).
 */
export function strangerBesideInContext(
  best: RankedCandidate,
  rival: RankedCandidate,
  bestConflict: number,
  rivalConflict: number,
  stranger: number,
): boolean {
  return rival.context < stranger && best.context >= 1 - stranger && rivalConflict >= bestConflict;
}
