import { PNG } from 'pngjs';
import type { BoundingBox } from './snapshot';

/** Format of `Fingerprint.visual`; readers ignore versions they do not know (the heal just has no tier 3). */
export const VISUAL_VERSION = 1;

/**
 * What the element looked like when it was recorded (browser capture only): where it sat,
 * a perceptual hash of a small screenshot crop around it, and the text OCR read in that
 * crop when the element draws its text (canvas, image, SVG) instead of holding it in the DOM.
 */
export interface VisualFingerprint {
  readonly v: typeof VISUAL_VERSION;
  /** Viewport box of the element in CSS pixels. */
  readonly bbox: BoundingBox;
  /** Viewport size at record time, to compare positions across window sizes. */
  readonly viewport: { readonly width: number; readonly height: number };
  /** 256-bit difference hash (64 hex digits) of the crop: bbox plus `CROP_PADDING` on each side. */
  readonly cropHash: string;
  /**
   * 256-bit difference hash of the element's normalised look (`lookHash`): its content box,
   * as distance from its own background colour, cut to the ink and stretched to full contrast.
   * Absent in fingerprints recorded before it existed (tier 3 then compares `cropHash`).
   */
  readonly lookHash?: string;
  /** OCR text of the crop, recorded only when the element's DOM text is empty. */
  readonly text?: string;
}

/**
 * A Playwright `Page` as tier 3 needs it: screenshots and `evaluate`, typed structurally.
 * (A `Frame` cannot take screenshots; tier 3 works on a page's main frame.)
 */
export interface ScreenshotPage {
  screenshot(options: { clip: BoundingBox; type?: 'png'; timeout?: number }): Promise<Uint8Array>;
  evaluate<R>(expression: string): Promise<R>;
}

/** Reads the text drawn in a PNG (OCR); `@aether/ocr` in the robot. */
export type ReadText = (png: Uint8Array) => Promise<string>;

/** Tier 3 options: off unless given, since it needs a rendered page. */
export interface VisualOptions {
  readonly page: ScreenshotPage;
  /** OCR, used only when the fingerprint recorded drawn text (or, at capture, to record it). */
  readonly readText?: ReadText;
  /** Wall-clock budget for tier 3 alone, in milliseconds [2000]: screenshots and OCR are slow. */
  readonly budgetMs?: number;
}

/** Pixels of context around the element in the crop. */
export const CROP_PADDING = 8;
/** Visual similarity a tier 3 winner needs (0..1). */
export const VISUAL_MIN = 0.75;
/** Lead in visual similarity a tier 3 winner needs over the runner-up. */
export const VISUAL_LEAD = 0.15;
/**
 * Lead in look (crop and drawn text, not place) by which a twin that looks more like the
 * recording than the element the DOM chose makes tier 3 refuse that heal: half a winner's lead.
 */
export const VISUAL_DOUBT = VISUAL_LEAD / 2;

/** The crop rectangle for a box: padded, clipped to the viewport; `null` when nothing of it is on screen. */
export function cropOf(box: BoundingBox, viewport: { width: number; height: number }): BoundingBox | null {
  const x = Math.max(0, Math.floor(box.x - CROP_PADDING));
  const y = Math.max(0, Math.floor(box.y - CROP_PADDING));
  const right = Math.min(viewport.width, Math.ceil(box.x + box.width + CROP_PADDING));
  const bottom = Math.min(viewport.height, Math.ceil(box.y + box.height + CROP_PADDING));
  return right - x >= 4 && bottom - y >= 4 ? { x, y, width: right - x, height: bottom - y } : null;
}

/**
 * 256-bit difference hash of a PNG: grey levels on a 17×16 grid (box-averaged), one bit
 * per horizontal neighbour pair. Insensitive to scale and small shifts; another label or
 * icon flips many bits (a 64-bit hash is too coarse to tell two short words apart).
 */
export function differenceHash(png: Uint8Array): string {
  return differenceHashOf(PNG.sync.read(Buffer.from(png)));
}

/** A decoded PNG: RGBA bytes, row by row. */
type Raster = Pick<PNG, 'width' | 'height' | 'data'>;

