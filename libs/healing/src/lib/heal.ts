import { AnchorIndex, anchorSupport, anchorsKept, leftNeighbourhood } from './anchors';
import { LOOKALIKES } from './capture';
import type { ElementFeatures, Fingerprint } from './fingerprint';
import { looksGeneratedId, rateSelectorFragility } from './fragility';
import { strangerBesideInContext } from './disambiguate';
import { chooseProposal } from './proposal';
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
  type SimilarityParts,
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
/** A sturdy selector whose element still matches its own recorded attributes this well stays in use. */
const OWN_INTACT = 0.9;
const NEAR_PERFECT_BAND = 0.2;
const UNMISTAKABLE = 0.8;
const UNMISTAKABLE_LEAD = 0.25;
const NEAR_PERFECT_SHARE = 0.3;
/** Lead in own attributes that decides between close candidates sharing the target's place. */
const OWN_LEAD = 0.15;

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
/** Least confidence a best wholly in the target's context and clearly ahead is healed at (ADR 127). */
const IN_CONTEXT_FLOOR = 0.5;
/**
 * A candidate that meets every stable neighbour of the target (its anchors) this many levels
 * higher than the target did, or only at the page's root, has left the target's neighbourhood.
 */
export const LEFT_ANCHORS = 3;

/**
 * Which of the fingerprint's surroundings still exist on the page: a candidate outside a
 * heading or landmark that is still there is somewhere else than the target was.
 */
class PageContext {
  private readonly headings = new Set<string>();
  /** Every heading of the candidates' outlines: the sections still on the page. */
  private readonly sections = new Set<string>();
  /** Some candidate sits outside every form: the page is not one form as a whole. */
  private outsideForms = false;
  private readonly landmarks = new Set<string>();
  private readonly forms = new Set<string>();
  private readonly containers = new Set<string>();
  /** Every label heading a list some candidate sits in: the menu groups still on the page. */
  private readonly groups = new Set<string>();

  constructor(features: readonly Features[]) {
    for (const f of features) {
      for (const g of f.place?.groups ?? []) this.groups.add(g);
      this.headings.add(f.headingText.s);
      this.landmarks.add(f.landmark);
      if (f.place?.form) this.forms.add(f.place.form);
      else if (f.place) this.outsideForms = true;
      for (const h of f.place?.headings ?? []) this.sections.add(h);
      for (const c of f.place?.containers ?? []) this.containers.add(c);
    }
  }

  /**
   * How strongly a candidate's surroundings contradict the recorded ones: 1 for leaving a
   * heading or landmark that is still on the page, ½ for entering an outlying landmark (a
   * footer, a side rail, a search box, a form) the target was not in. With the context a
   * version 2 fingerprint records: 1½ for leaving the target's form or its id'd container
   * while that is still on the page, 1½ for entering a form from outside any while the page
   * is not one form as a whole (½ when it is), ½ for an outlying landmark anywhere around the
   * candidate; 1½, not 1, for leaving every landmark the target sat in for one of another role.
   */
  conflict(fp: Features, c: Features): number {
    let d = 0;
    if (fp.headingText.s && c.headingText.s !== fp.headingText.s && this.headings.has(fp.headingText.s))
      d += 1;
    let enteredOutlying = false;
    if (fp.landmark !== c.landmark) {
      const wasRole = fp.landmark.split(':')[0];
      const isRole = c.landmark.split(':')[0];
      if (wasRole && this.landmarks.has(fp.landmark))
        d += isRole && isRole !== wasRole ? (leftEveryLandmark(fp, c) ? CONFLICT : 1) : 0.5;
      else if (!wasRole && OUTLYING.has(isRole)) {
        d += 0.5;
        enteredOutlying = true;
      }
    }
    const was = fp.place;
    const is = c.place;
    if (!was || !is) return d;
    let form = 0;
    if (was.form !== is.form && was.form && this.forms.has(was.form)) form = CONFLICT;
    else if (!was.form && is.form) form = this.outsideForms ? CONFLICT : 0.5;
    const container = was.containers[0];
    const left = container && !is.containers.includes(container) && this.containers.has(container);
    d += Math.max(form, left ? CONFLICT : 0);
    const outlying = is.landmarks.some((l) => {
      const role = l.split(':')[0];
      return OUTLYING.has(role) && !was.landmarks.some((w) => w.split(':')[0] === role);
    });
    // Left its landmark *and* entered an outlying one: a footer, a side rail, a search box.
    if (outlying && !enteredOutlying) d += 0.5;
    return d;
  }

  /**
   * The candidate is under another section than the target: its nearest heading is not the
   * recorded one, which is still on the page, and its outline differs above that heading too,
   * at a section heading the page still has (the target's section is there, the candidate is
   * in another one).
   */
  leftSection(fp: Features, c: Features): boolean {
    if (!fp.headingText.s || c.headingText.s === fp.headingText.s || !this.headings.has(fp.headingText.s))
      return false;
    const was = fp.place?.headings ?? [];
    const is = c.place?.headings ?? [];
    return was.slice(0, -1).some((h, i) => is[i] !== h && this.sections.has(h));
  }

