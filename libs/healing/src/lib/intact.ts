import type { Scored } from './candidate';
import { rateSelectorFragility } from './fragility';

/** The selector's element may trail the best candidate by this much and stay intact. */
const INTACT_TOLERANCE = 0.02;
/** Selectors rated at least this fragile must earn an intact verdict by a clear lead. */
const FRAGILE = 0.3;
/** A sturdy selector whose element still matches its own recorded attributes this well stays in use. */
const OWN_INTACT = 0.9;

/**
 * Whether the element under the recorded selector, `current`, is trusted against the best
 * candidates. A positional selector (nth-child chains and the like) lands on whatever now sits
 * there, so it is only trusted when its element clearly leads; a sturdy one (id, test id, name)
 * keeps the benefit of the doubt against a near-tie.
 */
export function selectorTrusted(
  selector: string,
  current: Scored,
  best: Scored | undefined,
  second: Scored | undefined,
  minMargin: number,
): boolean {
  const leader = best?.confidence ?? 0;
  return rateSelectorFragility(selector).score < FRAGILE
    ? current.confidence >= leader - INTACT_TOLERANCE || current.intrinsic >= OWN_INTACT
    : current === best && current.confidence - (second?.confidence ?? 0) >= minMargin / 2;
}