function differenceHashOf(img: Raster): string {
  return hashOfGrey(img.width, img.height, (x, y) => {
    const i = (y * img.width + x) * 4;
    return 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2];
  });
}

/** The difference hash of a grey raster (levels 0..255), `level(x, y)` for 0 ≤ x < width, 0 ≤ y < height. */
function hashOfGrey(width: number, height: number, level: (x: number, y: number) => number): string {
  const cols = 17;
  const rows = 16;
  const grey = new Array<number>(cols * rows).fill(0);
  for (let gy = 0; gy < rows; gy++) {
    const y0 = Math.floor((gy * height) / rows);
    const y1 = Math.max(y0 + 1, Math.floor(((gy + 1) * height) / rows));
    for (let gx = 0; gx < cols; gx++) {
      const x0 = Math.floor((gx * width) / cols);
      const x1 = Math.max(x0 + 1, Math.floor(((gx + 1) * width) / cols));
      let sum = 0;
      let n = 0;
      for (let y = y0; y < Math.min(y1, height); y++)
        for (let x = x0; x < Math.min(x1, width); x++) {
          sum += level(x, y);
          n++;
        }
      grey[gy * cols + gx] = n > 0 ? sum / n : 0;
    }
  }
  let hex = '';
  for (let gy = 0; gy < rows; gy++) {
    for (let half = 0; half < 2; half++) {
      let byte = 0;
      for (let gx = half * 8; gx < half * 8 + 8; gx++)
        byte = (byte << 1) | (grey[gy * cols + gx] > grey[gy * cols + gx + 1] + 1 ? 1 : 0);
      hex += byte.toString(16).padStart(2, '0');
    }
  }
  return hex;
}

/** Ink below this share of the strongest ink is anti-aliasing or texture, not the element's shape. */
const INK_EDGE = 0.25;
/** Content whose strongest ink stays under this (RGB distance from the background, 0..441) is blank. */
const INK_MIN = 24;

/**
 * The difference hash of an element's look with what a re-rendering changes taken out: only its
 * content box (`region`, in CSS pixels of the crop; `scale` device pixels per CSS pixel), each
 * pixel as its colour distance from the content's background (its most common colour), so a
 * colour change or a dark theme keeps the shape; cut to the ink's bounding box, so size, padding
 * and position in the box do not count; stretched to full contrast. `undefined` when the content
 * box is blank or off the crop.
 */
export function normalisedHash(png: Uint8Array, region: BoundingBox, scale = 1): string | undefined {
  return normalisedHashOf(PNG.sync.read(Buffer.from(png)), region, scale);
}

function normalisedHashOf(img: Raster, region: BoundingBox, scale: number): string | undefined {
  const x0 = Math.max(0, Math.round(region.x * scale));
  const y0 = Math.max(0, Math.round(region.y * scale));
  const x1 = Math.min(img.width, Math.round((region.x + region.width) * scale));
  const y1 = Math.min(img.height, Math.round((region.y + region.height) * scale));
  if (x1 - x0 < 2 || y1 - y0 < 2) return undefined;
  const rgb = (x: number, y: number): [number, number, number] => {
    const i = (y * img.width + x) * 4;
    return [img.data[i], img.data[i + 1], img.data[i + 2]];
  };
  const counts = new Map<number, { n: number; sum: [number, number, number] }>();
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const [r, g, b] = rgb(x, y);
      const key = ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
      const c = counts.get(key) ?? { n: 0, sum: [0, 0, 0] };
      c.n++;
      c.sum[0] += r;
      c.sum[1] += g;
      c.sum[2] += b;
      counts.set(key, c);
    }
  let mode = { n: 0, sum: [0, 0, 0] as [number, number, number] };
  for (const c of counts.values()) if (c.n > mode.n) mode = c;
  const bg = mode.sum.map((v) => v / mode.n);
  const w = x1 - x0;
  const ink = new Float32Array(w * (y1 - y0));
  let strongest = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const [r, g, b] = rgb(x, y);
      const d = Math.hypot(r - bg[0], g - bg[1], b - bg[2]);
      ink[(y - y0) * w + (x - x0)] = d;
      strongest = Math.max(strongest, d);
    }
  if (strongest < INK_MIN) return undefined;
  let [left, top, right, bottom] = [w, y1 - y0, -1, -1];
  for (let y = 0; y < y1 - y0; y++)
    for (let x = 0; x < w; x++)
      if (ink[y * w + x] >= INK_EDGE * strongest) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
  return hashOfGrey(
    right - left + 1,
    bottom - top + 1,
    (x, y) => (255 * ink[(top + y) * w + left + x]) / strongest,
  );
}