  /**
   * The candidate sits in another menu group than the target (fingerprint version 3): it left
   * the group the target was in while that group is still on the page (a sibling submenu, the
   * next column of a mega menu), or it went down into the submenu of another entry of the
   * target's list. A menu regrouped under a new entry in the target's own slot is neither:
   * the candidate's path meets the recorded one down to the target's item.
   */
  leftGroup(fp: Features, c: Features): boolean {
    const was = fp.place?.groups;
    const is = c.place?.groups;
    if (!was || !is) return false;
    const own = was.length > 0 ? is.lastIndexOf(was[was.length - 1]) : -1;
    if (was.length > 0 && own < 0) {
      const movedUp = is.length < was.length && is.every((g, i) => was[i] === g);
      return !movedUp && this.groups.has(was[was.length - 1]);
    }
    // In the target's own group (or a new entry's group wrapped around it): deeper down only.
    if (own === is.length - 1 || is.length === 0) return false;
    return divergesAtOrAbove(fp, c, itemIndex(fp.path));
  }
}

/** Index on `path` of the list item the element sits in (its parent when it is in none). */
function itemIndex(path: readonly string[]): number {
  for (let i = path.length - 2; i >= 0; i--) if (path[i] === 'li') return i;
  return path.length - 2;
}

/** The candidate's path leaves the recorded one (by tag or position) at index `at` or above. */
function divergesAtOrAbove(fp: Features, c: Features, at: number): boolean {
  if (fp.positions.length !== fp.path.length) return false;
  for (let i = 0; i <= at; i++)
    if (c.path[i] !== fp.path[i] || c.positions[i] !== fp.positions[i]) return true;
  return false;
}

/** Not one of the landmarks the target sat in (by role) is around the candidate: a side rail's element now in the main content. */
function leftEveryLandmark(fp: Features, c: Features): boolean {
  const roles = (fp.place?.landmarks ?? [fp.landmark]).map((l) => l.split(':')[0]);
  return (c.place?.landmarks ?? [c.landmark]).every((l) => !roles.includes(l.split(':')[0]));
}

/** In the target's named landmark (one with a label), which the look-alike was not in. */
function inOwnNamedLandmark(target: Features, lookalike: Features, c: Features): boolean {
  return (
    target.landmark.includes(':') && c.landmark === target.landmark && lookalike.landmark !== target.landmark
  );
}

/**
 * What the candidate shares of the target's own identity: its test id or stable id (`strong`:
 * moved, not copied), only its name (`name`: copies keep names too, a newsletter form's
 * `email` field), or nothing.
 */
function sharedIdentity(fp: Features, c: Features): 'strong' | 'name' | 'none' {
  if ((fp.testIds.length > 0 && fp.testIds.some((t) => c.testIds.includes(t))) || keptOwnId(fp, c))
    return 'strong';
  return fp.name !== '' && fp.name === c.name && fp.tag === c.tag ? 'name' : 'none';
}

/**
 * The candidate carries the target's own stable id. A page names one element by an id: the
 * element that still carries it is the target, moved, however far (a copy of a deleted
 * target does not take its id). Test ids are not enough: a component's copies carry them.
 */
function keptOwnId(fp: Features, c: Features): boolean {
  return fp.id !== '' && fp.id === c.id && !looksGeneratedId(fp.id);
}

/**
 * The candidate is now a direct child of one of the elements the target sat in (its parent or
 * an ancestor at most `LEFT_ANCHORS` levels up, not the page's root), found where the recording
 * had it: the same tags and positions from the root down to that ancestor. A redesign that
 * moves a control within its own block (out of a button group into the card, to the other end
 * of its list) re-parents it so; its neighbours' texts change, its block does not (ADR 109).
 */
function reparentedInOwnBlock(fp: Fingerprint, c: ElementSnapshot): boolean {
  const was = fp.positions;
  if (!was || was.length !== fp.path.length) return false;
  const up = fp.path.length - c.path.length + 1;
  if (up < 1 || up > LEFT_ANCHORS || c.path.length < 4) return false;
  for (let i = 0; i < c.path.length - 1; i++)
    if (c.path[i] !== fp.path[i] || c.positions[i] !== was[i]) return false;
  return true;
}

/** The levels at which two positional paths of the same tags differ; `undefined` when their tags differ. */
function differingLevels(
  path: readonly string[],
  positions: readonly number[],
  otherPath: readonly string[],
  otherPositions: readonly number[] | undefined,
): number[] | undefined {
  if (!otherPositions || otherPath.length !== path.length || otherPositions.length !== path.length)
    return undefined;
  const levels: number[] = [];
  for (let i = 0; i < path.length; i++) {
    if (otherPath[i] !== path[i]) return undefined;
    if (otherPositions[i] !== positions[i]) levels.push(i);
  }
  return levels;
}

/**
 * The level of the target's recorded path at which it and the look-alikes that claim the
 * candidate are items of one list (the same tags and positions everywhere else), when the
 * candidate is an item of that list too: at the target's recorded place or in another of the
 * list's slots. `undefined` when they are not one list's items.
 */
