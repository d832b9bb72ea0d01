import { Rng } from '@aether/testing';
import { positionSimilarity, type Steps } from './score';

/** ADR 100's definition over `tag:n` strings, nearest first, as it was written before ADR 118. */
function bySteps(a: Steps, b: Steps): number {
  const steps = (s: Steps): string[] => {
    const out: string[] = [];
    for (let i = s.stepCount - 1; i >= 0; i--) out.push(`${s.path[i]}:${s.positions[i] ?? 0}`);
    return out;
  };
  const x = steps(a);
  const y = steps(b);
  const weight = (k: number): number => 1 / (k + 1);
  const tagOf = (step: string): string => step.slice(0, step.lastIndexOf(':'));
  let num = 0;
  let den = 0;
  for (let k = 0; k < Math.max(x.length, y.length); k++) {
    den += weight(k);
    if (x[k] !== undefined && x[k] === y[k]) num += weight(k);
  }
  if (den === 0) return 1;
  if (y.length === x.length + 1) {
    let shifted = 0;
    for (let k = 2; k < y.length; k++) if (y[k] === x[k - 1]) shifted += weight(k);
    let below = 0;
    let best = 0;
    for (let j = 1; j < y.length; j++) {
      if (j > 1 && y[j] === x[j - 1]) shifted -= weight(j);
      const inWrapper = tagOf(y[j - 1]) === tagOf(x[j - 1]) ? weight(j - 1) : 0;
      best = Math.max(best, below + inWrapper + shifted);
      if (y[j - 1] === x[j - 1]) below += weight(j - 1);
    }
    num = Math.max(num, best);
  }
  return num / den;
}

describe('positionSimilarity (ADR 118: steps compared where they lie)', () => {
  it('equals the definition over step strings on random paths, wrappers and missing positions included', () => {
    const rng = new Rng(118);
    const tags = ['div', 'li', 'ul', 'o:p', 'span'];
    const random = (base?: Steps): Steps => {
      const path: string[] = [];
      const positions: number[] = [];
      const n = rng.int(8);
      for (let i = 0; i < n; i++) {
        const same = base !== undefined && i < base.path.length && rng.chance(0.7);
        path.push(same ? base.path[i] : rng.pick(tags));
        positions.push(same && rng.chance(0.8) ? (base.positions[i] ?? 0) : rng.int(4));
      }
      // A fingerprint without positions, or positions shorter than the path.
      if (rng.chance(0.1)) return { path, positions: [], stepCount: 0 };
      if (rng.chance(0.1)) positions.pop();
      return { path, positions, stepCount: path.length };
    };
    for (let t = 0; t < 20000; t++) {
      const a = random();
      const b = random(a);
      // One level deeper: a wrapper put in somewhere.
      const at = rng.int(b.path.length + 1);
      const wrapped: Steps = {
        path: [...b.path.slice(0, at), 'div', ...b.path.slice(at)],
        positions: [...b.positions.slice(0, at), 1, ...b.positions.slice(at)],
        stepCount: b.stepCount === 0 ? 0 : b.path.length + 1,
      };
      expect(positionSimilarity(a, b)).toBe(bySteps(a, b));
      expect(positionSimilarity(a, wrapped)).toBe(bySteps(a, wrapped));
    }
  });
});
