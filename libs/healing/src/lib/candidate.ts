import { intrinsicSums, type Features, type Weights } from './score';
import type { ElementSnapshot } from './snapshot';

/** A candidate scored against the fingerprint: the whole and the two parts it is made of. */
export interface Scored {
  readonly snapshot: ElementSnapshot;
  readonly features: Features;
  readonly confidence: number;
  readonly intrinsic: number;
  readonly context: number;
}

/** What a rule picked: the element, the rival it beat, its lead, and why the rival lost when the rule says. */
export interface Pick {
  readonly chosen: Scored;
  readonly runner: Scored | undefined;
  readonly lead: number;
  readonly why?: string;
}

/** Own-attribute similarities this close are a tie to the rules that compare them. */
export const INTRINSIC_SLACK = 0.02;

/** How much less like the target a twin may look and still make the place doubtful (ADR 106, 122). */
export const TWIN_SLACK = 0.2;

/** Similarity of two elements' own attributes alone. */
export function ownSimilarity(a: Features, b: Features, weights: Weights): number {
  const own = intrinsicSums(a, b, weights);
  return own.den === 0 ? 1 : own.num / own.den;
}