function listLevel(
  fp: Fingerprint,
  c: ElementSnapshot,
  claimers: readonly ElementFeatures[],
): number | undefined {
  const was = fp.positions;
  if (!was || was.length !== fp.path.length) return undefined;
  let level: number | undefined;
  for (const l of claimers) {
    const d = differingLevels(fp.path, was, l.path, l.positions);
    if (!d || d.length !== 1 || (level !== undefined && d[0] !== level)) return undefined;
    level = d[0];
  }
  const mine = differingLevels(fp.path, was, c.path, c.positions);
  if (level === undefined || !mine || mine.length > 1 || (mine.length === 1 && mine[0] !== level))
    return undefined;
  return level;
}

/**
 * The items of the target's list (its recorded path with any position at `level`) that none of
 * the list's recorded look-alikes is: each look-alike is one element, matched in document order
 * to the item most like it (order-preserving, the highest total similarity). A list that kept
 * as many items as it had look-alikes leaves none over: the target is gone or elsewhere.
 */
function listLeftOver(
  fp: Fingerprint,
  target: Features,
  level: number,
  lookalikes: readonly Features[],
  snaps: readonly ElementSnapshot[],
  featuresAt: readonly Features[],
  weights: Weights,
): ReadonlySet<number> {
  const was = fp.positions ?? [];
  const recorded: { l: Features; at: number }[] = [];
  // Items count when they are as like the target in their own attributes as its recorded
  // look-alikes in the list were: the list's other items were never look-alikes.
  let like = 1;
  (fp.lookalikes ?? []).forEach((l, i) => {
    const d = differingLevels(fp.path, was, l.path, l.positions);
    if (d && d.length === 1 && d[0] === level) {
      recorded.push({ l: lookalikes[i], at: l.positions?.[level] ?? 0 });
      like = Math.min(like, ownSimilarity(target, lookalikes[i], weights));
    }
  });
  recorded.sort((a, b) => a.at - b.at);
  const items: number[] = [];
  for (let i = 0; i < snaps.length; i++) {
    const d = differingLevels(fp.path, was, snaps[i].path, snaps[i].positions);
    if (d && (d.length === 0 || (d.length === 1 && d[0] === level)))
      if (ownSimilarity(target, featuresAt[i], weights) >= like - TIER2_INTRINSIC_SLACK) items.push(i);
  }
  const n = recorded.length;
  const m = items.length;
  if (m <= n) return new Set();
  // best[a][b]: the highest total similarity of the first a look-alikes matched to the first b items.
  const best: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(-Infinity));
  for (let b = 0; b <= m; b++) best[0][b] = 0;
  for (let a = 1; a <= n; a++)
    for (let b = a; b <= m; b++)
      best[a][b] = Math.max(
        best[a][b - 1],
        best[a - 1][b - 1] + similarity(recorded[a - 1].l, featuresAt[items[b - 1]], weights),
      );
  const over = new Set<number>();
  for (let a = n, b = m; b > 0; b--) {
    if (a > 0 && best[a][b] !== best[a][b - 1]) a--;
    else over.add(snaps[items[b - 1]].uid);
  }
  return over;
}

/** Similarity of two elements' own attributes alone. */
function ownSimilarity(a: Features, b: Features, weights: Weights): number {
  const own = intrinsicSums(a, b, weights);
  return own.den === 0 ? 1 : own.num / own.den;
}

/** Exactly one element of the page carries the id: a page that repeats an id names nothing by it. */
function idIsUnique(id: string, snaps: readonly ElementSnapshot[]): boolean {
  if (id === '') return false;
  let holders = 0;
  for (const s of snaps) if (s.id === id && ++holders > 1) return false;
  return holders === 1;
}

/** Below this, two texts are alike by chance (ADR 110: 99 % of unrelated short texts stay under it). */
const CHANCE_TEXT = 0.5;
const TEXT_ONLY: Weights = Object.fromEntries(
  Object.keys(DEFAULT_WEIGHTS).map((k) => [k, k === 'text' ? 1 : 0]),
) as unknown as Weights;

/**
 * `a` and `b` are siblings of one tag whose own attributes are alike apart from their texts,
 * and neither text is like the recorded one but by chance.
 */
function renamedBesideTwin(target: Features, a: Scored, b: Scored, weights: Weights): boolean {
  if (!target.text.s || a.features.tag !== b.features.tag) return false;
  const pa = a.snapshot.ancestors;
  const pb = b.snapshot.ancestors;
  if (pa[pa.length - 1] !== pb[pb.length - 1]) return false;
  const text = (s: Scored): number => {
    const t = intrinsicSums(target, s.features, TEXT_ONLY);
    return t.den === 0 ? 0 : t.num / t.den;
  };
  if (text(a) >= CHANCE_TEXT || text(b) >= CHANCE_TEXT) return false;
  const textless = { ...weights, text: 0, accessibleName: 0 };
  const own = (s: Scored): number => {
    const t = intrinsicSums(target, s.features, textless);
    return t.den === 0 ? 0 : t.num / t.den;
  };
  return Math.abs(own(a) - own(b)) <= TIER2_INTRINSIC_SLACK;
}

/** How much less like the target a submenu twin may look and still make its new parent entry doubtful. */
const TWIN_SLACK = 0.2;

