/** What the rule here reads of a ranked candidate: how like the recorded surroundings its own are. */
export interface RankedCandidate {
  readonly context: number;
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
