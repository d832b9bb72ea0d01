import { betterLooking, lookScore, visualScore, visualWinner, type VisualEvidence } from './visual';

/** Evidence as tier 3 computes it, from a crop and a box similarity (and drawn text when recorded). */
const seen = (selector: string, hash: number, box: number, text?: number): VisualEvidence => ({
  selector,
  score: visualScore({ hash, box, ...(text === undefined ? {} : { text }) }),
  hash,
  box,
  ...(text === undefined ? {} : { text }),
});

describe('tier 3 decision', () => {
  it("takes the twin whose crop matches when the box favours the one left in the target's old place", () => {
    // Combined: 0.949 against 0.839, less than the 0.15 lead; by look alone 1 against 0.813.
    const moved = seen('moved', 1, 0.641);
    const inPlace = seen('in-place', 0.813, 1);
    expect(moved.score - inPlace.score).toBeLessThan(0.15);
    expect(visualWinner([inPlace, moved])?.selector).toBe('moved');
  });

  it('names no winner when neither the score nor the look leads clearly', () => {
    // Look 1 against 0.852: a 0.148 lead, within what one element's crop varies by across renderings.
    expect(visualWinner([seen('moved', 1, 0.641), seen('in-place', 0.852, 1)])).toBeUndefined();
    expect(visualWinner([seen('a', 0.97, 0.6), seen('b', 0.95, 1)])).toBeUndefined();
    expect(visualWinner([seen('far', 0.7, 1)])).toBeUndefined();
  });

  it('counts drawn text in the look, and the box not at all', () => {
    expect(lookScore({ hash: 0.8, text: 1 })).toBeCloseTo(0.9);
    expect(lookScore({ hash: 0.8 })).toBe(0.8);
    expect(lookScore(seen('x', 0.8, 0))).toBe(lookScore(seen('y', 0.8, 1)));
  });

  it("doubts the DOM's pick when a twin looks more like the recording, and not when they look alike", () => {
    const chosen = seen('chosen', 0.852, 1);
    const twin = seen('twin', 1, 0.641);
    expect(betterLooking([chosen, twin], chosen)?.selector).toBe('twin');
    // Look-alikes (a few bits of the hash apart) leave the pick to the DOM.
    const alike = seen('alike', 0.95, 0.641);
    const pick = seen('pick', 0.93, 1);
    expect(betterLooking([pick, alike], pick)).toBeUndefined();
    // The pick that looks best is never doubted.
    expect(betterLooking([twin, chosen], twin)).toBeUndefined();
  });
});
