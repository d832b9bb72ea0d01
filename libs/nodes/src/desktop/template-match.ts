/** A grayscale image, one float per pixel (0–255), row by row. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

export interface TemplateMatch {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Zero-normalised cross-correlation in [−1, 1]; for a flat template, 1 − RMS difference / 255. */
  readonly confidence: number;
}

/** Pixels as 8-bit channels (`channels` per pixel, `stride` bytes per row) in RGB or BGR order. */
export function toGray(
  image: { width: number; height: number; data: Uint8Array; channels: number; stride?: number },
  order: 'rgb' | 'bgr',
): GrayImage {
  const { width, height, data, channels } = image;
  const stride = image.stride ?? width * channels;
  const [r, b] = order === 'rgb' ? [0, 2] : [2, 0];
  const gray = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * stride + x * channels;
      gray[y * width + x] =
        channels < 3
          ? (data[i] ?? 0)
          : 0.299 * (data[i + r] ?? 0) + 0.587 * (data[i + 1] ?? 0) + 0.114 * (data[i + b] ?? 0);
    }
  }
  return { width, height, data: gray };
}

function cropGray(image: GrayImage, left: number, top: number): GrayImage {
  const width = image.width - left;
  const height = image.height - top;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    data.set(
      image.data.subarray((y + top) * image.width + left, (y + top) * image.width + left + width),
      y * width,
    );
  return { width, height, data };
}

function downscale(image: GrayImage, factor: number): GrayImage {
  if (factor === 1) return image;
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const data = new Float32Array(width * height);
  const area = factor * factor;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = (y * factor + dy) * image.width + x * factor;
        for (let dx = 0; dx < factor; dx++) sum += image.data[row + dx] ?? 0;
      }
      data[y * width + x] = sum / area;
    }
  }
  return { width, height, data };
}

/** Summed-area tables of values and squares, one row and column larger than the image. */
function integrals(image: GrayImage): { sum: Float64Array; squares: Float64Array } {
  const w = image.width + 1;
  const sum = new Float64Array(w * (image.height + 1));
  const squares = new Float64Array(w * (image.height + 1));
  for (let y = 0; y < image.height; y++) {
    let rowSum = 0;
    let rowSquares = 0;
    for (let x = 0; x < image.width; x++) {
      const v = image.data[y * image.width + x] ?? 0;
      rowSum += v;
      rowSquares += v * v;
      sum[(y + 1) * w + x + 1] = (sum[y * w + x + 1] ?? 0) + rowSum;
      squares[(y + 1) * w + x + 1] = (squares[y * w + x + 1] ?? 0) + rowSquares;
    }
  }
  return { sum, squares };
}

/** Scores every position of `needle` in `haystack` (or those `positions` lists). */
function score(
  haystack: GrayImage,
  needle: GrayImage,
  tables: { sum: Float64Array; squares: Float64Array },
  positions?: Iterable<[number, number]>,
): { x: number; y: number; confidence: number }[] {
  const n = needle.width * needle.height;
  let needleSum = 0;
  for (const v of needle.data) needleSum += v;
  const mean = needleSum / n;
  const centred = needle.data.map((v) => v - mean);
  let needleEnergy = 0;
  for (const v of centred) needleEnergy += v * v;
  const flat = needleEnergy < 1e-6 * n;
  const w = haystack.width + 1;
  const box = (table: Float64Array, x: number, y: number) =>
    (table[(y + needle.height) * w + x + needle.width] ?? 0) -
    (table[y * w + x + needle.width] ?? 0) -
    (table[(y + needle.height) * w + x] ?? 0) +
    (table[y * w + x] ?? 0);

  const all = function* (): Generator<[number, number]> {
    for (let y = 0; y + needle.height <= haystack.height; y++)
      for (let x = 0; x + needle.width <= haystack.width; x++) yield [x, y];
  };
  const results: { x: number; y: number; confidence: number }[] = [];
  for (const [x, y] of positions ?? all()) {
    if (x < 0 || y < 0 || x + needle.width > haystack.width || y + needle.height > haystack.height) continue;
    const sum = box(tables.sum, x, y);
    const squares = box(tables.squares, x, y);
    if (flat) {
      const ssd = Math.max(0, squares - 2 * mean * sum + n * mean * mean);
      results.push({ x, y, confidence: 1 - Math.sqrt(ssd / n) / 255 });
      continue;
    }
    const energy = squares - (sum * sum) / n;
    if (energy < 1e-6 * n) {
      results.push({ x, y, confidence: 0 });
      continue;
    }
    let cross = 0;
    for (let ty = 0; ty < needle.height; ty++) {
      const hRow = (y + ty) * haystack.width + x;
      const nRow = ty * needle.width;
      for (let tx = 0; tx < needle.width; tx++)
        cross += (haystack.data[hRow + tx] ?? 0) * (centred[nRow + tx] ?? 0);
    }
    results.push({ x, y, confidence: cross / Math.sqrt(energy * needleEnergy) });
  }
  return results;
}

/**
 * Finds `needle` in `haystack`: a coarse search on images shrunk so the needle is about
 * eight pixels on its short side, then a full-resolution search around the best coarse
 * candidates. Returns the best match at or above `minConfidence`.
 */
export function findTemplate(
  haystack: GrayImage,
  needle: GrayImage,
  minConfidence: number,
): TemplateMatch | undefined {
  if (
    needle.width > haystack.width ||
    needle.height > haystack.height ||
    needle.width === 0 ||
    needle.height === 0
  )
    return undefined;
  const factor = Math.max(1, Math.min(4, Math.floor(Math.min(needle.width, needle.height) / 8)));
  const fullTables = integrals(haystack);
  let candidates: [number, number][];
  if (factor === 1) {
    candidates = [];
  } else {
    const small = downscale(haystack, factor);
    const smallTables = integrals(small);
    // The needle may sit at any offset from the shrunk grid: search each phase of it, so a
    // crop taken at an odd position is not lost to misaligned averaging.
    const coarse: { x: number; y: number; confidence: number }[] = [];
    for (let oy = 0; oy < factor; oy++) {
      for (let ox = 0; ox < factor; ox++) {
        const phase = downscale(cropGray(needle, ox, oy), factor);
        if (phase.width === 0 || phase.height === 0) continue;
        for (const c of score(small, phase, smallTables)) {
          coarse.push({ x: c.x * factor - ox, y: c.y * factor - oy, confidence: c.confidence });
        }
      }
    }
    coarse.sort((a, b) => b.confidence - a.confidence);
    const picked: { x: number; y: number }[] = [];
    for (const c of coarse) {
      if (picked.length >= 8) break;
      if (picked.some((p) => Math.abs(p.x - c.x) < 2 * factor && Math.abs(p.y - c.y) < 2 * factor)) continue;
      picked.push(c);
    }
    candidates = picked.flatMap((p) => {
      const around: [number, number][] = [];
      for (let dy = -factor; dy <= factor; dy++)
        for (let dx = -factor; dx <= factor; dx++) around.push([p.x + dx, p.y + dy]);
      return around;
    });
  }
  const fine = score(haystack, needle, fullTables, factor === 1 ? undefined : candidates);
  let best: { x: number; y: number; confidence: number } | undefined;
  for (const r of fine) if (best === undefined || r.confidence > best.confidence) best = r;
  if (best === undefined || best.confidence < minConfidence) return undefined;
  return {
    x: best.x,
    y: best.y,
    width: needle.width,
    height: needle.height,
    confidence: Math.min(1, best.confidence),
  };
}
