import { INTRINSIC_SLACK, type Pick, type Scored } from './candidate';
import { strangerBesideInContext } from './disambiguate';
import { CONFLICT, STRANGER } from './page-context';
import { round } from './result';
import type { Surroundings } from './surroundings';

/** The copies elsewhere that rival the best, and the one the anchors set aside. */
export interface RivalCopies {
  /** The first rival copy the anchors do not excuse: the best is not healed against it by similarity. */
  readonly rival: Scored | undefined;
  /** With no rival, the first copy the anchors excused: a heal says why it was set aside. */
  readonly outAnchored: Scored | undefined;
  /**
   * Tier 2 (ADR 130): every rival copy is a stranger where the target was and the best keeps
   * the rest of its surroundings; the best, against the rival.
   */
  amongStrangers(): Pick | undefined;
}

/**
 * A copy ruled out by its context still rivals a best whose own context is doubtful: two
 * copies elsewhere are no answer, whichever of them sits further away (ADR 47) — unless the
 * best contradicts far less of it (a new heading above it, say), or the anchors say the best is
 * still where the target was and the copy is not (ADR 87).
 */
export function rivalCopies(
  best: Scored | undefined,
  ranked: readonly Scored[],
  where: Surroundings,
  elsewhere: (s: Scored) => boolean,
): RivalCopies {
  if (!best || where.conflict(best) <= 0)
    return { rival: undefined, outAnchored: undefined, amongStrangers: () => undefined };
  const rivalling = (s: Scored): boolean =>
    s !== best &&
    elsewhere(s) &&
    where.conflict(s) < where.conflict(best) + CONFLICT &&
    s.intrinsic >= best.intrinsic - INTRINSIC_SLACK;
  let kept: boolean | undefined;
  const excused = (s: Scored): boolean => where.leftAnchors(s) && (kept ??= where.keptAnchors(best));
  const rival = ranked.find((s) => rivalling(s) && !excused(s));
  return {
    rival,
    outAnchored: rival ? undefined : ranked.find(rivalling),
    amongStrangers: () => {
      if (!rival) return undefined;
      const strangers = ranked.filter((s) => rivalling(s) && !excused(s));
      if (
        !strangers.every((s) =>
          strangerBesideInContext(best, s, where.conflict(best), where.conflict(s), STRANGER),
        )
      )
        return undefined;
      return {
        chosen: best,
        runner: rival,
        lead: best.confidence - rival.confidence,
        why: `a copy elsewhere (context ${round(rival.context)}) is a stranger where the target was; it keeps ${round(best.context)}`,
      };
    },
  };
}
