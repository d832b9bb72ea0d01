import { INTRINSIC_SLACK, type Scored } from './candidate';
import { DEFAULT_WEIGHTS, intrinsicSums, type Features, type Weights } from './score';

/** Below this, two texts are alike by chance (ADR 110: 99 % of unrelated short texts stay under it). */
const CHANCE_TEXT = 0.5;
const TEXT_ONLY: Weights = Object.fromEntries(
  Object.keys(DEFAULT_WEIGHTS).map((k) => [k, k === 'text' ? 1 : 0]),
) as unknown as Weights;

/**
 * `a` and `b` are siblings of one tag whose own attributes are alike apart from their texts,
 * and neither text is like the recorded one but by chance: a renamed target beside an inserted
 * sibling, and which of the two came in before the other, their place cannot say (ADR 122).
 */
export function renamedBesideTwin(target: Features, a: Scored, b: Scored, weights: Weights): boolean {
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
  return Math.abs(own(a) - own(b)) <= INTRINSIC_SLACK;
}
