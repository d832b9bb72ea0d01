import type { Scored } from './candidate';
import { keptOwnId, sharedIdentity } from './identity';
import { CONFLICT, STRANGER } from './page-context';
import type { Surroundings } from './surroundings';

/**
 * Somewhere the target never was, while where it was is still on the page: a copy (ADR 47).
 * Its own identity (test id, id, name) travelling with it says moved, not copied — unless it
 * left every part of its recorded surroundings that is still on the page. The target's own
 * id, unique on the page, says moved however far (ADR 92).
 */
export function outOfContext(where: Surroundings, s: Scored): boolean {
  const target = where.target;
  if (keptOwnId(target, s.features) && where.targetIdIsUnique()) return false;
  const conflict = where.conflict(s);
  const identity = sharedIdentity(target, s.features);
  // Moved up within its own block, it left only what that block holds (a wrapper, a form,
  // an id'd container, the heading before it): a re-layout, not a copy elsewhere (ADR 116).
  if (identity === 'none')
    return (
      (conflict >= CONFLICT ||
        s.context < STRANGER ||
        // Left every stable neighbour (ADR 74).
        where.leftAnchors(s) ||
        where.leftSection(s) ||
        where.leftGroup(s)) &&
      !where.movedInOwnBlock(s)
    );
  // A shared name excuses changed surroundings, not leaving every stable neighbour.
  return conflict >= 2 * CONFLICT || (identity === 'name' && where.leftAnchors(s));
}
