import { collectSnapshots } from './collect';
import type { Fingerprint } from './fingerprint';
import { rateSelectorFragility, selectorSuggestions, type FragilityRating } from './fragility';
import { DEFAULT_HEAL_OPTIONS, decide, type HealOptions } from './heal';
import type { CandidateRef, HealEvidence, HealExplanation, HealResult, RefusedResult } from './result';
import { fingerprintOf } from './capture';
import { matchedSnapshots, type CollectArgs, type CollectResult, type ElementSnapshot } from './snapshot';
import {
  betterLooking,
  captureVisual,
  drawnWords,
  lookScore,
  visualEvidence,
  visualWinner,
  VISUAL_LEAD,
  VISUAL_MIN,
  type VisualEvidence,
  type VisualOptions,
} from './visual';
import { packCollect, unpackCollect } from './wire';
import {
  chooseProposal,
  firstUniqueCandidate,
  isPlaywrightForm,
  picksOutAlone,
  preferRoleName,
  proposalCandidates,
  playwrightForms,
  rankCandidates,
  type ProposalCandidate,
  wantsRoleName,
} from './proposal';

/**
 * The one thing the browser adapter needs from a Playwright `Page` (or `Frame`), typed
 * structurally so this lib does not depend on Playwright.
 */
export interface PageLike {
  evaluate<R>(expression: string): Promise<R>;
  evaluate<R, Arg>(pageFunction: (arg: Arg) => R | Promise<R>, arg: Arg): Promise<R>;
}

const BROWSER_ARGS: CollectArgs = {
  selector: null,
  includeTag: null,
  maxText: 200,
  maxCandidates: 20000,
  geometry: true,
};

// An expression rather than a function argument, so the result crosses as one string
// (see wire.ts); Playwright evaluates it through the devtools protocol, page CSP aside.
const PACK_SOURCE = packCollect.toString();
const COLLECT_SOURCE = collectSnapshots.toString();
const CANDIDATES_SOURCE = proposalCandidates.toString();
const FIRST_UNIQUE_SOURCE = firstUniqueCandidate.toString();

async function collect(page: PageLike, args: Partial<CollectArgs>): Promise<CollectResult> {
  const json = await page.evaluate<string>(
    `(${PACK_SOURCE})((${COLLECT_SOURCE})(${JSON.stringify({ ...BROWSER_ARGS, ...args })}))`,
  );
  return unpackCollect(json);
}

/** Controls whose empty DOM text is normal (their words are values and placeholders, not pixels). */
const FORM_CONTROLS = new Set(['input', 'select', 'textarea']);

/**
 * Records the fingerprint (with bounding box and anchors) of the single element
 * `selector` matches; throws `ElementNotFoundError` otherwise. With `visual` (tier 3), also
 * how it looks: a crop hash, and OCR text when the element draws its words.
 */
export async function captureFingerprint(
  page: PageLike,
  selector: string,
  options: { readonly visual?: VisualOptions } = {},
): Promise<Fingerprint> {
  const collected = await collect(page, { selector });
  const fingerprint = fingerprintOf(collected, selector);
  if (!options.visual) return fingerprint;
  const drawn = !fingerprint.text && !FORM_CONTROLS.has(fingerprint.tag);
  // The screenshot finds the element with `querySelector`: the role + name form goes by its CSS.
  const css = isPlaywrightForm(selector) ? (matchedSnapshots(collected)[0]?.selector ?? selector) : selector;
  const visual = await captureVisual(options.visual, css, drawn);
  return visual ? { ...fingerprint, visual } : fingerprint;
}

/** Options of a heal on a live page. */
export interface LiveHealOptions extends HealOptions {
  /**
   * Tier 3 (off unless given): when tiers 1 and 2 refuse as ambiguous between two
   * candidates and the fingerprint recorded how the element looked, compare each
   * candidate's screenshot crop, box and (when recorded) OCR text with the recording.
   */
  readonly visual?: VisualOptions;
}

/**
 * Heals a fingerprint on a live page within `options.budgetMs` (default 400 ms): the
 * recorded selector is `intact`, `healed` to a new unique selector, or `refused`.
 */
