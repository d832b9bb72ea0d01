import { CLAIM_CHECKS, LookalikeClaims } from './lookalike-claims';
import type { Pick, Scored } from './candidate';
import type { Fingerprint } from './fingerprint';
import { sharedIdentity } from './identity';
import { selectorTrusted } from './intact';
import { marginFor, siblingAsLike, unrecordedFloor } from './margin';
import { outOfContext } from './out-of-context';
import { explainedAsMoved } from './own-block';
import { leadsInOwnAttributes, unmistakable } from './own-attributes';
import { CONFLICT, CONTEXT_LEAD, STRANGER } from './page-context';
import { headsTwin, nestedIsTarget, regroupedPair } from './regrouped-menu';
import { renamedBesideTwin } from './renamed-beside-twin';
import {
  healed,
  ref,
  round,
  type HealResult,
  type HealRule,
  type HealTier,
  type RefusalReason,
  type RefusedResult,
} from './result';
import { rivalCopies } from './rival-copies';
import {
  DEFAULT_WEIGHTS,
  TextCache,
  combine,
  contextCeiling,
  contextSums,
  intrinsicSums,
  prepare,
  scoreBound,
  type Features,
  type Sums,
  type Weights,
} from './score';
import type { CollectResult } from './snapshot';
import { Surroundings } from './surroundings';
import { anchorsBreakTie, anchorsSetApart } from './tier2-anchors';
import { whollyInPlaceUnderTheFloor } from './under-the-floor';
import { vacatedTwin } from './vacated-twin';

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

export const DEFAULT_HEAL_OPTIONS = {
  minConfidence: 0.6,
  minMargin: 0.1,
  intactConfidence: 0.7,
  budgetMs: 400,
  anchors: true,
} as const;

/** How many of the best candidates tier 2 decides between. */
const TIER2_POOL = 8;