/**
 * Agreement of two crop hashes, 0..1: 1 for equal bits everywhere, 0 at half the bits
 * differing, what two unrelated images give.
 */
export function hashSimilarity(a: string, b: string): number {
  if (a.length !== 64 || b.length !== 64) return 0;
  let differ = 0;
  for (let i = 0; i < 64; i += 4) {
    let x = parseInt(a.slice(i, i + 4), 16) ^ parseInt(b.slice(i, i + 4), 16);
    while (x) {
      differ += x & 1;
      x >>>= 1;
    }
  }
  return Math.max(0, 1 - (2 * differ) / 256);
}

/** How much of two boxes' geometry agrees, 0..1: centre distance against the viewport, and size. */
export function boxSimilarity(
  a: BoundingBox,
  b: BoundingBox,
  viewport: { width: number; height: number },
): number {
  const dx = a.x + a.width / 2 - (b.x + b.width / 2);
  const dy = a.y + a.height / 2 - (b.y + b.height / 2);
  const diagonal = Math.hypot(viewport.width, viewport.height) || 1;
  const place = Math.exp(-Math.hypot(dx, dy) / (0.1 * diagonal));
  const ratio = (p: number, q: number): number => (Math.max(p, q) > 0 ? Math.min(p, q) / Math.max(p, q) : 1);
  const size = ratio(a.width, b.width) * ratio(a.height, b.height);
  return (2 * place + size) / 3;
}

const words = (s: string): string[] =>
  s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);

/** Word overlap of two OCR readings (Dice), 0..1; OCR noise makes exact equality too strict. */
export function textSimilarity(a: string, b: string): number {
  const x = words(a);
  const y = new Set(words(b));
  if (x.length === 0 && y.size === 0) return 1;
  if (x.length === 0 || y.size === 0) return 0;
  const common = x.filter((w) => y.has(w)).length;
  return (2 * common) / (x.length + y.size);
}

/** What tier 3 saw of one candidate. */
export interface VisualEvidence {
  readonly selector: string;
  /** Combined visual similarity to the recording, 0..1. */
  readonly score: number;
  readonly hash: number;
  readonly box: number;
  /** OCR agreement, when the fingerprint recorded drawn text. */
  readonly text?: number;
}

/**
 * Visual similarity of a candidate: the crop counts six times the box (an element that
 * moved still looks the same; one in the old place may be another), OCR text as much as the crop.
 */
export function visualScore(parts: { hash: number; box: number; text?: number }): number {
  const weighted: [number, number][] = [
    [parts.hash, 6],
    [parts.box, 1],
  ];
  if (parts.text !== undefined) weighted.push([parts.text, 6]);
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  return weighted.reduce((s, [v, w]) => s + v * w, 0) / total;
}

/**
 * How much a candidate looks like the recording, its place aside: crop and drawn text only.
 * Twins that swapped places put the box on the wrong one's side; the look moves with the element.
 */
export function lookScore(e: Pick<VisualEvidence, 'hash' | 'text'>): number {
  return e.text === undefined ? e.hash : (e.hash + e.text) / 2;
}

/** The first of `evidence` by `measure`, when it reaches `VISUAL_MIN` and leads every other by `VISUAL_LEAD`. */
function clearlyFirst(
  evidence: readonly VisualEvidence[],
  measure: (e: VisualEvidence) => number,
): VisualEvidence | undefined {
  const [first, second] = [...evidence].sort((a, b) => measure(b) - measure(a));
  if (!first || measure(first) < VISUAL_MIN) return undefined;
  if (second && measure(first) - measure(second) < VISUAL_LEAD) return undefined;
  return first;
}