export async function healOnPage(
  page: PageLike,
  fingerprint: Fingerprint,
  options: LiveHealOptions = {},
): Promise<HealResult> {
  const start = performance.now();
  const elapsed = (): number => Math.round((performance.now() - start) * 100) / 100;
  const budget = options.budgetMs ?? DEFAULT_HEAL_OPTIONS.budgetMs;
  const collected = await collect(page, { selector: fingerprint.selector, includeTag: fingerprint.tag });
  if (elapsed() > budget) return { status: 'refused', reason: 'timeout', elapsedMs: elapsed() };
  const decided = decide(fingerprint, collected, options, elapsed);
  const result = options.visual
    ? await tier3(fingerprint, decided, collected, options.visual, elapsed)
    : decided;
  if (result.status !== 'healed') return result;
  // One round trip: the browser builds the candidates and keeps those that match the element
  // alone (native querySelectorAll is cheap); the ranking happens here.
  const unique = await page.evaluate<ProposalCandidate[]>(
    `((candidates, firstUnique, selector) => candidates(selector).filter((c) => /(^| >> )(role=[a-z]+\\[name\\*=|[a-z][a-z0-9-]*:text-is\\()/.test(c.selector) ||
      firstUnique({ selector, candidates: [c.selector] }) === 0))(${CANDIDATES_SOURCE}, ${FIRST_UNIQUE_SOURCE}, ${JSON.stringify(result.selector)})`,
  );
  const ranked = rankCandidates(unique.filter((c) => !isPlaywrightForm(c.selector)));
  const css = chooseProposal(ranked, ranked.length > 0 ? 0 : -1, result.selector);
  // Playwright forms are checked by the collector's own matcher, the one the next heal resolves them with.
  let picked: string | null = null;
  if (wantsRoleName(css))
    for (const form of playwrightForms(unique)) {
      const found = await collect(page, { selector: form, geometry: false, maxCandidates: 0 });
      if (picksOutAlone(found, result.selector)) {
        picked = form;
        break;
      }
    }
  return { ...result, ...preferRoleName(css, picked), elapsedMs: elapsed() };
}

const VISUAL_BUDGET_MS = 2_000;

/** Twins of a candidate compared by tier 3, at most this many. */
const TWINS = 6;

/**
 * What makes elements twins the DOM cannot tell apart: the same tag, role, text, classes and
 * every attribute tiers 1–2 tell elements apart by except the id (often generated, and the first
 * thing a redesign renames). Two form fields with different names or labels are no twins: a heal
 * between them was decided by the DOM, and a restyle that changed their look is no reason to doubt it.
 */
const twinKey = (x: ElementSnapshot): string =>
  JSON.stringify([
    x.tag,
    x.role,
    x.text,
    x.classes,
    x.type,
    x.name,
    x.ariaLabel,
    x.placeholder,
    x.title,
    x.alt,
    x.labelText,
    x.href,
    x.src,
    x.value,
    x.testIds,
  ]);

/**
 * Tier 3, when the fingerprint recorded how the element looked. It breaks a tie tiers 1
 * and 2 refused as ambiguous, and checks a heal whose element has DOM twins or whose
 * recorded text is drawn: among the candidate and its twins, the one that looks like the
 * recording (crop, box, OCR text) is taken when it is clearly closest; a heal whose drawn
 * text contradicts the recording and that no twin matches better is refused.
 */
