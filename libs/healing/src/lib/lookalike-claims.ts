import { INTRINSIC_SLACK, type Scored } from './candidate';
import type { Fingerprint } from './fingerprint';
import { listLeftOver, listLevel } from './list-left-over';
import { positionSimilarity, similarityParts, type Features, type Weights } from './score';
import type { ElementSnapshot } from './snapshot';

/** How many of the best candidates are checked against the recorded look-alikes. */
export const CLAIM_CHECKS = 20;

/**
 * Which candidates the recorded look-alikes claim. A candidate closer to one of them than to
 * the target is that look-alike, still on the page, not the target; one somewhere the target
 * never was (`elsewhere`) is claimed outright. Each answer is kept for the rest of the heal.
 */
export class LookalikeClaims {
  private readonly claims = new Map<Scored, boolean>();
  /** Per level of the target's path: the items of its list that no recorded look-alike of that list is. */
  private readonly leftOverAt = new Map<number, ReadonlySet<number>>();

  /** `lookalikes`: the fingerprint's look-alikes, prepared; `featuresAt`: every snapshot's features. */
  constructor(
    private readonly fp: Fingerprint,
    private readonly target: Features,
    private readonly lookalikes: readonly Features[],
    private readonly snaps: readonly ElementSnapshot[],
    private readonly featuresAt: readonly Features[],
    private readonly weights: Weights,
    private readonly elsewhere: (s: Scored) => boolean,
  ) {}

  /**
   * Out of context, or claimed by a look-alike — unless the look-alikes that claim it are items
   * of the target's list and it is the item none of them is, in order (ADR 121).
   */
  claimed(s: Scored): boolean {
    let c = this.claims.get(s);
    if (c === undefined) {
      if (this.elsewhere(s)) c = true;
      else {
        const claimers = (this.fp.lookalikes ?? []).filter((_, i) => this.claimedBy(s, this.lookalikes[i]));
        const j = claimers.length > 0 ? listLevel(this.fp, s.snapshot, claimers) : undefined;
        c = claimers.length > 0 && (j === undefined || !this.leftOver(j).has(s.snapshot.uid));
      }
      this.claims.set(s, c);
    }
    return c;
  }

  /**
   * Candidates ranked above `best` and clearly more like the target in their own attributes,
   * each taken for a recorded look-alike, while fewer look-alikes than they are claim them
   * all: a look-alike is one element, so one of them is not a look-alike — the target with
   * its position shifted (a sibling put before it), or a copy (ADR 100). The one that ranks first.
   */
  overclaimed(best: Scored, ranked: readonly Scored[]): Scored | undefined {
    const taken: Scored[] = [];
    for (let i = 0; i < Math.min(ranked.length, CLAIM_CHECKS) && ranked[i] !== best; i++) {
      const s = ranked[i];
      if (s.intrinsic > best.intrinsic + INTRINSIC_SLACK && !this.elsewhere(s) && this.claimed(s))
        taken.push(s);
    }
    if (taken.length < 2) return undefined;
    const claimers = new Set<number>();
    this.lookalikes.forEach((l, i) => {
      if (taken.some((s) => this.claimedBy(s, l))) claimers.add(i);
    });
    return claimers.size < taken.length ? taken[0] : undefined;
  }

  private claimedBy(s: Scored, l: Features): boolean {
    // A look-alike recorded in another named landmark does not claim a candidate inside the
    // target's own named landmark: the label says where the candidate is, however its new
    // neighbours' words happen to resemble the look-alike's (ADR 102).
    if (inOwnNamedLandmark(this.target, l, s.features)) return false;
    const parts = similarityParts(l, s.features, this.weights);
    if (parts.score > s.confidence) return true;
    // A twin whose neighbours changed (say the target next to it was deleted) can look
    // more like the target overall; its own attributes and its exact position still tell.
    const own = parts.intrinsic;
    return (
      own >= s.intrinsic &&
      positionSimilarity(l, s.features) === 1 &&
      positionSimilarity(this.target, s.features) < 1
    );
  }

  private leftOver(level: number): ReadonlySet<number> {
    let set = this.leftOverAt.get(level);
    if (!set) {
      set = listLeftOver(
        this.fp,
        this.target,
        level,
        this.lookalikes,
        this.snaps,
        this.featuresAt,
        this.weights,
      );
      this.leftOverAt.set(level, set);
    }
    return set;
  }
}

/** In the target's named landmark (one with a label), which the look-alike was not in. */
function inOwnNamedLandmark(target: Features, lookalike: Features, c: Features): boolean {
  return (
    target.landmark.includes(':') && c.landmark === target.landmark && lookalike.landmark !== target.landmark
  );
}