/**
 * A recorded twin of the target whose place no element holds any more, when the candidate
 * holds the target's: a look-alike under the target's parent, after it, that the candidate is
 * as like in its own attributes as it is like the target, and at whose recorded position
 * (tag and place from the root down) nothing stands now. The run of alike siblings got
 * shorter — the target or a twin left it, or changed its tag — and each one after the gap took
 * the place of the one before: what holds the target's place may be the twin that followed it.
 * Which of them left, the page does not say (ADR 122) — unless the one that left is still in
 * the run, after the candidate, under another tag.
 */
function vacatedTwin(
  target: Features,
  lookalikes: readonly Features[],
  s: Scored,
  snaps: readonly ElementSnapshot[],
  weights: Weights,
): Features | undefined {
  const n = target.stepCount;
  if (n === 0 || positionSimilarity(target, s.features) < 1) return undefined;
  for (const l of lookalikes) {
    if (l.stepCount !== n || l.tag !== target.tag || !sameParent(target, l)) continue;
    if (l.positions[n - 1] <= target.positions[n - 1]) continue;
    if (similarityParts(l, s.features, weights).intrinsic < s.intrinsic - TIER2_INTRINSIC_SLACK) continue;
    if (snaps.some((c) => c.tag === l.tag && c.path.length === n && samePlace(l, c.path, c.positions, n)))
      continue;
    if (!leftAfter(l, s, snaps, weights)) return l;
  }
  return undefined;
}

/**
 * The member that left the run is still in it, after the candidate: a sibling of another tag
 * (a link that became a button) about as like the twin as the candidate is. The run got
 * shorter behind the candidate, so its place is its own.
 */
function leftAfter(twin: Features, s: Scored, snaps: readonly ElementSnapshot[], weights: Weights): boolean {
  const me = s.snapshot;
  const parent = me.ancestors[me.ancestors.length - 1];
  const like = similarityParts(twin, s.features, weights).intrinsic - TWIN_SLACK;
  let after = false;
  for (const c of snaps) {
    if (c.tag === me.tag || c.ancestors.length !== me.ancestors.length) continue;
    if (c.ancestors[c.ancestors.length - 1] !== parent) continue;
    if (similarityParts(twin, prepare(c), weights).intrinsic < like) continue;
    if (c.uid < me.uid) return false;
    after = true;
  }
  return after;
}

/** `b` sits under the same parent as `a`: the same tags and positions down to the level above. */
function sameParent(a: Features, b: Features): boolean {
  return samePlace(a, b.path, b.positions, a.stepCount - 1);
}

/** The first `levels` steps of `a`'s path (tags and positions, from the root) are these. */
function samePlace(
  a: Features,
  path: readonly string[],
  positions: readonly number[],
  levels: number,
): boolean {
  for (let i = 0; i < levels; i++) if (a.path[i] !== path[i] || a.positions[i] !== positions[i]) return false;
  return true;
}

/**
 * The candidate now heads a group that holds an element of the same tag and text: a menu
 * regrouped under a new parent entry named like the target, the target one level down in
 * the new submenu. The entry sits where the target was, so similarity favours it; which of
 * the two the step meant, nothing on the page says. A group's entry comes before what it
 * holds, and right before it: a same-text element earlier under the same parent (a copy put
 * before the target), or one in a later sibling past others (a copy put further down), is not
 * a group the candidate heads.
 */
function headsTwin(
  s: Scored,
  target: Features,
  snaps: readonly ElementSnapshot[],
  features: (index: number) => Features,
  weights: Weights,
): Scored | undefined {
  const me = s.snapshot;
  const parent = me.ancestors[me.ancestors.length - 1];
  const text = s.features.text.s;
  if (parent === undefined || !text) return undefined;
  for (let i = 0; i < snaps.length; i++) {
    const t = snaps[i];
    if (t.uid < me.uid || t.depth <= me.depth || t.tag !== me.tag) continue;
    if (t.ancestors[me.ancestors.length - 1] !== parent) continue;
    if (t.ancestors.includes(me.uid) || !inNextSibling(me, t, snaps)) continue;
    const f = features(i);
    if (f.text.s !== text) continue;
    const parts = combine(intrinsicSums(target, f, weights), contextSums(target, f, weights), f.visible);
    if (parts.intrinsic >= s.intrinsic - TWIN_SLACK)
      return {
        snapshot: t,
        features: f,
        confidence: parts.score,
        intrinsic: parts.intrinsic,
        context: parts.context,
      };
  }
  return undefined;
}

/**
 * `inner` lies in the element right after `me` under their common parent (a group entry's
 * submenu): no element of the page's candidates sits under the parent between the two
 * branches. Elements without candidates (an empty caret, a toggle icon) do not count.
 */
function inNextSibling(
  me: ElementSnapshot,
  inner: ElementSnapshot,
  snaps: readonly ElementSnapshot[],
): boolean {
  const level = me.ancestors.length;
  const parent = me.ancestors[level - 1];
  const branch = inner.ancestors[level] ?? inner.uid;
  for (const s of snaps) {
    if (s.uid <= me.uid || s.uid >= branch || s.ancestors[level - 1] !== parent) continue;
    if (!s.ancestors.includes(me.uid)) return false;
  }
  return true;
}