/**
 * Decides, from the fingerprint and the page's snapshots, whether the recorded selector
 * is intact, which element replaces it, or that none can be trusted. Pure: the clock is
 * injected and only read, to report `elapsedMs` and honour the budget. The rules live in
 * modules of their own; this is the order they are tried in.
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
  // Every candidate's text is normalised for its score: the anchor index reads them there.
  const normalised = (text: string): string => cache.text(text).s;
  const target = prepare(fp, cache);
  const snaps = page.snapshots;
  const refused = (reason: RefusalReason, chosen?: Scored, rival?: Scored): RefusedResult => ({
    status: 'refused',
    reason,
    ...(chosen ? { best: ref(chosen) } : {}),
    ...(rival ? { runnerUp: ref(rival) } : {}),
    elapsedMs: elapsed(),
  });
  if (snaps.length === 0) return refused('no-candidates');
  const lookalikes = (fp.lookalikes ?? []).map((l) => prepare(l, cache));

  // Branch and bound: score every candidate's own attributes, bound what its context
  // could add, and score context only while a candidate could still matter.
  const ceiling = contextCeiling(target, weights);
  const bounded: { index: number; features: Features; own: Sums; bound: number }[] = new Array(snaps.length);
  const featuresAt: Features[] = new Array(snaps.length);
  for (let i = 0; i < snaps.length; i++) {
    if ((i & 255) === 255 && elapsed() > o.budgetMs) return refused('timeout');
    const features = prepare(snaps[i], cache);
    featuresAt[i] = features;
    const own = intrinsicSums(target, features, weights);
    bounded[i] = { index: i, features, own, bound: scoreBound(own, ceiling, features.visible) };
  }
  bounded.sort((x, y) => y.bound - x.bound);

  const where = new Surroundings(fp, target, snaps, featuresAt, normalised);
  const elsewhere = (s: Scored): boolean => outOfContext(where, s);
  const claims = new LookalikeClaims(fp, target, lookalikes, snaps, featuresAt, weights, elsewhere);
  const vacated = (s: Scored): boolean => vacatedTwin(target, lookalikes, s, snaps, weights) !== undefined;
  const twinOf = (s: Scored): Scored | undefined =>
    headsTwin(s, target, snaps, (i) => featuresAt[i], weights);

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
      if (i >= CLAIM_CHECKS || !claims.claimed(ranked[i])) out.push(ranked[i]);
    return out;
  };
  for (let k = 0; k < bounded.length; k++) {
    if ((k & 63) === 63 && elapsed() > o.budgetMs) return refused('timeout');
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
  const copies = rivalCopies(best, ranked, where, elsewhere);
  const rival = copies.rival;
  const second = rival ?? eligibleSecond;
  const floor = unrecordedFloor(fp, target, lookalikes, weights);

  if (page.selectorError === null && page.matchCount === 1 && page.matched?.length === 1) {
    const m = page.matched[0];
    const features = prepare(snaps[m], cache);
    const current = score(m, features, intrinsicSums(target, features, weights));
    if (
      current.confidence >= o.intactConfidence &&
      selectorTrusted(fp.selector, current, best, second, o.minMargin) &&
      !claims.claimed(current) &&
      !twinOf(current) &&
      !claims.overclaimed(current, ranked) &&
      !vacated(current)
    ) {
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
    return refused(ranked.length > 0 ? 'low-confidence' : 'no-candidates', ranked[0]);
  }

  const accept = ({ chosen, runner, lead, why }: Pick, tier: HealTier, rule: HealRule): HealResult => {
    const twin = twinOf(chosen);
    if (twin) return refused('ambiguous', chosen, twin);
    if (vacated(chosen)) return refused('ambiguous', chosen, runner);
    const result = healed(fp, target, weights, chosen, runner, tier, rule, lead, elapsed, why);
    const movedHere =
      (chosen.context < STRANGER || where.conflict(chosen) >= CONFLICT) &&
      sharedIdentity(target, chosen.features) === 'none' &&
      where.movedInOwnBlock(chosen);
    return movedHere ? explainedAsMoved(result, fp, chosen, where.conflict(chosen) >= CONFLICT) : result;
  };

  const shifted = claims.overclaimed(best, ranked);
  if (shifted) return refused('ambiguous', best, shifted);

  const margin = best.confidence - (second?.confidence ?? 0);
  // The candidates close enough to the best for tier 2 to decide between, the best among them.
  const closeToBest = (): Scored[] =>
    eligibleRanked(TIER2_POOL).filter((s) => s.confidence >= best.confidence - 2 * o.minMargin);
  // The best's close rivals; a rival copy counts among them.
  const closeRivals = (): Scored[] => {
    const near = closeToBest().filter((s) => s !== best);
    return rival && !near.includes(rival) ? [rival, ...near] : near;
  };
  const byKeptAnchors = (): HealResult | undefined => {
    if (!o.anchors || best.confidence < o.minConfidence) return undefined;
    const apart = anchorsSetApart(fp, best, closeRivals(), where.anchors());
    return apart && accept(apart, 2, 'anchors');
  };
  // Against a rival copy: the anchors set the best apart, or every rival copy is a stranger
  // where the target was and the best leads the others as any heal does (ADR 130).
  const amongStrangers = (): HealResult | undefined => {
    if (!o.anchors || best.confidence < o.minConfidence) return undefined;
    if (eligibleSecond && best.confidence - eligibleSecond.confidence < marginFor(best, floor, o.minMargin))
      return undefined;
    const strangers = copies.amongStrangers();
    return strangers && accept(strangers, 2, 'context');
  };
  if (rival) return byKeptAnchors() ?? amongStrangers() ?? refused('ambiguous', best, rival);

  // A menu regrouped under a new entry that took the target's label; against the next
  // candidate the target must still lead as any heal does.
  const pair = second ? regroupedPair(best, second, twinOf) : undefined;
  const nested = pair && nestedIsTarget(target, pair, weights);
  if (pair && nested) {
    const next = eligibleRanked(3).find((s) => s !== best && s !== second);
    const lead = pair.nested.confidence - (next?.confidence ?? 0);
    if (pair.nested.confidence >= o.minConfidence && lead >= marginFor(pair.nested, floor, o.minMargin)) {
      // The margin is reported against the runner-up, the group entry, when it trails.
      const reported = pair.nested === best ? margin : lead;
      return accept({ chosen: pair.nested, runner: pair.head, lead: reported, why: nested }, 1, 'similarity');
    }
  }
  if (best.confidence >= o.minConfidence && second && renamedBesideTwin(target, best, second, weights))
    return refused('ambiguous', best, second);
  const needed = marginFor(best, floor, o.minMargin);
  if (
    best.confidence >= o.minConfidence &&
    margin >= (siblingAsLike(best, second) ? Math.max(o.minMargin, needed) : needed)
  ) {
    const out = copies.outAnchored;
    const why = out ? `a copy as like it (${out.snapshot.selector}) left every anchor it keeps` : undefined;
    return accept({ chosen: best, runner: second, lead: margin, why }, 1, 'similarity');
  }
  const trailing =
    second && best.confidence >= o.minConfidence && best.confidence >= floor
      ? leadsInOwnAttributes(best, margin, closeRivals, where)
      : undefined;
  if (trailing) return accept(trailing, 1, 'similarity');
  const alone = unmistakable(eligibleRanked(TIER2_POOL), o.minConfidence, floor);
  if (alone) return accept(alone, 1, 'unmistakable');

  if (o.anchors && best.confidence >= o.minConfidence && second) {
    // The best agrees with where the target was (its heading, its landmark) and every
    // close rival contradicts it: context decides what similarity could not (ADR 47).
    const near = closeToBest();
    if (where.conflict(best) === 0 && near.slice(1).every((s) => where.conflict(s) >= CONTEXT_LEAD))
      return accept({ chosen: best, runner: second, lead: margin }, 2, 'context');
  }
  if (o.anchors && fp.anchors && fp.anchors.length > 0 && best.confidence >= o.minConfidence) {
    const tie = anchorsBreakTie(fp.anchors, closeToBest(), where.anchors(), o.minConfidence);
    if (tie) return accept(tie, 2, 'anchors');
  }
  const decided = byKeptAnchors();
  if (decided) return decided;
  if (whollyInPlaceUnderTheFloor(best, margin, where, { ...o, floor })) {
    const why = `under the ${o.minConfidence} floor, but wholly where the target was and ahead by ${round(margin)}`;
    return accept({ chosen: best, runner: second, lead: margin, why }, 1, 'similarity');
  }
  return refused(best.confidence < o.minConfidence ? 'low-confidence' : 'ambiguous', best, second);
}