/**
 * The candidate tier 3 chooses, given each one's evidence: the visually closest when it is
 * close to the recording and clearly closer than every other, by the combined score or by
 * its look alone (a twin left in the target's old place must not outweigh the target's own
 * crop with its box); otherwise none. The two cannot name different winners: the box weighs
 * less in the score than a `VISUAL_LEAD` in look.
 */
export function visualWinner(evidence: readonly VisualEvidence[]): VisualEvidence | undefined {
  return clearlyFirst(evidence, (e) => e.score) ?? clearlyFirst(evidence, lookScore);
}

/**
 * The twin that looks more like the recording than `chosen` (the DOM's pick) by at least
 * `VISUAL_DOUBT`, when there is one: tier 3 then doubts the DOM's pick even without a winner.
 */
export function betterLooking(
  evidence: readonly VisualEvidence[],
  chosen: VisualEvidence,
): VisualEvidence | undefined {
  const [best] = evidence
    .filter((e) => e.selector !== chosen.selector)
    .sort((a, b) => lookScore(b) - lookScore(a));
  return best && lookScore(best) - lookScore(chosen) >= VISUAL_DOUBT ? best : undefined;
}

interface Shot {
  readonly bbox: BoundingBox;
  readonly viewport: { width: number; height: number };
  readonly png: Uint8Array;
  /** `differenceHash` of the crop. */
  readonly crop: string;
  /** `normalisedHash` of the element's content box in the crop; `undefined` when blank. */
  readonly look: string | undefined;
}

/** Where the page keeps, between two round trips, the scroll positions a shot moved (a symbol: no page name). */
const SCROLLED = `Symbol.for('aether.healing.scrolled')`;

/**
 * The element's geometry, in the page: `box` where it sits now (off screen too), `shown` and
 * `content` where it is on screen for the screenshot. An element not wholly in the viewport or
 * clipped by a scrolling ancestor is scrolled to the middle first (instantly, whatever the page's
 * `scroll-behavior`); the positions moved are kept under `SCROLLED` with the shot's number, for
 * `RESTORE_SOURCE`. A shot whose number was cancelled (tier 3 stopped waiting for it) does not scroll.
 */
const REVEAL_SOURCE = `((selector, shot) => {
  const el = document.querySelector(selector); if (!el) return null;
  const geometry = () => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    const px = (p) => parseFloat(cs.getPropertyValue(p)) || 0;
    const l = px('border-left-width'), t = px('border-top-width');
    const w = r.width - l - px('border-right-width'), h = r.height - t - px('border-bottom-width');
    return { box: { x: r.x, y: r.y, width: r.width, height: r.height },
             content: w >= 2 && h >= 2 ? { x: r.x + l, y: r.y + t, width: w, height: h }
                                       : { x: r.x, y: r.y, width: r.width, height: r.height } }; };
  const before = geometry(); const b = before.box;
  const inside = (c) => b.x >= c.x - 1 && b.y >= c.y - 1 && b.x + b.width <= c.x + c.width + 1 && b.y + b.height <= c.y + c.height + 1;
  let whole = b.width > 0 && b.height > 0 && inside({ x: 0, y: 0, width: innerWidth, height: innerHeight });
  for (let a = el.parentElement; whole && a && a !== document.documentElement && a !== document.body; a = a.parentElement) {
    const cs = getComputedStyle(a);
    if (cs.overflowX !== 'visible' || cs.overflowY !== 'visible') whole = inside(a.getBoundingClientRect());
  }
  const viewport = { width: innerWidth, height: innerHeight };
  if (whole || b.width === 0 || b.height === 0 || window[${SCROLLED}]?.cancelled === shot)
    return { box: b, shown: b, content: before.content, viewport, scrolled: false };
  const saved = [];
  for (let a = el.parentElement; a; a = a.parentElement) saved.push([a, a.scrollLeft, a.scrollTop]);
  el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
  const moved = saved.filter(([a, x, y]) => a.scrollLeft !== x || a.scrollTop !== y)
    .map(([a, x, y]) => ({ a, x, y, nowX: a.scrollLeft, nowY: a.scrollTop }));
  if (moved.length > 0) (window[${SCROLLED}] ??= {}).moved = { shot, moved };
  const after = geometry();
  return { box: b, shown: after.box, content: after.content, viewport, scrolled: moved.length > 0 };
})`;

