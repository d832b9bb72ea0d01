import { collectSnapshots } from './collect';
import type { Fingerprint } from './fingerprint';
import { rateSelectorFragility, selectorSuggestions, type FragilityRating } from './fragility';
import { DEFAULT_HEAL_OPTIONS, decide, type HealOptions, type HealResult } from './heal';
import { fingerprintOf } from './capture';
import type { CollectArgs, CollectResult } from './snapshot';
import { packCollect, unpackCollect } from './wire';

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

async function collect(page: PageLike, args: Partial<CollectArgs>): Promise<CollectResult> {
  const json = await page.evaluate<string>(
    `(${PACK_SOURCE})((${COLLECT_SOURCE})(${JSON.stringify({ ...BROWSER_ARGS, ...args })}))`,
  );
  return unpackCollect(json);
}

/**
 * Records the fingerprint (with bounding box and anchors) of the single element
 * `selector` matches; throws `ElementNotFoundError` otherwise.
 */
export async function captureFingerprint(page: PageLike, selector: string): Promise<Fingerprint> {
  return fingerprintOf(await collect(page, { selector }), selector);
}

/**
 * Heals a fingerprint on a live page within `options.budgetMs` (default 400 ms): the
 * recorded selector is `intact`, `healed` to a new unique CSS selector, or `refused`.
 */
export async function healOnPage(
  page: PageLike,
  fingerprint: Fingerprint,
  options: HealOptions = {},
): Promise<HealResult> {
  const start = performance.now();
  const elapsed = (): number => Math.round((performance.now() - start) * 100) / 100;
  const budget = options.budgetMs ?? DEFAULT_HEAL_OPTIONS.budgetMs;
  const collected = await collect(page, { selector: fingerprint.selector, includeTag: fingerprint.tag });
  if (elapsed() > budget) return { status: 'refused', reason: 'timeout', elapsedMs: elapsed() };
  return decide(fingerprint, collected, options, elapsed);
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
