import { AnchorIndex, anchorSupport } from './anchors';
import { LOOKALIKES } from './capture';
import type { Fingerprint } from './fingerprint';
import { looksGeneratedId, rateSelectorFragility } from './fragility';
import {
  DEFAULT_WEIGHTS,
  TextCache,
  combine,
  positionSimilarity,
  similarityParts,
  contextCeiling,
  contextSums,
  intrinsicSums,
  prepare,
  scoreBound,
  similarity,
  type Features,
  type Sums,
  type Weights,
} from './score';
import type { BoundingBox, CollectResult, ElementSnapshot } from './snapshot';

/** Tuning knobs of a heal. Every field is optional; defaults in brackets. */
export interface HealOptions {
  /** Confidence the best candidate needs before it replaces the selector [0.6]. */
  readonly minConfidence?: number;
  /** Lead in confidence the best candidate needs over the runner-up [0.1]. */
  readonly minMargin?: number;
  /**
   * Confidence the element under the recorded selector needs for the selector to stay in
   * use; below it the element has drifted too far and the step is healed instead [0.7].
   */
  readonly intactConfidence?: number;
  /** Wall-clock budget for one heal, in milliseconds; past it the heal refuses [400]. */
  readonly budgetMs?: number;
  /** Try Tier 2 (anchors) when Tier 1 is ambiguous [true]. */
  readonly anchors?: boolean;
  /** Override individual attribute weights. */
  readonly weights?: Partial<Weights>;
}

export type HealTier = 1 | 2;

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
  /** A CSS selector matching exactly the healed element. */
  readonly selector: string;
  readonly previousSelector: string;
  readonly tier: HealTier;
  /** Similarity of the healed element to the fingerprint, 0..1. */
  readonly confidence: number;
  /** Confidence lead over the runner-up (the whole confidence when there is none). */
  readonly margin: number;
  readonly runnerUp?: CandidateRef;
  /** Where the healed element is on screen (browser only), for a screenshot crop. */
  readonly bbox?: BoundingBox;
  readonly elapsedMs: number;
}

export type RefusalReason = 'no-candidates' | 'low-confidence' | 'ambiguous' | 'timeout';

/** No element is clearly the recorded one: report "not found" rather than guess. */
export interface RefusedResult {
  readonly status: 'refused';
  readonly reason: RefusalReason;
  readonly best?: CandidateRef;
  readonly runnerUp?: CandidateRef;
  readonly elapsedMs: number;
}

export type HealResult = IntactResult | HealedResult | RefusedResult;

export const DEFAULT_HEAL_OPTIONS = {
  minConfidence: 0.6,
  minMargin: 0.1,
  intactConfidence: 0.7,
  budgetMs: 400,
  anchors: true,
} as const;

const TIER2_POOL = 8;
const TIER2_MIN_SUPPORT = 0.99;
const TIER2_MIN_ANCHORS = 2;
const TIER2_SUPPORT_LEAD = 0.3;
const TIER2_INTRINSIC_SLACK = 0.02;
/** How many of the best candidates are checked against the recorded look-alikes. */
const CLAIM_CHECKS = 20;
/** The selector's element may trail the best candidate by this much and stay intact. */
const INTACT_TOLERANCE = 0.02;
/** Selectors rated at least this fragile must earn an intact verdict by a clear lead. */
const FRAGILE = 0.3;
const NEAR_PERFECT_BAND = 0.2;
const UNMISTAKABLE = 0.8;
const UNMISTAKABLE_LEAD = 0.25;
const NEAR_PERFECT_SHARE = 0.3;

interface Scored {
  readonly snapshot: ElementSnapshot;
  readonly features: Features;
  readonly confidence: number;
  readonly intrinsic: number;
  readonly context: number;
}

/** Landmarks a target does not drift into unnoticed: a copy there is a copy. */
const OUTLYING = new Set(['contentinfo', 'complementary', 'search', 'form', 'dialog']);
/** Context disagreement from which a candidate is another element, however similar. */
const CONFLICT = 1.5;
/** Context disagreement that rules a close rival out when the best agrees fully. */
const CONTEXT_LEAD = 1;
/** Surroundings this unlike the recorded ones make a candidate a copy elsewhere, not the target. */
const STRANGER = 0.35;

/**
 * Which of the fingerprint's surroundings still exist on the page: a candidate outside a
 * heading or landmark that is still there is somewhere else than the target was.
 */