/**
 * Scrolls back what shot `shot` scrolled, each container only if nothing else moved it since
 * (the workflow's own scrolling wins), and forgets it; with `cancel`, a shot of that number that
 * has not scrolled yet will not.
 */
const RESTORE_SOURCE = `((shot, cancel) => {
  if (cancel) (window[${SCROLLED}] ??= {}).cancelled = shot;
  const state = window[${SCROLLED}]; const kept = state?.moved; if (!kept || kept.shot !== shot) return;
  delete state.moved;
  for (const m of kept.moved.reverse())
    if (Math.abs(m.a.scrollLeft - m.nowX) < 1 && Math.abs(m.a.scrollTop - m.nowY) < 1)
      m.a.scrollTo({ left: m.x, top: m.y, behavior: 'instant' });
})`;

let shots = 0;

/** How long tier 3 waits past its budget for the page to scroll back from a shot it stopped waiting for. */
const RESTORE_WAIT_MS = 250;

/**
 * A crop of the element `selector` matches, as it looks on screen; `null` when it has no box (not
 * rendered). An element off screen is scrolled into view for the screenshot and the page scrolled
 * back after it (`shot.restore` does it at once, for a shot tier 3 stopped waiting for); `bbox` is
 * where it sat before, off screen too.
 */
function shoot(
  page: ScreenshotPage,
  selector: string,
): { done: Promise<Shot | null>; restore(): Promise<void> } {
  const id = ++shots;
  const restore = (cancel: boolean): Promise<void> =>
    page.evaluate<void>(`${RESTORE_SOURCE}(${id}, ${cancel})`).catch(() => undefined);
  const done = (async (): Promise<Shot | null> => {
    const geometry = await page.evaluate<{
      box: BoundingBox;
      shown: BoundingBox;
      content: BoundingBox;
      viewport: { width: number; height: number };
      scrolled: boolean;
    } | null>(`${REVEAL_SOURCE}(${JSON.stringify(selector)}, ${id})`);
    if (!geometry) return null;
    try {
      const clip = cropOf(geometry.shown, geometry.viewport);
      if (!clip) return null;
      const png = await page.screenshot({ clip, type: 'png', timeout: 2_000 });
      const round = (b: BoundingBox): BoundingBox => ({
        x: Math.round(b.x),
        y: Math.round(b.y),
        width: Math.round(b.width),
        height: Math.round(b.height),
      });
      const { content } = geometry;
      const img = PNG.sync.read(Buffer.from(png));
      const look = normalisedHashOf(
        img,
        { x: content.x - clip.x, y: content.y - clip.y, width: content.width, height: content.height },
        img.width / clip.width,
      );
      return {
        bbox: round(geometry.box),
        viewport: geometry.viewport,
        png,
        crop: differenceHashOf(img),
        look,
      };
    } finally {
      if (geometry.scrolled) await restore(false);
    }
  })();
  return { done, restore: () => restore(true) };
}

/**
 * The recorded drawn text when it holds a word (two letters or digits or more): OCR of an icon
 * reads strokes as stray marks ("+", "x", "|"), which are no words and change with every
 * re-rendering.
 */
export function drawnWords(recorded: Pick<VisualFingerprint, 'text'>): string | undefined {
  return recorded.text !== undefined && words(recorded.text).some((w) => w.length >= 2)
    ? recorded.text
    : undefined;
}

/**
 * Records the element's look at capture time. `drawnText`: the element holds no DOM text,
 * so its visible words (if any) are pixels and worth reading with OCR.
 */
