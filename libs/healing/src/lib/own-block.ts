import { LEFT_ANCHORS } from './anchors';
import type { Scored } from './candidate';
import type { Fingerprint } from './fingerprint';
import { percent, type HealedResult } from './result';
import type { ElementSnapshot } from './snapshot';

/**
 * The candidate is now a direct child of one of the elements the target sat in (its parent or
 * an ancestor at most `LEFT_ANCHORS` levels up, not the page's root), found where the recording
 * had it: the same tags and positions from the root down to that ancestor. A redesign that
 * moves a control within its own block (out of a button group into the card, to the other end
 * of its list) re-parents it so; its neighbours' texts change, its block does not (ADR 109).
 */
export function reparentedInOwnBlock(fp: Fingerprint, c: ElementSnapshot): boolean {
  const was = fp.positions;
  if (!was || was.length !== fp.path.length) return false;
  const up = fp.path.length - c.path.length + 1;
  if (up < 1 || up > LEFT_ANCHORS || c.path.length < 4) return false;
  for (let i = 0; i < c.path.length - 1; i++)
    if (c.path[i] !== fp.path[i] || c.positions[i] !== was[i]) return false;
  return true;
}

/** A heal whose element's surroundings are unlike the recorded ones, let through as moved within its own block (ADR 109, 116). */
export function explainedAsMoved(
  result: HealedResult,
  fp: Fingerprint,
  chosen: Scored,
  leftPlace: boolean,
): HealedResult {
  const up = fp.path.length - chosen.snapshot.path.length + 1;
  const where =
    up === 1 ? 'in its old parent' : `in the element it sat in ${up} levels up (at its recorded path)`;
  const changed = leftPlace
    ? `It left its recorded form, container or heading (surroundings ${percent(chosen.context)} alike)`
    : `Its surroundings changed (${percent(chosen.context)} alike)`;
  return {
    ...result,
    explanation: {
      ...result.explanation,
      summary: `${result.explanation.summary} ${changed}, but it moved within its own block: it sits directly ${where} and still meets its stable neighbours.`,
    },
  };
}
