import { findAnchors } from './anchors';
import { ElementNotFoundError } from './errors';
import { featuresOf, fingerprintFromSnapshot, type Fingerprint } from './fingerprint';
import { TextCache, combine, contextCeiling, contextSums, intrinsicSums, prepare, scoreBound } from './score';
import type { CollectResult, ElementSnapshot } from './snapshot';

/** Look-alikes a fingerprint keeps at most; a heal that finds the list full knows more exist. */
export const LOOKALIKES = 16;
const LOOKALIKE_FLOOR = 0.45;

/** The fingerprint of the one element the recorded selector matched, with its anchors and look-alikes. */
export function fingerprintOf(collected: CollectResult, selector: string): Fingerprint {
  if (collected.selectorError !== null)
    throw new ElementNotFoundError(selector, `invalid selector: ${collected.selectorError}`);
  if (collected.matchCount !== 1 || collected.matched?.length !== 1) {
    throw new ElementNotFoundError(
      selector,
      `matches ${collected.matchCount} elements, expected exactly one`,
    );
  }
  const target = collected.snapshots[collected.matched[0]];
  return fingerprintFromSnapshot(target, selector, {
    anchors: findAnchors(target, collected.snapshots),
    lookalikes: lookalikesOf(target, collected.snapshots),
  });
}

/** The elements of the recording page most similar to the target. */
function lookalikesOf(target: ElementSnapshot, snapshots: readonly ElementSnapshot[]): ElementSnapshot[] {
  const cache = new TextCache();
  const fp = prepare(featuresOf(target), cache);
  const ceiling = contextCeiling(fp);
  // Same bound as in a heal: only candidates whose attributes leave room to make the
  // list get their context scored.
  const bounded = snapshots
    .filter((s) => s.uid !== target.uid)
    .map((s) => {
      const features = prepare(s, cache);
      const own = intrinsicSums(fp, features);
      return { s, features, own, bound: scoreBound(own, ceiling, features.visible) };
    })
    .sort((a, b) => b.bound - a.bound);
  const top: { s: ElementSnapshot; score: number }[] = [];
  for (const b of bounded) {
    const floor = top.length >= LOOKALIKES ? top[LOOKALIKES - 1].score : LOOKALIKE_FLOOR;
    if (b.bound < floor) break;
    const score = combine(b.own, contextSums(fp, b.features), b.features.visible).score;
    if (score < floor) continue;
    top.push({ s: b.s, score });
    top.sort((x, y) => y.score - x.score || x.s.uid - y.s.uid);
    if (top.length > LOOKALIKES) top.pop();
  }
  return top.map((x) => x.s);
}