class PageContext {
  private readonly headings = new Set<string>();
  private readonly landmarks = new Set<string>();

  constructor(features: readonly Features[]) {
    for (const f of features) {
      this.headings.add(f.headingText.s);
      this.landmarks.add(f.landmark);
    }
  }

  /**
   * How strongly a candidate's surroundings contradict the recorded ones: 1 for leaving a
   * heading or landmark that is still on the page, ½ for entering an outlying landmark
   * (a footer, a side rail, a search box, another form) the target was not in.
   */
  conflict(fp: Features, c: Features): number {
    let d = 0;
    if (fp.headingText.s && c.headingText.s !== fp.headingText.s && this.headings.has(fp.headingText.s))
      d += 1;
    if (fp.landmark !== c.landmark) {
      const was = fp.landmark.split(':')[0];
      const is = c.landmark.split(':')[0];
      if (was && this.landmarks.has(fp.landmark)) d += is && is !== was ? 1 : 0.5;
      else if (!was && OUTLYING.has(is)) d += 0.5;
    }
    return d;
  }
}

/** The candidate carries the target's own stable identity (test id, id or name): moved, not copied. */
function sameIdentity(fp: Features, c: Features): boolean {
  return (
    (fp.testIds.length > 0 && fp.testIds.some((t) => c.testIds.includes(t))) ||
    (fp.id !== '' && fp.id === c.id && !looksGeneratedId(fp.id)) ||
    (fp.name !== '' && fp.name === c.name && fp.tag === c.tag)
  );
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
const ref = (s: Scored | undefined): CandidateRef | undefined =>
  s ? { selector: s.snapshot.selector, confidence: round(s.confidence) } : undefined;

/**
 * Decides, from the fingerprint and the page's snapshots, whether the recorded selector
 * is intact, which element replaces it, or that none can be trusted. Pure: the clock is
 * injected and only read, to report `elapsedMs` and honour the budget.
 */
export function decide(
  fp: Fingerprint,
  page: CollectResult,
  options: HealOptions,
  elapsed: () => number,
): HealResult {
  const o = { ...DEFAULT_HEAL_OPTIONS, ...options };
  const weights: Weights = { ...DEFAULT_WEIGHTS, ...options.weights };
  const cache = new TextCache();
  const target = prepare(fp, cache);
  const snaps = page.snapshots;
  if (snaps.length === 0) return { status: 'refused', reason: 'no-candidates', elapsedMs: elapsed() };
  const timeout = (): RefusedResult => ({ status: 'refused', reason: 'timeout', elapsedMs: elapsed() });

  // A candidate closer to one of the recorded look-alikes than to the target is that
  // look-alike (still on the page), not the target.
  const lookalikes = (fp.lookalikes ?? []).map((l) => prepare(l, cache));
  const claims = new Map<Scored, boolean>();
  let context: PageContext | undefined;
  const conflicts = new Map<Scored, number>();
  const conflictOf = (s: Scored): number => {
    let c = conflicts.get(s);
    if (c === undefined) {
      context ??= new PageContext(bounded.map((b) => b.features));
      c = context.conflict(target, s.features);
      conflicts.set(s, c);
    }
    return c;
  };
  // Somewhere the target never was, while where it was is still on the page: a copy.
  const outOfContext = (s: Scored): boolean =>
    (conflictOf(s) >= CONFLICT || s.context < STRANGER) && !sameIdentity(target, s.features);
  const claimed = (s: Scored): boolean => {
    let c = claims.get(s);
    if (c === undefined) {
      c =
        outOfContext(s) ||
        lookalikes.some((l) => {
          if (similarity(l, s.features, weights) > s.confidence) return true;
          // A twin whose neighbours changed (say the target next to it was deleted) can look
          // more like the target overall; its own attributes and its exact position still tell.
          const own = similarityParts(l, s.features, weights).intrinsic;
          return (
            own >= s.intrinsic &&
            positionSimilarity(l.steps, s.features.steps) === 1 &&
            positionSimilarity(target.steps, s.features.steps) < 1
          );
        });
      claims.set(s, c);
    }
    return c;
  };

  // Branch and bound: score every candidate's own attributes, bound what its context
  // could add, and score context only while a candidate could still matter.
  const ceiling = contextCeiling(target, weights);
  const bounded: { index: number; features: Features; own: Sums; bound: number }[] = new Array(snaps.length);
  for (let i = 0; i < snaps.length; i++) {
    if ((i & 255) === 255 && elapsed() > o.budgetMs) return timeout();
    const features = prepare(snaps[i], cache);
    const own = intrinsicSums(target, features, weights);
    bounded[i] = { index: i, features, own, bound: scoreBound(own, ceiling, features.visible) };
  }
  bounded.sort((x, y) => y.bound - x.bound);

  const full = new Map<number, Scored>();
  const ranked: Scored[] = [];
  const score = (index: number, features: Features, own: Sums): Scored => {
    let s = full.get(index);
    if (!s) {
      const parts = combine(own, contextSums(target, features, weights), features.visible);
      s = {
        snapshot: snaps[index],
        features,
        confidence: parts.score,
        intrinsic: parts.intrinsic,
        context: parts.context,
      };
      full.set(index, s);
      let lo = 0;
      let hi = ranked.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ranked[mid].confidence >= s.confidence) lo = mid + 1;
        else hi = mid;
      }
      ranked.splice(lo, 0, s);
    }
    return s;
  };
  const eligibleRanked = (n: number): Scored[] => {
    const out: Scored[] = [];
    for (let i = 0; i < ranked.length && out.length < n; i++)
      if (i >= CLAIM_CHECKS || !claimed(ranked[i])) out.push(ranked[i]);
    return out;
  };
  for (let k = 0; k < bounded.length; k++) {
    if ((k & 63) === 63 && elapsed() > o.budgetMs) return timeout();
    const b = bounded[k];
    if (ranked.length >= 2) {
      // Below this bound nothing can displace the best or the runner-up, nor (when the
      // two are close enough for Tier 2) join the Tier 2 pool.
      const [first, runner] = eligibleRanked(2);
      if (
        runner &&
        b.bound < runner.confidence &&
        (first.confidence - runner.confidence >= 2 * o.minMargin ||
          b.bound < first.confidence - 2 * o.minMargin)
      )
        break;
    }
    score(b.index, b.features, b.own);
  }

  const [best, eligibleSecond] = eligibleRanked(2);
  // A copy ruled out by its context still rivals a best whose own context is doubtful:
  // two copies elsewhere are no answer, whichever of them sits further away.
  const rival =
    best && conflictOf(best) > 0
      ? ranked.find(
          (s) => s !== best && outOfContext(s) && s.intrinsic >= best.intrinsic - TIER2_INTRINSIC_SLACK,
        )
      : undefined;
  const second = rival ?? eligibleSecond;
  // With a full set of recorded look-alikes, unrecorded elements resembled the target up
  // to the weakest of them: a candidate below that level must lead by twice the margin.
  const floor = (fp.lookalikes?.length ?? 0) >= LOOKALIKES ? lookalikeFloor(target, lookalikes, weights) : 0;
  // Near-perfect matches need less of a lead: what could trail them closely is a copy
  // of the target in another context, and context is what sets them apart.
  const marginFor = (s: Scored): number =>
    s.confidence < floor
      ? 2 * o.minMargin
      : o.minMargin * Math.min(1, Math.max(NEAR_PERFECT_SHARE, (1 - s.confidence) / NEAR_PERFECT_BAND));

  if (page.selectorError === null && page.matchCount === 1 && page.matched?.length === 1) {
    const m = page.matched[0];
    const features = prepare(snaps[m], cache);
    const current = score(m, features, intrinsicSums(target, features, weights));
    const leader = best?.confidence ?? 0;
    // A positional selector (nth-child chains and the like) lands on whatever now sits
    // there, so it is only trusted when its element clearly leads; a sturdy one (id,
    // test id, name) keeps the benefit of the doubt against a near-tie.
    const trusted =
      rateSelectorFragility(fp.selector).score < FRAGILE
        ? current.confidence >= leader - INTACT_TOLERANCE
        : current === best && current.confidence - (second?.confidence ?? 0) >= o.minMargin / 2;
    if (current.confidence >= o.intactConfidence && trusted && !claimed(current)) {
      return {
        status: 'intact',
        selector: fp.selector,
        confidence: round(current.confidence),
        elapsedMs: elapsed(),
      };
    }
  }
  if (!best) {
    // Candidates existed, but each is a recorded look-alike or sits where the target never was.
    return {
      status: 'refused',
      reason: ranked.length > 0 ? 'low-confidence' : 'no-candidates',
      best: ref(ranked[0]),
      elapsedMs: elapsed(),
    };
  }

  const margin = best.confidence - (second?.confidence ?? 0);
  if (rival) {
    return {
      status: 'refused',
      reason: 'ambiguous',
      best: ref(best),
      runnerUp: ref(rival),
      elapsedMs: elapsed(),
    };
  }
  if (best.confidence >= o.minConfidence && margin >= marginFor(best)) {
    return healed(fp, best, second, 1, best.confidence, margin, elapsed);
  }
  // An element that alone still matches the recorded attributes, whatever its new
  // surroundings (it moved), is the one; its look-alikes only share the old context.
  const own = eligibleRanked(TIER2_POOL).sort((a, b) => b.intrinsic - a.intrinsic);
  if (
    own[0].confidence >= o.minConfidence &&
    own[0].confidence >= floor &&
    own[0].intrinsic >= UNMISTAKABLE &&
    own[0].intrinsic - (own[1]?.intrinsic ?? 0) >= UNMISTAKABLE_LEAD
  ) {
    return healed(
      fp,
      own[0],
      own[1],
      1,
      own[0].confidence,
      own[0].confidence - (own[1]?.confidence ?? 0),
      elapsed,
    );
  }

  if (o.anchors && best.confidence >= o.minConfidence && second) {
    // The best agrees with where the target was (its heading, its landmark) and every
    // close rival contradicts it: context decides what similarity could not.
    const near = eligibleRanked(TIER2_POOL).filter((s) => s.confidence >= best.confidence - 2 * o.minMargin);
    if (conflictOf(best) === 0 && near.slice(1).every((s) => conflictOf(s) >= CONTEXT_LEAD)) {
      return healed(fp, best, second, 2, best.confidence, margin, elapsed);
    }
  }

  if (o.anchors && fp.anchors && fp.anchors.length > 0 && best.confidence >= o.minConfidence) {
    // Anchors may only choose among candidates that match the element itself equally
    // well: the tie they break is about where it sits, never about what it is.
    const near = eligibleRanked(TIER2_POOL).filter((s) => s.confidence >= best.confidence - 2 * o.minMargin);
    const topIntrinsic = Math.max(...near.map((s) => s.intrinsic));
    const pool = near.filter((s) => s.intrinsic >= topIntrinsic - TIER2_INTRINSIC_SLACK);
    const support = anchorSupport(
      fp.anchors,
      pool.map((s) => s.snapshot),
      new AnchorIndex(snaps),
      TIER2_MIN_ANCHORS,
    );
    if (support) {
      // Anchors only break a tie: the winner must keep its recorded relation to the
      // anchors almost exactly while the runner-up clearly does not.
      const order = pool.map((s, i) => ({ s, support: support[i] })).sort((a, b) => b.support - a.support);
      const [first, runner] = order;
      if (
        runner &&
        first.s.confidence >= o.minConfidence &&
        first.support >= TIER2_MIN_SUPPORT &&
        first.support - runner.support >= TIER2_SUPPORT_LEAD
      ) {
        return healed(
          fp,
          first.s,
          runner.s,
          2,
          first.s.confidence,
          first.s.confidence - runner.s.confidence,
          elapsed,
        );
      }
    }
  }

  return {
    status: 'refused',
    reason: best.confidence < o.minConfidence ? 'low-confidence' : 'ambiguous',
    best: ref(best),
    runnerUp: ref(second),
    elapsedMs: elapsed(),
  };
}

/** The similarity the weakest recorded look-alike had to the target. */
function lookalikeFloor(target: Features, lookalikes: readonly Features[], weights: Weights): number {
  let min = 1;
  for (const l of lookalikes) min = Math.min(min, similarity(target, l, weights));
  return min;
}

function healed(
  fp: Fingerprint,
  best: Scored,
  second: Scored | undefined,
  tier: HealTier,
  confidence: number,
  margin: number,
  elapsed: () => number,
): HealedResult {
  const runnerUp = ref(second);
  return {
    status: 'healed',
    selector: best.snapshot.selector,
    previousSelector: fp.selector,
    tier,
    confidence: round(confidence),
    margin: round(margin),
    ...(runnerUp ? { runnerUp } : {}),
    ...(best.snapshot.bbox ? { bbox: best.snapshot.bbox } : {}),
    elapsedMs: elapsed(),
  };
}
