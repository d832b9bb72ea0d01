import { PNG } from 'pngjs';
import {
  betterLooking,
  differenceHash,
  drawnWords,
  hashSimilarity,
  lookScore,
  normalisedHash,
  visualScore,
  visualWinner,
  VISUAL_LEAD,
  type VisualEvidence,
} from './visual';

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

type Rgb = readonly [number, number, number];

/**
 * A button as a screenshot draws it: `size` px square, `pad` px of background around a shape of
 * `size - 2 * pad` px, `inside(u, v)` (u, v in 0..1 across the shape) in `ink` on `paper`.
 */
function button(
  size: number,
  pad: number,
  paper: Rgb,
  ink: Rgb,
  inside: (u: number, v: number) => boolean,
): Uint8Array {
  const png = new PNG({ width: size, height: size });
  const shape = size - 2 * pad;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const [u, v] = [(x - pad + 0.5) / shape, (y - pad + 0.5) / shape];
      const c = u >= 0 && u <= 1 && v >= 0 && v <= 1 && inside(u, v) ? ink : paper;
      png.data.set([...c, 255], (y * size + x) * 4);
    }
  return PNG.sync.write(png);
}

const triangle = (u: number, v: number): boolean => Math.abs(u - 0.5) <= v / 2;
const plus = (u: number, v: number): boolean => Math.abs(u - 0.5) < 0.12 || Math.abs(v - 0.5) < 0.12;
const WHITE: Rgb = [255, 255, 255];
const whole = (size: number) => ({ x: 0, y: 0, width: size, height: size });

describe('normalised look', () => {
  const recorded = normalisedHash(button(60, 10, WHITE, [0, 96, 0], triangle), whole(60)) ?? '';

  it('keeps a shape re-rendered larger, padded otherwise, recoloured or on a dark theme', () => {
    const rerendered = [
      button(69, 10, WHITE, [0, 96, 0], triangle), // 15 % larger button, same padding
      button(60, 16, WHITE, [0, 96, 0], triangle), // smaller icon in the same button
      button(60, 10, WHITE, [31, 111, 235], triangle), // brand colour
      button(52, 6, [43, 43, 43], [221, 221, 221], triangle), // dark theme, smaller
    ];
    for (const png of rerendered) {
      const size = PNG.sync.read(Buffer.from(png)).width;
      expect(hashSimilarity(recorded, normalisedHash(png, whole(size)) ?? '')).toBeGreaterThan(0.9);
    }
    // The raw crop hash loses the same shape on a dark theme.
    const dark = button(52, 6, [43, 43, 43], [221, 221, 221], triangle);
    expect(
      hashSimilarity(differenceHash(button(60, 10, WHITE, [0, 96, 0], triangle)), differenceHash(dark)),
    ).toBeLessThan(0.75);
  });

  it('tells another shape apart by more than a winner needs, whatever its colours', () => {
    for (const png of [
      button(60, 10, WHITE, [0, 96, 0], plus),
      button(60, 10, [43, 43, 43], [221, 221, 221], plus),
    ])
      expect(hashSimilarity(recorded, normalisedHash(png, whole(60)) ?? '')).toBeLessThan(0.9 - VISUAL_LEAD);
  });

  it('reads only the region given, and nothing from a blank one', () => {
    const png = button(60, 10, WHITE, [0, 96, 0], triangle);
    expect(normalisedHash(png, { x: 0, y: 0, width: 8, height: 8 })).toBeUndefined();
    expect(normalisedHash(png, { x: 70, y: 0, width: 10, height: 10 })).toBeUndefined();
    // Device pixels: a 2× screenshot of the same CSS region gives the same look.
    const hi = button(120, 20, WHITE, [0, 96, 0], triangle);
    expect(hashSimilarity(recorded, normalisedHash(hi, whole(60), 2) ?? '')).toBeGreaterThan(0.9);
  });
});

describe('drawn words', () => {
  it('keeps OCR text that holds a word, and drops the stray marks OCR reads in an icon', () => {
    expect(drawnWords({ text: 'Delete' })).toBe('Delete');
    expect(drawnWords({ text: 'OK' })).toBe('OK');
    expect(drawnWords({ text: '+ |' })).toBeUndefined();
    expect(drawnWords({ text: 'x' })).toBeUndefined();
    expect(drawnWords({})).toBeUndefined();
  });
});