export async function captureVisual(
  options: VisualOptions,
  selector: string,
  drawnText: boolean,
): Promise<VisualFingerprint | undefined> {
  const shot = await shoot(options.page, selector).done;
  if (!shot) return undefined;
  // OCR that fails or that the caller cut short records no text: the crop hash still counts.
  const text = drawnText && options.readText ? (await options.readText(shot.png).catch(() => '')).trim() : '';
  return {
    v: VISUAL_VERSION,
    bbox: shot.bbox,
    viewport: shot.viewport,
    cropHash: shot.crop,
    ...(shot.look ? { lookHash: shot.look } : {}),
    ...(drawnWords({ text }) ? { text } : {}),
  };
}

const LATE = Symbol('late');

/** `work`'s result, or `LATE` once `ms` have passed (the work goes on unobserved). */
async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof LATE> {
  if (!Number.isFinite(ms)) return work;
  work.catch(() => undefined);
  if (ms <= 0) return LATE;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Tier 3's evidence on each candidate (skipping those not rendered; one off screen is scrolled to). With `remainingMs`, no
 * screenshot or OCR is waited for past the budget: what was seen by then is returned, with
 * `complete` false (a timer may fire a little early, so the budget left cannot tell).
 */
export async function visualEvidence(
  options: VisualOptions,
  recorded: VisualFingerprint,
  selectors: readonly string[],
  limits: { readonly remainingMs?: () => number } = {},
): Promise<{ evidence: VisualEvidence[]; complete: boolean }> {
  const left = limits.remainingMs ?? (() => Infinity);
  const out: VisualEvidence[] = [];
  for (const selector of selectors) {
    const shooting = shoot(options.page, selector);
    const shot = await within(shooting.done, left());
    if (shot === LATE) {
      // The screenshot goes on unobserved: the page must not stay scrolled to it, nor scroll later.
      await within(shooting.restore(), RESTORE_WAIT_MS);
      return { evidence: out, complete: false };
    }
    if (!shot) continue;
    const drawn = options.readText ? drawnWords(recorded) : undefined;
    const crop = hashSimilarity(recorded.cropHash, shot.crop);
    const look =
      recorded.lookHash !== undefined && shot.look !== undefined
        ? hashSimilarity(recorded.lookHash, shot.look)
        : undefined;
    // A text-less element is its shape: the normalised look, which a re-rendering keeps (the raw
    // crop where either side has none). Drawn words are checked by OCR, and a new font changes
    // their shape but not the crop's layout: either comparison may vouch for their look.
    const hash = look === undefined ? crop : drawn === undefined ? look : Math.max(look, crop);
    const box = boxSimilarity(recorded.bbox, shot.bbox, recorded.viewport);
    let text: number | undefined;
    if (drawn !== undefined && options.readText) {
      const read = await within(options.readText(shot.png), left());
      if (read === LATE) return { evidence: out, complete: false };
      text = textSimilarity(drawn, read);
    }
    const round = (n: number): number => Math.round(n * 1000) / 1000;
    out.push({
      selector,
      score: round(visualScore({ hash, box, text })),
      hash: round(hash),
      box: round(box),
      ...(text === undefined ? {} : { text: round(text) }),
    });
  }
  return { evidence: out, complete: true };
}

/** Validates a parsed `visual` object; `undefined` for an unknown version (tier 3 then sits out). */
export function parseVisual(input: unknown): VisualFingerprint | undefined | 'invalid' {
  if (typeof input !== 'object' || input === null) return 'invalid';
  const o = input as Record<string, unknown>;
  if (o['v'] !== VISUAL_VERSION) return undefined;
  const box = (b: unknown, keys: string[]): boolean =>
    typeof b === 'object' &&
    b !== null &&
    keys.every((k) => typeof (b as Record<string, unknown>)[k] === 'number');
  const ok =
    box(o['bbox'], ['x', 'y', 'width', 'height']) &&
    box(o['viewport'], ['width', 'height']) &&
    typeof o['cropHash'] === 'string' &&
    /^[0-9a-f]{64}$/.test(o['cropHash']) &&
    (o['lookHash'] === undefined ||
      (typeof o['lookHash'] === 'string' && /^[0-9a-f]{64}$/.test(o['lookHash']))) &&
    (o['text'] === undefined || typeof o['text'] === 'string');
  return ok ? (o as unknown as VisualFingerprint) : 'invalid';
}
