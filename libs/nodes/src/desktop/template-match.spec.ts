import fc from 'fast-check';
import { findTemplate, toGray, type GrayImage } from './template-match';

function noise(width: number, height: number, seed: number): GrayImage {
  let state = seed >>> 0 || 1;
  const data = new Float32Array(width * height).map(() => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state >>> 24;
  });
  return { width, height, data };
}

function crop(image: GrayImage, x: number, y: number, width: number, height: number): GrayImage {
  const data = new Float32Array(width * height);
  for (let row = 0; row < height; row++)
    data.set(
      image.data.subarray((y + row) * image.width + x, (y + row) * image.width + x + width),
      row * width,
    );
  return { width, height, data };
}

// Each search scans a whole synthetic screen; generous under a busy parallel run.
jest.setTimeout(30_000);

describe('findTemplate', () => {
  it('finds any crop of a random screen at its exact position', () => {
    const screen = noise(320, 200, 7);
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 60 }),
        fc.integer({ min: 4, max: 40 }),
        fc.nat(),
        fc.nat(),
        (w, h, px, py) => {
          const x = px % (screen.width - w);
          const y = py % (screen.height - h);
          expect(findTemplate(screen, crop(screen, x, y, w, h), 0.99)).toMatchObject({
            x,
            y,
            width: w,
            height: h,
          });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('tolerates small brightness changes but not a different picture', () => {
    const screen = noise(200, 120, 3);
    const needle = crop(screen, 50, 40, 32, 24);
    const brighter = { ...needle, data: needle.data.map((v) => Math.min(255, v * 0.9 + 10)) };
    expect(findTemplate(screen, brighter, 0.95)).toMatchObject({ x: 50, y: 40 });
    expect(findTemplate(screen, noise(32, 24, 99), 0.95)).toBeUndefined();
    expect(findTemplate(screen, noise(300, 24, 1), 0.5)).toBeUndefined();
  });

  it('finds a flat patch by its colour', () => {
    const screen = noise(100, 100, 5);
    for (let y = 60; y < 80; y++) screen.data.fill(17, y * 100 + 10, y * 100 + 40);
    const patch = { width: 30, height: 20, data: new Float32Array(600).fill(17) };
    expect(findTemplate(screen, patch, 0.99)).toMatchObject({ x: 10, y: 60, confidence: 1 });
  });

  it('converts RGB(A) and BGR(A) pixels with row padding to the same gray', () => {
    const rgba = toGray(
      {
        width: 1,
        height: 2,
        data: new Uint8Array([255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 255]),
        channels: 4,
        stride: 8,
      },
      'rgb',
    );
    const bgra = toGray(
      {
        width: 1,
        height: 2,
        data: new Uint8Array([0, 0, 255, 255, 0, 0, 0, 0, 255, 0, 0, 255]),
        channels: 4,
        stride: 8,
      },
      'bgr',
    );
    expect(Array.from(rgba.data)).toEqual(Array.from(bgra.data));
    expect(rgba.data[0]).toBeCloseTo(76.245, 2);
  });
});
