import { findAnchors } from './anchors';
import { ElementNotFoundError } from './errors';
import { featuresOf, fingerprintFromSnapshot, type Fingerprint } from './fingerprint';
import { TextCache, prepare, similarity } from './score';
import type { CollectResult, ElementSnapshot } from './snapshot';

const LOOKALIKES = 8;
const LOOKALIKE_FLOOR = 0.45;

/** The fingerprint of the one element the recorded selector matched, with its anchors and look-alikes. */
export function fingerprintOf(collected: CollectResult, selector: string): Fingerprint {
  if (collected.selectorError !== null) throw new ElementNotFoundError(selector, `invalid selector: ${collected.selectorError}`);
  if (collected.matchCount !== 1 || collected.matched?.length !== 1) {
    throw new ElementNotFoundError(selector, `matches ${collected.matchCount} elements, expected exactly one`);
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
  const features = prepare(featuresOf(target), cache);
  return snapshots
    .filter((s) => s.uid !== target.uid)
    .map((s) => ({ s, score: similarity(features, prepare(s, cache)) }))
    .filter((x) => x.score >= LOOKALIKE_FLOOR)
    .sort((a, b) => b.score - a.score)
    .slice(0, LOOKALIKES)
    .map((x) => x.s);
}
