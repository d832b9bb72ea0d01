import type { Fingerprint } from './fingerprint';
import { chooseProposal } from './proposal';
import { contextSums, intrinsicSums, type Features, type Weights } from './score';
import type { Scored } from './candidate';
import type { BoundingBox } from './snapshot';

/** 1: the element's own similarity decided; 2: its context or anchors did; 3: the visual tier. */
export type HealTier = 1 | 2 | 3;

/** Which rule decided a heal (or a refusal). */
export type HealRule = 'similarity' | 'unmistakable' | 'context' | 'anchors' | 'visual';

/** One feature's part in a decision: its weight in the score and its similarity (0..1). */
export interface HealEvidence {
  readonly feature: string;
  readonly weight: number;
  readonly similarity: number;
}

/** Why a heal chose its element: the rule, a sentence, and the evidence that weighed most. */
export interface HealExplanation {
  readonly rule: HealRule;
  /** One sentence a person reads in the job's timeline. */
  readonly summary: string;
  /** The chosen element's strongest agreements with the fingerprint, heaviest first (up to 5). */
  readonly evidence: readonly HealEvidence[];
  /** Its strongest disagreements (similarity below ½), heaviest first (up to 3). */
  readonly against?: readonly HealEvidence[];
  /** What ruled the runner-up out, when one was close. */
  readonly runnerUp?: string;
}

export interface CandidateRef {
  readonly selector: string;
  readonly confidence: number;
}

/** The recorded selector still picks out the recorded element. */
export interface IntactResult {
  readonly status: 'intact';
  readonly selector: string;
  readonly confidence: number;
  readonly elapsedMs: number;
}

/** The selector was broken and a clearly best replacement was found. */
export interface HealedResult {
  readonly status: 'healed';
  /**
   * A selector matching exactly the healed element: the sturdiest unique one found (least
   * fragile by `rateSelectorFragility`), what a workflow patch proposes. CSS, or Playwright's
   * `role=<role>[name*="…"s]` where CSS is a path or names only what a copy shares (ADR 98),
   * after a stable scope and `>>` where the words recur elsewhere (`footer >> role=…`, ADR 114).
   */
  readonly selector: string;
  /** Fragility score of `selector`, 0 (sturdy) … 1. */
  readonly fragility: number;
  /** `selector` is a positional path, the last resort: the next layout change breaks it. */
  readonly structural: boolean;
  readonly previousSelector: string;
  readonly tier: HealTier;
  /** Similarity of the healed element to the fingerprint, 0..1. */
  readonly confidence: number;
  /** Confidence lead over the runner-up (the whole confidence when there is none). */
  readonly margin: number;
  readonly runnerUp?: CandidateRef;
  /** Where the healed element is on screen (browser only), for a screenshot crop. */
  readonly bbox?: BoundingBox;
  /** Which evidence decided. */
  readonly explanation: HealExplanation;
  readonly elapsedMs: number;
}

export type RefusalReason = 'no-candidates' | 'low-confidence' | 'ambiguous' | 'timeout';

/** No element is clearly the recorded one: report "not found" rather than guess. */
export interface RefusedResult {
  readonly status: 'refused';
  readonly reason: RefusalReason;
  readonly best?: CandidateRef;
  readonly runnerUp?: CandidateRef;
  /** Why the best candidate was not taken, when there was one. */
  readonly explanation?: HealExplanation;
  readonly elapsedMs: number;
}

export type HealResult = IntactResult | HealedResult | RefusedResult;

export const round = (n: number): number => Math.round(n * 1000) / 1000;
export const percent = (share: number): string => `${Math.round(share * 100)} %`;
export const ref = (s: Scored | undefined): CandidateRef | undefined =>
  s ? { selector: s.snapshot.selector, confidence: round(s.confidence) } : undefined;

/** The features behind a candidate's score: strongest agreements and disagreements. */
function evidenceOf(
  target: Features,
  c: Features,
  weights: Weights,
): { evidence: HealEvidence[]; against: HealEvidence[] } {
  const all: HealEvidence[] = [];
  const trace = (feature: string, weight: number, s: number): void => {
    all.push({ feature, weight, similarity: round(s) });
  };
  intrinsicSums(target, c, weights, trace);
  contextSums(target, c, weights, trace);
  const evidence = all
    .filter((e) => e.similarity >= 0.5)
    .sort((a, b) => b.weight * b.similarity - a.weight * a.similarity)
    .slice(0, 5);
  const against = all
    .filter((e) => e.similarity < 0.5)
    .sort((a, b) => b.weight * (1 - b.similarity) - a.weight * (1 - a.similarity))
    .slice(0, 3);
  return { evidence, against };
}

const SUMMARY: Record<HealRule, string> = {
  similarity:
    'its own attributes and surroundings match the recording best, clearly ahead of any other element',
  unmistakable: 'it alone still matches the recorded attributes; only its surroundings changed',
  context: 'it sits where the target was (same form, landmark and heading) while its close rivals do not',
  anchors: 'it keeps its recorded position relative to stable neighbours (anchors) while its rivals do not',
  visual: 'the visual tier confirmed it on the rendered page',
};

/** The healed result for `best`, with the evidence that weighed most and why the runner-up lost. */
export function healed(
  fp: Fingerprint,
  target: Features,
  weights: Weights,
  best: Scored,
  second: Scored | undefined,
  tier: HealTier,
  rule: HealRule,
  margin: number,
  elapsed: () => number,
  runnerUpWhy?: string,
): HealedResult {
  const runnerUp = ref(second);
  const proposal = chooseProposal([], -1, best.snapshot.selector);
  const { evidence, against } = evidenceOf(target, best.features, weights);
  return {
    status: 'healed',
    selector: proposal.selector,
    fragility: proposal.fragility,
    structural: proposal.structural,
    previousSelector: fp.selector,
    tier,
    confidence: round(best.confidence),
    margin: round(margin),
    ...(runnerUp ? { runnerUp } : {}),
    ...(best.snapshot.bbox ? { bbox: best.snapshot.bbox } : {}),
    explanation: {
      rule,
      summary: `Healed by ${rule} (tier ${tier}): ${SUMMARY[rule]}.`,
      evidence,
      ...(against.length > 0 ? { against } : {}),
      ...(runnerUpWhy ? { runnerUp: runnerUpWhy } : {}),
    },
    elapsedMs: elapsed(),
  };
}