async function tier3(
  fp: Fingerprint,
  result: HealResult,
  collected: CollectResult,
  visual: VisualOptions,
  elapsed: () => number,
): Promise<HealResult> {
  const recorded = fp.visual;
  if (!recorded || result.status === 'intact') return result;
  const byId = new Map(collected.snapshots.map((s) => [s.selector, s]));
  const twins = (selector: string): string[] => {
    const s = byId.get(selector);
    if (!s) return [selector];
    const key = twinKey(s);
    return collected.snapshots
      .filter((x) => x.visible && twinKey(x) === key)
      .map((x) => x.selector)
      .slice(0, TWINS);
  };
  let pool: string[];
  let base: CandidateRef;
  if (result.status === 'refused') {
    if (result.reason !== 'ambiguous' || !result.best || !result.runnerUp) return result;
    base = result.best;
    pool = [result.best.selector, result.runnerUp.selector, ...twins(result.best.selector)];
  } else {
    pool = twins(result.selector);
    if (pool.length < 2 && drawnWords(recorded) === undefined) return result;
    base = { selector: result.selector, confidence: result.confidence };
    if (!pool.includes(result.selector)) pool.unshift(result.selector);
  }
  // A heal tier 3 doubts is refused with the DOM's choice as the best.
  const doubted = (explanation: HealExplanation | undefined): RefusedResult => ({
    status: 'refused',
    reason: 'ambiguous',
    best: base,
    ...(explanation ? { explanation } : {}),
    elapsedMs: elapsed(),
  });
  const started = elapsed();
  const budget = visual.budgetMs ?? VISUAL_BUDGET_MS;
  const remaining = (): number => budget - (elapsed() - started);
  const compared = [...new Set(pool)];
  let seen: { evidence: VisualEvidence[]; complete: boolean } | undefined;
  try {
    seen = await visualEvidence(visual, recorded, compared, { remainingMs: remaining });
  } catch {
    // A candidate gone mid-screenshot, a failed OCR: no comparison.
    seen = undefined;
  }
  // Half the candidates seen (or none) is no comparison. A refusal stands; so does a heal of an
  // element without twins. A heal among twins tier 3 was there to check is refused: tiers 1–2
  // could not tell them apart, and a wrong click costs more than a failed step (ADR 101).
  if (!seen?.complete) {
    if (result.status !== 'healed' || compared.length < 2) return result;
    return doubted(uncheckedTwins(compared.length - 1, seen === undefined ? undefined : budget));
  }
  const { evidence } = seen;
  const winner = visualWinner(evidence);
  const mine = result.status === 'healed' ? evidence.find((e) => e.selector === result.selector) : undefined;
  const rival = mine && !winner ? betterLooking(evidence, mine) : undefined;
  if (result.status === 'healed') {
    if (winner?.selector === result.selector) return result;
    // Without a clear winner the heal stands unless its element looks unlike the recording
    // (then it was a guess among twins), draws other words, or a twin looks more like the
    // recording than it does (the DOM's pick was the twin left in the target's place).
    if (!winner && (!mine || (mine.score >= VISUAL_MIN && (mine.text ?? 1) >= 0.5 && !rival))) return result;
  }
  if (!winner) {
    const explanation = visualRefusal(evidence, mine, rival, result.status === 'refused');
    return result.status === 'refused'
      ? { ...result, ...(explanation ? { explanation } : {}), elapsedMs: elapsed() }
      : doubted(explanation);
  }
  const other = evidence.filter((e) => e !== winner).sort((a, b) => b.score - a.score)[0];
  const confidence =
    result.status === 'refused' && winner.selector === result.runnerUp?.selector
      ? result.runnerUp.confidence
      : base.confidence;
  return {
    status: 'healed',
    ...chooseProposal([], -1, winner.selector),
    previousSelector: fp.selector,
    tier: 3,
    confidence,
    margin: Math.round((winner.score - (other?.score ?? 0)) * 1000) / 1000,
    ...(other ? { runnerUp: { selector: other.selector, confidence: base.confidence } } : {}),
    explanation: visualExplanation(winner, other, result.status === 'refused'),
    elapsedMs: elapsed(),
  };
}

/** Why a heal among twins is refused when tier 3 could not compare them (`budgetMs`: it ran out of it; else it failed). */
function uncheckedTwins(twins: number, budgetMs: number | undefined): HealExplanation {
  return {
    rule: 'visual',
    summary:
      `The element tiers 1 and 2 chose has ${twins === 1 ? 'a twin' : `${twins} twins`} the DOM cannot tell apart, and ` +
      (budgetMs === undefined
        ? 'the visual tier could not compare them on screen'
        : `the visual tier ran out of its ${budgetMs} ms before comparing them on screen`) +
      ': refused rather than guessed',
    evidence: [],
  };
}

