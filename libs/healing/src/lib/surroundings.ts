import { AnchorIndex, LEFT_ANCHORS, leftNeighbourhood } from './anchors';
import type { Scored } from './candidate';
import type { Fingerprint } from './fingerprint';
import { idIsUnique } from './identity';
import { reparentedInOwnBlock } from './own-block';
import { PageContext } from './page-context';
import type { Features } from './score';
import type { ElementSnapshot } from './snapshot';

/**
 * Where each candidate sits against where the target was: how its surroundings contradict the
 * recorded ones, whether it left the target's section, menu group or stable neighbours. Worked
 * out on demand, once per heal.
 */
export class Surroundings {
  private page?: PageContext;
  private readonly conflicts = new Map<Scored, number>();
  private index?: AnchorIndex;
  private uniqueId?: boolean;

  /** `candidates`: every candidate's features, which say what of the recorded surroundings is still on the page. */
  constructor(
    private readonly fp: Fingerprint,
    readonly target: Features,
    private readonly snaps: readonly ElementSnapshot[],
    private readonly candidates: readonly Features[],
    private readonly normalised: (text: string) => string,
  ) {}

  /** How strongly the candidate's surroundings contradict the recorded ones (`PageContext.conflict`). */
  conflict(s: Scored): number {
    let c = this.conflicts.get(s);
    if (c === undefined) {
      c = this.context().conflict(this.target, s.features);
      this.conflicts.set(s, c);
    }
    return c;
  }

  /** Under another section than the target's (ADR 115). */
  leftSection(s: Scored): boolean {
    return this.context().leftSection(this.target, s.features);
  }

  /** In another menu group than the target's (ADR 120). */
  leftGroup(s: Scored): boolean {
    return this.context().leftGroup(this.target, s.features);
  }

  /** The page's anchor index; every candidate's text is normalised for its score, and read there. */
  anchors(): AnchorIndex {
    return (this.index ??= new AnchorIndex(this.snaps, this.normalised, true));
  }

  /**
   * Left every stable neighbour the target had: a copy far away, or the target moved there;
   * both look the same, and healing the copy clicks the wrong thing.
   */
  leftAnchors(s: Scored): boolean {
    return this.leftRecordedNeighbours(s) === true;
  }

  /** Still meets a stable neighbour of the target about where the target did. */
  keptAnchors(s: Scored): boolean {
    return this.leftRecordedNeighbours(s) === false;
  }

  /**
   * Unlike neighbours are no copy's mark when the candidate moved within its own block and
   * still meets its stable neighbours where the target did (ADR 109).
   */
  movedInOwnBlock(s: Scored): boolean {
    return reparentedInOwnBlock(this.fp, s.snapshot) && this.keptAnchors(s);
  }

  /** Exactly one element of the page carries the target's id. */
  targetIdIsUnique(): boolean {
    return (this.uniqueId ??= idIsUnique(this.target.id, this.snaps));
  }

  private context(): PageContext {
    return (this.page ??= new PageContext(this.candidates));
  }

  /** Whether the candidate left the target's stable neighbours (null: none recorded, or none still on the page to tell by). */
  private leftRecordedNeighbours(s: Scored): boolean | null {
    const anchors = this.fp.anchors;
    return anchors && anchors.length > 0
      ? leftNeighbourhood(anchors, s.snapshot, this.fp.depth, this.anchors(), LEFT_ANCHORS)
      : null;
  }
}