/** Share of its stable anchors (by stability) the best must still meet where the target did… */
const KEPT_ALL = 0.99;
/** …and the most of them a close rival may meet there, for the anchors to decide between them. */
const KEPT_RIVAL = 0.5;

/**
 * Tier 2 between close candidates (ADR 94): the best still meets every stable neighbour of the
 * target (its anchors: headings, link and button texts, labels) where the target did — under a
 * common ancestor at the same level, on the same side, about as many list items away — while
 * each close rival meets at most half of them so (by stability). The anchors say which of the
 * look-alikes sits where the target was; they never overrule what the element is: a rival whose
 * own attributes match clearly better is not set aside. Returns the rival that kept the most,
 * with both shares.
 */
function anchorsSetApart(
  fp: Fingerprint,
  best: Scored,
  rivals: readonly Scored[],
  index: AnchorIndex,
): { runner: Scored; best: number; rival: number } | undefined {
  if (!fp.anchors || rivals.length === 0) return undefined;
  const keptBy = (s: Scored): number | null =>
    anchorsKept(fp.anchors ?? [], s.snapshot, fp.depth, index, TIER2_MIN_ANCHORS);
  const mine = keptBy(best);
  if (mine === null || mine < KEPT_ALL) return undefined;
  let runner: { s: Scored; kept: number } | undefined;
  for (const s of rivals) {
    if (s.intrinsic > best.intrinsic + TIER2_INTRINSIC_SLACK) return undefined;
    const kept = keptBy(s) ?? 1;
    if (kept > KEPT_RIVAL) return undefined;
    if (!runner || kept > runner.kept) runner = { s, kept };
  }
  return runner && { runner: runner.s, best: mine, rival: runner.kept };
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
const percent = (share: number): string => `${Math.round(share * 100)} %`;
const ref = (s: Scored | undefined): CandidateRef | undefined =>
  s ? { selector: s.snapshot.selector, confidence: round(s.confidence) } : undefined;

/**
 * What a menu's slots decide, not its entries: a regroup styles the new group entry like the
 * entry whose place it took and restyles the moved entry as a group item (Bootstrap's
 * `nav-link` becomes `dropdown-item`), and the group entry holds the place the nested entry's
 * item left. Neither classes nor place tell the two apart.
 */
const SLOTS: Partial<Weights> = { classes: 0, path: 0, position: 0, bbox: 0 };

/**
 * Why the nested entry of a regrouped pair is the target, or `undefined` when nothing says
 * so. Its own attributes match the recording clearly better (ADR 86); or, as well apart from
 * classes, and its neighbours, parent, heading and landmark at least as well (ADR 106): the
 * group entry is followed by its own name, which the recorded element was not, so it is not
 * the recorded element as it was; the nested one may be.
 */
function nestedIsTarget(
  target: Features,
  pair: { head: Scored; nested: Scored },
  weights: Weights,
): string | undefined {
  const { head, nested } = pair;
  if (nested.intrinsic - head.intrinsic > TIER2_INTRINSIC_SLACK)
    return `the new group entry above it took its label only: own attributes ${round(nested.intrinsic)} against ${round(head.intrinsic)}`;
  if (startsWithWord(target.nextText.s, target.text.s)) return undefined;
  const w = { ...weights, ...SLOTS };
  // Visible or not is the slot's too: a collapsed group hides its items.
  const slotless = (f: Features): SimilarityParts =>
    combine(intrinsicSums(target, f, w), contextSums(target, f, w), true);
  const n = slotless(nested.features);
  const h = slotless(head.features);
  if (n.intrinsic < h.intrinsic - TIER2_INTRINSIC_SLACK || n.score < h.score) return undefined;
  return `the new group entry above it is followed by its own name, the target was not; apart from classes and place, which follow the menu's slots: ${round(n.score)} against ${round(h.score)}`;
}

/** `text` begins with `word` as a whole (a word or words): `Home Link` with `Home`, not `Homework`. */
function startsWithWord(text: string, word: string): boolean {
  return word !== '' && text.startsWith(word) && (text.length === word.length || text[word.length] === ' ');
}

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

  // A candidate closer to one of the recorded look-alikes than to the target is that
  // look-alike (still on the page), not the target.
  const lookalikes = (fp.lookalikes ?? []).map((l) => prepare(l, cache));
  const claims = new Map<Scored, boolean>();
  let context: PageContext | undefined;
  const conflicts = new Map<Scored, number>();
  const pageContext = (): PageContext => (context ??= new PageContext(bounded.map((b) => b.features)));
  const conflictOf = (s: Scored): number => {
    let c = conflicts.get(s);
    if (c === undefined) {
      c = pageContext().conflict(target, s.features);
      conflicts.set(s, c);
    }
    return c;
  };
  // Somewhere the target never was, while where it was is still on the page: a copy.
  // Its own identity (test id, id, name) travelling with it says moved, not copied — unless
  // it left every part of its recorded surroundings that is still on the page.
  let anchorIndex: AnchorIndex | undefined;
  const anchorsOnPage = (): AnchorIndex => (anchorIndex ??= new AnchorIndex(snaps, normalised, true));
  // Whether the candidate left the target's stable neighbours (null: none recorded, or none
  // still on the page to tell by).
  const leftRecordedNeighbours = (s: Scored): boolean | null =>
    fp.anchors && fp.anchors.length > 0
      ? leftNeighbourhood(fp.anchors, s.snapshot, fp.depth, anchorsOnPage(), LEFT_ANCHORS)
      : null;
  // Left every stable neighbour the target had: a copy far away, or the target moved there;
  // both look the same, and healing the copy clicks the wrong thing.
  const leftAnchors = (s: Scored): boolean => leftRecordedNeighbours(s) === true;
  // Still meets a stable neighbour of the target about where the target did.
  const keptAnchors = (s: Scored): boolean => leftRecordedNeighbours(s) === false;
  // Unlike neighbours are no copy's mark when the candidate moved within its own block and
  // still meets its stable neighbours where the target did (ADR 109).
  const movedInOwnBlock = (s: Scored): boolean => reparentedInOwnBlock(fp, s.snapshot) && keptAnchors(s);
  let uniqueId: boolean | undefined;
  const outOfContext = (s: Scored): boolean => {
    if (keptOwnId(target, s.features) && (uniqueId ??= idIsUnique(target.id, snaps))) return false;
    const conflict = conflictOf(s);
    const identity = sharedIdentity(target, s.features);
    // Moved up within its own block, it left only what that block holds (a wrapper, a form,
    // an id'd container, the heading before it): a re-layout, not a copy elsewhere (ADR 116).
    if (identity === 'none')
      return (
        (conflict >= CONFLICT ||
          s.context < STRANGER ||
          leftAnchors(s) ||
          // Under another section than the target's (ADR 115).
          pageContext().leftSection(target, s.features) ||
          // In another menu group than the target's (ADR 120).
          pageContext().leftGroup(target, s.features)) &&
        !movedInOwnBlock(s)
      );
    // A shared name excuses changed surroundings, not leaving every stable neighbour.
    return conflict >= 2 * CONFLICT || (identity === 'name' && leftAnchors(s));
  };
  const claimedBy = (s: Scored, l: Features): boolean => {
    // A look-alike recorded in another named landmark does not claim a candidate inside the
    // target's own named landmark: the label says where the candidate is, however its new
    // neighbours' words happen to resemble the look-alike's.
    if (inOwnNamedLandmark(target, l, s.features)) return false;
    const parts = similarityParts(l, s.features, weights);
    if (parts.score > s.confidence) return true;
    // A twin whose neighbours changed (say the target next to it was deleted) can look
    // more like the target overall; its own attributes and its exact position still tell.
    const own = parts.intrinsic;
    return (
      own >= s.intrinsic &&
      positionSimilarity(l, s.features) === 1 &&
      positionSimilarity(target, s.features) < 1
    );
  };
  // Per level of the target's path: the elements of its list that no recorded look-alike of
  // that list is, in order (ADR 121).
  const leftOverAt = new Map<number, ReadonlySet<number>>();
  const leftOver = (j: number): ReadonlySet<number> => {
    let set = leftOverAt.get(j);
    if (!set) {
      set = listLeftOver(fp, target, j, lookalikes, snaps, featuresAt, weights);
      leftOverAt.set(j, set);
    }
    return set;
  };
  const claimed = (s: Scored): boolean => {
    let c = claims.get(s);
    if (c === undefined) {
      if (outOfContext(s)) c = true;
      else {
        const claimers = (fp.lookalikes ?? []).filter((_, i) => claimedBy(s, lookalikes[i]));
        const j = claimers.length > 0 ? listLevel(fp, s.snapshot, claimers) : undefined;
        c = claimers.length > 0 && (j === undefined || !leftOver(j).has(s.snapshot.uid));
      }
      claims.set(s, c);
    }
    return c;
  };
  /**
   * Candidates ranked above `best` and clearly more like the target in their own attributes,
   * each taken for a recorded look-alike, while fewer look-alikes than they are claim them
   * all: a look-alike is one element, so one of them is not a look-alike — the target with
   * its position shifted (a sibling put before it), or a copy. The one that ranks first.
   */
  const overclaimed = (best: Scored): Scored | undefined => {
    const taken: Scored[] = [];
    for (let i = 0; i < Math.min(ranked.length, CLAIM_CHECKS) && ranked[i] !== best; i++) {
      const s = ranked[i];
      if (s.intrinsic > best.intrinsic + TIER2_INTRINSIC_SLACK && !outOfContext(s) && claimed(s))
        taken.push(s);
    }
    if (taken.length < 2) return undefined;
    const claimers = new Set<number>();
    lookalikes.forEach((l, i) => {
      if (taken.some((s) => claimedBy(s, l))) claimers.add(i);
    });
    return claimers.size < taken.length ? taken[0] : undefined;
  };

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
  const vacated = (s: Scored): boolean => vacatedTwin(target, lookalikes, s, snaps, weights) !== undefined;
  const twinOf = (s: Scored): Scored | undefined =>
    headsTwin(s, target, snaps, (i) => featuresAt[i], weights);
  /** A new group entry and the entry of the same name nested under it, whichever ranks first. */
  const regroupedPair = (a: Scored, b: Scored): { head: Scored; nested: Scored } | undefined => {
    if (twinOf(a)?.snapshot.uid === b.snapshot.uid) return { head: a, nested: b };
    if (twinOf(b)?.snapshot.uid === a.snapshot.uid) return { head: b, nested: a };
    return undefined;
  };

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
  // A copy ruled out by its context still rivals a best whose own context is doubtful:
  // two copies elsewhere are no answer, whichever of them sits further away.
  const doubtful = best !== undefined && conflictOf(best) > 0;
  const rivalling = (s: Scored): boolean =>
    s !== best &&
    outOfContext(s) &&
    // …unless the best contradicts far less of it (a new heading above it, say)…
    conflictOf(s) < conflictOf(best) + CONFLICT &&
    s.intrinsic >= best.intrinsic - TIER2_INTRINSIC_SLACK;
  // …or the anchors say the best is still where the target was and the copy is not.
  let kept: boolean | undefined;
  const excused = (s: Scored): boolean => leftAnchors(s) && (kept ??= keptAnchors(best));
  const rival = doubtful ? ranked.find((s) => rivalling(s) && !excused(s)) : undefined;
  const outAnchored = doubtful && !rival ? ranked.find(rivalling) : undefined;
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
        ? current.confidence >= leader - INTACT_TOLERANCE || current.intrinsic >= OWN_INTACT
        : current === best && current.confidence - (second?.confidence ?? 0) >= o.minMargin / 2;
    if (
      current.confidence >= o.intactConfidence &&
      trusted &&
      !claimed(current) &&
      !twinOf(current) &&
      !overclaimed(current) &&
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

  const accept = (
    chosen: Scored,
    runner: Scored | undefined,
    tier: HealTier,
    rule: HealRule,
    lead: number,
    runnerUpWhy?: string,
  ): HealResult => {
    const twin = twinOf(chosen);
    if (twin) return refused('ambiguous', chosen, twin);
    if (vacated(chosen)) return refused('ambiguous', chosen, runner);
    const result = healed(fp, target, weights, chosen, runner, tier, rule, lead, elapsed, runnerUpWhy);
    const movedHere =
      (chosen.context < STRANGER || conflictOf(chosen) >= CONFLICT) &&
      sharedIdentity(target, chosen.features) === 'none' &&
      movedInOwnBlock(chosen);
    return movedHere ? explainedAsMoved(result, fp, chosen, conflictOf(chosen) >= CONFLICT) : result;
  };

  const shifted = overclaimed(best);
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
  /** The runner-up when every close candidate shares the best's place and trails it clearly in own attributes. */
  const trailsInOwnAttributes = (): Scored | undefined => {
    if (!second || best.confidence < o.minConfidence || best.confidence < floor || conflictOf(best) > 0)
      return undefined;
    const close = closeRivals();
    if (close.length === 0) return undefined;
    for (const s of close) if (conflictOf(s) > 0 || best.intrinsic - s.intrinsic < OWN_LEAD) return undefined;
    return close[0];
  };
  const byKeptAnchors = (): HealResult | undefined => {
    if (!o.anchors || best.confidence < o.minConfidence) return undefined;
    const apart = anchorsSetApart(fp, best, closeRivals(), anchorsOnPage());
    return apart
      ? accept(
          best,
          apart.runner,
          2,
          'anchors',
          best.confidence - apart.runner.confidence,
          `it meets its stable anchors where the target did (${percent(apart.best)} by stability), the runner-up ${percent(apart.rival)}`,
        )
      : undefined;
  };
  // Tier 2: every rival copy is a stranger where the target was, and the best keeps the rest of
  // its surroundings; against the others it must lead as any heal does (ADR 130).
  const amongStrangers = (): HealResult | undefined => {
    if (!o.anchors || !rival || best.confidence < o.minConfidence) return undefined;
    const strangers = ranked.filter((s) => rivalling(s) && !excused(s));
    if (!strangers.every((s) => strangerBesideInContext(best, s, conflictOf(best), conflictOf(s), STRANGER)))
      return undefined;
    if (eligibleSecond && best.confidence - eligibleSecond.confidence < marginFor(best)) return undefined;
    return accept(
      best,
      rival,
      2,
      'context',
      best.confidence - rival.confidence,
      `a copy elsewhere (context ${round(rival.context)}) is a stranger where the target was; it keeps ${round(best.context)}`,
    );
  };
  if (rival) {
    const decided = byKeptAnchors() ?? amongStrangers();
    if (decided) return decided;
    return refused('ambiguous', best, rival);
  }
  // A menu regrouped under a new entry that took the target's label: the two share the label
  // and the place. Which is which, their own attributes say (ADR 86), or else what follows
  // a menu's slots and not its entries set aside (ADR 106); against the next candidate the
  // target must still lead as any heal does.
  const pair = second ? regroupedPair(best, second) : undefined;
  const nested = pair && nestedIsTarget(target, pair, weights);
  if (pair && nested) {
    const next = eligibleRanked(3).find((s) => s !== best && s !== second);
    const lead = pair.nested.confidence - (next?.confidence ?? 0);
    if (pair.nested.confidence >= o.minConfidence && lead >= marginFor(pair.nested)) {
      // The margin is reported against the runner-up, the group entry, when it trails.
      return accept(pair.nested, pair.head, 1, 'similarity', pair.nested === best ? margin : lead, nested);
    }
  }
  // The near-perfect discount rests on a rival elsewhere; a sibling as like the target in its
  // own attributes differs from the best by its position alone, which a sibling put before
  // the target takes over: the full margin.
  const sibling =
    second !== undefined &&
    second.snapshot.ancestors[second.snapshot.ancestors.length - 1] ===
      best.snapshot.ancestors[best.snapshot.ancestors.length - 1] &&
    second.intrinsic >= best.intrinsic - TIER2_INTRINSIC_SLACK;
  // Siblings of one tag, alike apart from their texts, whose texts both match the recorded one
  // by chance alone (below ½): a renamed target beside an inserted sibling, and which of the two
  // came in before the other, their place cannot say.
  if (best.confidence >= o.minConfidence && second && renamedBesideTwin(target, best, second, weights))
    return refused('ambiguous', best, second);
  if (
    best.confidence >= o.minConfidence &&
    margin >= (sibling ? Math.max(o.minMargin, marginFor(best)) : marginFor(best))
  ) {
    return accept(
      best,
      second,
      1,
      'similarity',
      margin,
      outAnchored
        ? `a copy as like it (${outAnchored.snapshot.selector}) left every anchor it keeps`
        : undefined,
    );
  }
  // Close candidates that all sit where the target was (no conflict with its surroundings):
  // their place cannot tell them apart, so their own attributes decide, when the best leads
  // every one of them there by a clear amount (a sibling inserted next to the target, its
  // text different). ADR 86 decides a regrouped entry the same way.
  const trailing = trailsInOwnAttributes();
  if (trailing) {
    return accept(
      best,
      trailing,
      1,
      'similarity',
      margin,
      `both sit where the target was; own attributes ${round(best.intrinsic)} against ${round(trailing.intrinsic)}`,
    );
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
    return accept(own[0], own[1], 1, 'unmistakable', own[0].confidence - (own[1]?.confidence ?? 0));
  }

  if (o.anchors && best.confidence >= o.minConfidence && second) {
    // The best agrees with where the target was (its heading, its landmark) and every
    // close rival contradicts it: context decides what similarity could not.
    const near = closeToBest();
    if (conflictOf(best) === 0 && near.slice(1).every((s) => conflictOf(s) >= CONTEXT_LEAD)) {
      return accept(best, second, 2, 'context', margin);
    }
  }

  if (o.anchors && fp.anchors && fp.anchors.length > 0 && best.confidence >= o.minConfidence) {
    // Anchors may only choose among candidates that match the element itself equally
    // well: the tie they break is about where it sits, never about what it is.
    const near = closeToBest();
    const topIntrinsic = Math.max(...near.map((s) => s.intrinsic));
    const pool = near.filter((s) => s.intrinsic >= topIntrinsic - TIER2_INTRINSIC_SLACK);
    const support = anchorSupport(
      fp.anchors,
      pool.map((s) => s.snapshot),
      anchorsOnPage(),
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
        return accept(
          first.s,
          runner.s,
          2,
          'anchors',
          first.s.confidence - runner.s.confidence,
          `anchor support ${round(first.support)} against ${round(runner.support)}`,
        );
      }
    }
  }

  const decided = byKeptAnchors();
  if (decided) return decided;
  // Under the floor, a best that sits wholly where the target was (its heading, landmark, form,
  // id'd container, section and menu group, its stable neighbours), that no recorded look-alike
  // claims, and that leads by twice the margin: stacked edits of the target itself, not a
  // deleted target's copy, which the context rules and the look-alike claims refuse (ADR 127).
  if (
    best.confidence >= IN_CONTEXT_FLOOR &&
    best.confidence < o.minConfidence &&
    best.confidence >= floor &&
    margin >= 2 * o.minMargin &&
    !rival &&
    conflictOf(best) === 0 &&
    !pageContext().leftSection(target, best.features) &&
    !pageContext().leftGroup(target, best.features) &&
    !leftAnchors(best)
  ) {
    return accept(
      best,
      second,
      1,
      'similarity',
      margin,
      `under the ${o.minConfidence} floor, but wholly where the target was and ahead by ${round(margin)}`,
    );
  }
  return refused(best.confidence < o.minConfidence ? 'low-confidence' : 'ambiguous', best, second);
}

/** A heal whose element's surroundings are unlike the recorded ones, let through as moved within its own block (ADR 109, 116). */
function explainedAsMoved(
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

/** The similarity the weakest recorded look-alike had to the target. */
function lookalikeFloor(target: Features, lookalikes: readonly Features[], weights: Weights): number {
  let min = 1;
  for (const l of lookalikes) min = Math.min(min, similarity(target, l, weights));
  return min;
}

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

function healed(
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