/** Why tier 3 took none of the candidates it compared; `undefined` when it saw none. */
function visualRefusal(
  evidence: readonly VisualEvidence[],
  mine: VisualEvidence | undefined,
  rival: VisualEvidence | undefined,
  tie: boolean,
): HealExplanation | undefined {
  const best = [...evidence].sort((a, b) => b.score - a.score)[0];
  if (!best) return undefined;
  const pct = (n: number): string => `${Math.round(n * 100)} %`;
  const seen = mine ?? best;
  const drawnOther = mine?.text !== undefined && mine.text < 0.5;
  const why = drawnOther
    ? `it draws other words than the recording (drawn text ${pct(mine.text ?? 0)})`
    : mine && rival && mine.score >= VISUAL_MIN
      ? `a twin looks more like the recording than it does (${rival.selector}: ${pct(lookScore(rival))} ` +
        `against ${pct(lookScore(mine))} by ${mine.text === undefined ? 'crop' : 'crop and drawn text'}; ` +
        `a visual heal needs a ${pct(VISUAL_LEAD)} lead)`
      : `none of the ${evidence.length} looks clearly like the recording (best ${pct(best.score)}; ` +
        `a visual heal needs ${pct(VISUAL_MIN)} and a ${pct(VISUAL_LEAD)} lead)`;
  return {
    rule: 'visual',
    summary: tie
      ? `Tiers 1 and 2 found no clear best among the closest candidates, and on screen ${why}`
      : `The element tiers 1 and 2 chose${evidence.length > 1 ? ' has twins the DOM cannot tell apart, and' : ','} ` +
        `on screen ${why}: refused rather than guessed`,
    evidence: [
      ...(seen.text === undefined ? [] : [{ feature: 'drawn text (OCR)', weight: 6, similarity: seen.text }]),
      { feature: 'screenshot crop', weight: 6, similarity: seen.hash },
      { feature: 'box', weight: 1, similarity: seen.box },
    ],
  };
}

function visualExplanation(
  winner: VisualEvidence,
  other: VisualEvidence | undefined,
  tie: boolean,
): HealExplanation {
  const pct = (n: number): string => `${Math.round(n * 100)} %`;
  const evidence: HealEvidence[] = [
    ...(winner.text === undefined
      ? []
      : [{ feature: 'drawn text (OCR)', weight: 6, similarity: winner.text }]),
    { feature: 'screenshot crop', weight: 6, similarity: winner.hash },
    { feature: 'box', weight: 1, similarity: winner.box },
  ];
  return {
    rule: 'visual',
    summary:
      `${tie ? 'Tiers 1 and 2 found no clear best among the closest candidates' : 'The element the DOM chose has twins the DOM cannot tell apart'}; ` +
      `this one looks like the recording (${pct(winner.score)} visual similarity` +
      (other ? `, the next ${pct(other.score)})` : ')'),
    evidence,
    ...(other
      ? {
          runnerUp: `${other.selector} looked less like the recording: crop ${pct(other.hash)}, box ${pct(other.box)}${other.text === undefined ? '' : `, drawn text ${pct(other.text)}`}`,
        }
      : {}),
  };
}

/**
 * Record-time check: how fragile `selector` is, with a sturdier selector for the same
 * element when one is unique on the page.
 */
export async function rateSelectorOnPage(page: PageLike, selector: string): Promise<FragilityRating> {
  const fingerprint = await captureFingerprint(page, selector);
  const candidates = selectorSuggestions(fingerprint);
  const counts = await page.evaluate(
    (selectors: string[]) =>
      selectors.map((s) => {
        try {
          return document.querySelectorAll(s).length;
        } catch {
          return -1;
        }
      }),
    candidates,
  );
  const unique = new Set(candidates.filter((_, i) => counts[i] === 1));
  return rateSelectorFragility(selector, { fingerprint, isUnique: (s) => unique.has(s) });
}
