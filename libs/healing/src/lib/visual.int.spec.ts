// Tier 3 against a real Chromium (Debian's /usr/bin/chromium) and real OCR (tesseract.js with
// the packaged English data). Screenshots of every page land in test-output/healing-visual/.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import { captureFingerprint, healOnPage, parseFingerprint, type HealResult } from '../index';
import type { VisualOptions } from './visual';

const SHOTS = resolve(__dirname, '../../../../test-output/healing-visual');

/** Two tool buttons whose labels are drawn on a canvas: the DOM cannot tell them apart. */
const drawn = (
  first: string,
  second: string,
  ids: boolean,
): string => `<!doctype html><html><body style="font-family:sans-serif">
<main><h1>Document</h1><div class="toolbar">
${[first, second]
  .map(
    (label) =>
      `<div role="button" class="tool"${ids ? ` id="tool-${label.toLowerCase()}"` : ''} style="display:inline-block;margin:12px;border:1px solid #888">` +
      `<canvas width="140" height="48" data-label="${label}"></canvas></div>`,
  )
  .join('')}
</div></main>
<script>for (const c of document.querySelectorAll('canvas')) { const x = c.getContext('2d');
x.fillStyle = '#fff'; x.fillRect(0, 0, 140, 48); x.fillStyle = '#000'; x.font = '26px sans-serif';
x.fillText(c.dataset.label, 16, 33); }</script></body></html>`;

/** Two icon buttons with no text: one a filled disc, one an outlined square. */
const icons = (swap: boolean, ids: boolean): string => {
  const disc = `<button class="icon"${ids ? ' id="record"' : ''} style="width:64px;height:64px;margin:8px;background:#fff"><svg width="40" height="40"><circle cx="20" cy="20" r="18" fill="#c00"/></svg></button>`;
  const square = `<button class="icon"${ids ? ' id="stop"' : ''} style="width:64px;height:64px;margin:8px;background:#fff"><svg width="40" height="40"><rect x="3" y="3" width="34" height="34" fill="none" stroke="#000" stroke-width="5"/></svg></button>`;
  return `<!doctype html><html><body><main><h1>Recorder</h1><div class="controls">${swap ? square + disc : disc + square}</div></main></body></html>`;
};

/** The healing bench's icon toolbar (tools/bench/healing/visual.ts): text-less SVG buttons, in this order. */
const SHAPES = {
  triangle: '<path d="M4 36 L20 4 L36 36 Z" fill="#060"/>',
  plus: '<path d="M4 20 H36 M20 4 V36" stroke="#00c" stroke-width="6"/>',
  cross: '<path d="M6 6 L34 34 M34 6 L6 34" stroke="#333" stroke-width="6"/>',
};
type Shape = keyof typeof SHAPES;
const toolbar = (shapes: readonly Shape[], ids: boolean): string =>
  `<!doctype html><html><body style="font-family:sans-serif"><main><h1>Editor</h1><div class="bar">${shapes
    .map(
      (shape) =>
        `<button class="icon"${ids ? ` id="${shape}"` : ''} data-shape="${shape}" style="width:60px;height:60px;margin:8px;background:#fff">` +
        `<svg width="40" height="40">${SHAPES[shape]}</svg></button>`,
    )
    .join('')}</div></main></body></html>`;

describe('tier 3, visual (Chromium)', () => {
  let browser: Browser;
  let page: Page;
  let ocr: Worker;
  let visual: VisualOptions;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 800, height: 400 } });
    const eng = require('@tesseract.js-data/eng') as { langPath: string };
    ocr = await createWorker('eng', OEM.LSTM_ONLY, {
      langPath: eng.langPath,
      gzip: true,
      cacheMethod: 'none',
    });
    // A crop holds a few words, not a page: sparse text finds them where page layout analysis gives up.
    await ocr.setParameters({ tessedit_pageseg_mode: PSM.SPARSE_TEXT });
    const read = async (png: Uint8Array): Promise<string> =>
      (await ocr.recognize(Buffer.from(png))).data.text;
    visual = { page, readText: read };
  }, 120_000);

  afterAll(async () => {
    await ocr?.terminate();
    await browser?.close();
  });

  const show = async (html: string, name: string): Promise<void> => {
    await page.setContent(html);
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  };
  const healedTo = async (result: HealResult): Promise<string | null> =>
    result.status === 'refused'
      ? null
      : page
          .locator(result.selector)
          .evaluate((el) => el.querySelector('canvas')?.dataset['label'] ?? el.id ?? '');

  it('records where the element was, a crop hash and the text it draws', async () => {
    await show(drawn('Save', 'Delete', true), 'drawn-recorded');
    const fp = await captureFingerprint(page, '#tool-delete', { visual });
    expect(fp.visual).toMatchObject({
      v: 1,
      bbox: { width: expect.any(Number) },
      cropHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(fp.visual?.text).toMatch(/Delete/);
    // The visual part survives the wire and the parser, and an unknown version is dropped.
    expect(parseFingerprint(JSON.parse(JSON.stringify(fp))).visual).toEqual(fp.visual);
    expect(parseFingerprint({ ...fp, visual: { v: 99 } }).visual).toBeUndefined();
  }, 120_000);

  it("takes the twin whose canvas draws the recorded text, not the one in the target's old place", async () => {
    await show(drawn('Save', 'Delete', true), 'drawn-before');
    const fp = await captureFingerprint(page, '#tool-delete', { visual });
    await show(drawn('Delete', 'Save', false), 'drawn-after');

    // The DOM alone takes the twin that sits where the target sat (the recorded look-alike moved too).
    const without = await healOnPage(page, fp);
    expect(await healedTo(without)).toBe('Save');
    const result = await healOnPage(page, fp, { visual });
    expect(result).toMatchObject({ status: 'healed', tier: 3 });
    expect(await healedTo(result)).toBe('Delete');
  }, 120_000);

  it('tells two text-less icon buttons apart by their crops, without OCR', async () => {
    await show(icons(false, true), 'icons-before');
    const fp = await captureFingerprint(page, '#stop', { visual: { page } });
    expect(fp.visual?.text).toBeUndefined();
    await show(icons(true, false), 'icons-after');

    const isSquare = (r: HealResult): Promise<boolean> =>
      r.status === 'refused'
        ? Promise.resolve(false)
        : page.locator(r.selector).evaluate((el) => el.querySelector('rect') !== null);
    expect(await isSquare(await healOnPage(page, fp))).toBe(false);
    const result = await healOnPage(page, fp, { visual: { page } });
    expect(result).toMatchObject({ status: 'healed', tier: 3 });
    if (result.status !== 'healed') return;
    expect(await page.locator(result.selector).evaluate((el) => el.querySelector('rect') !== null)).toBe(
      true,
    );
  }, 120_000);

  const shapeOf = (r: HealResult): Promise<string | null> =>
    r.status === 'refused'
      ? Promise.resolve(null)
      : page.locator(r.selector).evaluate((el) => el.getAttribute('data-shape'));

  it("takes the icon whose crop matches although the twin left in the target's old place matches its box", async () => {
    await show(toolbar(['cross', 'triangle'], true), 'look-before');
    const fp = await captureFingerprint(page, '#triangle', { visual: { page } });
    await show(toolbar(['triangle', 'cross'], false), 'look-after');

    expect(await shapeOf(await healOnPage(page, fp))).toBe('cross');
    const result = await healOnPage(page, fp, { visual: { page } });
    expect(result).toMatchObject({ status: 'healed', tier: 3 });
    expect(await shapeOf(result)).toBe('triangle');
  }, 120_000);

  it('tells the plus from the triangle by their normalised looks, which their raw crops could not', async () => {
    // Their raw crops agree on about 85 % of the hash bits, under a winner's lead (ADR 99 refused
    // this heal); cut to their ink, their shapes differ clearly.
    await show(toolbar(['plus', 'triangle'], true), 'doubt-before');
    const fp = await captureFingerprint(page, '#triangle', { visual: { page } });
    expect(fp.visual?.lookHash).toMatch(/^[0-9a-f]{64}$/);
    await show(toolbar(['triangle', 'plus'], false), 'doubt-after');

    expect(await shapeOf(await healOnPage(page, fp))).toBe('plus');
    const result = await healOnPage(page, fp, { visual: { page } });
    expect(result).toMatchObject({ status: 'healed', tier: 3 });
    expect(await shapeOf(result)).toBe('triangle');
    // A fingerprint recorded before the normalised look (crop hash only) still refuses, as ADR 99 said.
    const old = { ...fp, visual: { ...fp.visual!, lookHash: undefined } };
    const refused = await healOnPage(page, old, { visual: { page } });
    expect(refused).toMatchObject({
      status: 'refused',
      reason: 'ambiguous',
      explanation: { rule: 'visual' },
    });
    expect(refused.status === 'refused' && refused.explanation?.summary).toMatch(
      /a twin looks more like the recording than it does .* by crop; a visual heal needs a 15 % lead\): refused rather than guessed$/,
    );
  }, 120_000);

  /** The toolbar below a block taller than the viewport, and the page's scroll behaviour smooth. */
  const belowFold = (html: string): string =>
    html
      .replace('<html>', '<html style="scroll-behavior:smooth">')
      .replace(/(<body[^>]*>)/, '$1<section style="height:900px">Release notes</section>');
  const scrolled = (): Promise<[number, number]> => page.evaluate(() => [scrollX, scrollY]);

  it('records the look of a target off screen, and compares twins off screen, leaving the page where it was', async () => {
    await show(belowFold(toolbar(['cross', 'triangle'], true)), 'fold-before');
    expect(await page.locator('#triangle').evaluate((el) => el.getBoundingClientRect().top)).toBeGreaterThan(
      400,
    );
    const fp = await captureFingerprint(page, '#triangle', { visual: { page } });
    // Scrolled to for the screenshot, then back; its box is where it sat, below the fold.
    expect(fp.visual?.lookHash).toMatch(/^[0-9a-f]{64}$/);
    expect(fp.visual?.bbox.y).toBeGreaterThan(400);
    expect(await scrolled()).toEqual([0, 0]);

    await show(belowFold(toolbar(['triangle', 'cross'], false)), 'fold-after');
    expect(await shapeOf(await healOnPage(page, fp))).toBe('cross');
    const result = await healOnPage(page, fp, { visual: { page } });
    expect(result).toMatchObject({ status: 'healed', tier: 3 });
    expect(await shapeOf(result)).toBe('triangle');
    expect(await scrolled()).toEqual([0, 0]);

    // Where the page was scrolled elsewhere, it stays there.
    await page.evaluate(() => window.scrollTo({ top: 37, behavior: 'instant' }));
    await healOnPage(page, fp, { visual: { page } });
    expect(await scrolled()).toEqual([0, 37]);
  }, 120_000);

  it('scrolls a scrolling container back after looking at an element hidden in it', async () => {
    const boxed = (order: readonly Shape[], ids: boolean): string =>
      toolbar(order, ids)
        .replace(
          '<div class="bar">',
          '<div class="pane" style="height:120px;overflow:auto"><div style="height:300px"></div><div class="bar">',
        )
        .replace('</div></main>', '</div></div></main>');
    await show(boxed(['plus', 'triangle'], true), 'pane-before');
    const fp = await captureFingerprint(page, '#triangle', { visual: { page } });
    expect(fp.visual?.lookHash).toMatch(/^[0-9a-f]{64}$/);
    const paneTop = (): Promise<number> => page.locator('.pane').evaluate((el) => el.scrollTop);
    expect(await paneTop()).toBe(0);
    await show(boxed(['triangle', 'plus'], false), 'pane-after');
    const result = await healOnPage(page, fp, { visual: { page } });
    expect(await shapeOf(result)).toBe('triangle');
    expect([await paneTop(), ...(await scrolled())]).toEqual([0, 0, 0]);
  }, 120_000);

  /**
   * What the page's scripts see of tier 3, counted by the page itself: scroll, resize, pointer
   * events, and its ResizeObserver, IntersectionObserver and media query callbacks.
   */
  const watched = (html: string): string =>
    html.replace(
      '</body>',
      `<script>{ const seen = (window.seen = {}); const count = (k) => { seen[k] = (seen[k] ?? 0) + 1; };
for (const t of ['scroll', 'resize']) addEventListener(t, () => count(t), true);
for (const t of ['mouseover', 'mouseout', 'mouseenter', 'mouseleave']) addEventListener(t, () => count('pointer'), true);
const io = new IntersectionObserver(() => count('intersection'));
for (const el of document.querySelectorAll('button')) io.observe(el);
new ResizeObserver(() => count('resizeObserver')).observe(document.documentElement);
matchMedia('(max-height: 300px)').addEventListener('change', () => count('media')); }</script></body>`,
    );
  /** What the page counted since the last call (after its pending frames ran). */
  const seen = async (): Promise<Record<string, number>> => {
    await page.evaluate(
      () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 100)))),
    );
    return page.evaluate(() => {
      const w = window as unknown as { seen: Record<string, number> };
      const counted = { ...w.seen };
      for (const k of Object.keys(w.seen)) delete w.seen[k];
      return counted;
    });
  };

  it('looks off screen without resizing the page: at most two scroll events per element it looks at', async () => {
    const pane = (order: readonly Shape[], ids: boolean): string =>
      toolbar(order, ids)
        .replace(
          '<div class="bar">',
          '<div class="pane" style="height:120px;overflow:auto"><div style="height:300px"></div><div class="bar">',
        )
        .replace('</div></main>', '</div></div></main>');
    const layouts: [string, (order: readonly Shape[], ids: boolean) => string, number][] = [
      ['below the fold', (order, ids) => belowFold(toolbar(order, ids)), 380],
      ['in a scrolled pane', pane, 150],
    ];
    for (const [where, layout, pointer] of layouts) {
      const shown = async (order: readonly Shape[], ids: boolean): Promise<void> => {
        await page.setContent(watched(layout(order, ids)));
        // A pointer at rest where the scroll brings other content under it (a previous step left it there).
        await page.mouse.move(40, pointer);
        await seen();
      };
      await shown(['cross', 'triangle'], true);
      const fp = await captureFingerprint(page, '#triangle', { visual: { page } });
      expect(fp.visual?.lookHash).toMatch(/^[0-9a-f]{64}$/);
      const atCapture = await seen();
      await shown(['triangle', 'cross'], false);
      const result = await healOnPage(page, fp, { visual: { page } });
      expect(await shapeOf(result)).toBe('triangle');
      const atHeal = await seen();
      // Neither a resize nor a layout at another size (what `captureBeyondViewport` costs, ADR 125).
      for (const counted of [atCapture, atHeal])
        expect({
          where,
          resize: counted['resize'],
          resizeObserver: counted['resizeObserver'],
          media: counted['media'],
        }).toEqual({ where });
      expect(atCapture['scroll'] ?? 0).toBeLessThanOrEqual(2);
      expect(atHeal['scroll'] ?? 0).toBeLessThanOrEqual(4);
      expect(await scrolled()).toEqual([0, 0]);
    }
  }, 120_000);

  it('refuses a heal among twins that tier 3 could not check within its budget', async () => {
    await show(toolbar(['cross', 'triangle'], true), 'late-before');
    const fp = await captureFingerprint(page, '#triangle', { visual: { page } });
    await show(toolbar(['triangle', 'cross'], false), 'late-after');

    // Tiers 1–2 take the twin left in the target's old place; tier 3 has no time to look.
    expect(await shapeOf(await healOnPage(page, fp))).toBe('cross');
    const result = await healOnPage(page, fp, { visual: { page, budgetMs: 1 } });
    expect(result).toMatchObject({ status: 'refused', reason: 'ambiguous', explanation: { rule: 'visual' } });
    expect(result.status === 'refused' && result.explanation?.summary).toMatch(
      /has a twin the DOM cannot tell apart, and the visual tier ran out of its 1 ms before comparing them on screen: refused rather than guessed$/,
    );
  }, 120_000);

  it('leaves the page where it was when tier 3 stops waiting for a screenshot off screen', async () => {
    await show(belowFold(toolbar(['cross', 'triangle', 'plus'], true)), 'fold-late-before');
    const fp = await captureFingerprint(page, '#triangle', { visual: { page } });
    await show(belowFold(toolbar(['triangle', 'plus', 'cross'], false)), 'fold-late-after');
    for (const budgetMs of [1, 5, 20, 60]) {
      const result = await healOnPage(page, fp, { visual: { page, budgetMs } });
      // Back where it was when the heal returns (the step acts next), and after the screenshots
      // left running finish: none of them scrolls the page afterwards.
      expect(await scrolled()).toEqual([0, 0]);
      expect(result.status === 'healed' ? await shapeOf(result) : null).not.toBe('cross');
      await page.waitForTimeout(300);
      expect(await scrolled()).toEqual([0, 0]);
    }
  }, 120_000);

  it('lets a heal without twins stand when tier 3 runs out of its budget reading its drawn text', async () => {
    await show(drawn('Save', 'Delete', true), 'late-single-before');
    const fp = await captureFingerprint(page, '#tool-delete', { visual });
    expect(fp.visual?.text).toMatch(/Delete/);
    // The next release renames the id, and the Save tool gains a class: no twins in the DOM.
    await page.setContent(
      drawn('Save', 'Delete', true)
        .replace(' id="tool-delete"', ' id="tool-remove"')
        .replace('class="tool" id="tool-save"', 'class="tool primary" id="tool-save"'),
    );
    const result = await healOnPage(page, fp, { visual: { ...visual, budgetMs: 1 } });
    expect(result).toMatchObject({ status: 'healed', tier: 1 });
    expect(await healedTo(result)).toBe('Delete');
  }, 120_000);

  it('knows a restyled icon again, and not its twin, although its crop changed (size, colour, dark theme)', async () => {
    await show(toolbar(['plus', 'triangle', 'cross'], true), 'restyle-before');
    const fp = await captureFingerprint(page, '#triangle', { visual: { page } });
    // The next release: reordered, a dark theme, buttons 15 % larger, icons in one light colour.
    await show(
      toolbar(['triangle', 'cross', 'plus'], false)
        .replace('<body', '<body style="background:#1e1e1e"')
        .replaceAll(
          'width:60px;height:60px;margin:8px;background:#fff',
          'width:69px;height:69px;margin:9px;background:#2b2b2b',
        )
        .replaceAll('<svg width="40" height="40">', '<svg width="46" height="46" viewBox="0 0 40 40">')
        .replace(/(fill|stroke)="#[0-9a-f]{3}"/g, '$1="#ddd"'),
      'restyle-after',
    );
    expect(await shapeOf(await healOnPage(page, fp))).not.toBe('triangle');
    const result = await healOnPage(page, fp, { visual: { page } });
    expect(result).toMatchObject({ status: 'healed', tier: 3 });
    expect(await shapeOf(result)).toBe('triangle');
  }, 120_000);

  it('does not doubt a heal between form fields the DOM tells apart, however restyled', async () => {
    const form = (restyled: boolean): string =>
      `<!doctype html><html><body><main><h1>Sign in</h1><form>${[
        ['given', 'text', 'First name'],
        ['family', 'text', 'Last name'],
      ]
        .map(
          ([name, type, label]) =>
            `<p><label for="${restyled ? `f-${name}-x1` : name}">${label}</label>` +
            `<input class="field" id="${restyled ? `f-${name}-x1` : name}" name="${name}" type="${type}"` +
            (restyled
              ? ' style="height:44px;border:4px solid #123;background:#ccd;border-radius:12px"'
              : '') +
            '></p>',
        )
        .join('')}</form></main></body></html>`;
    await show(form(false), 'fields-before');
    const fp = await captureFingerprint(page, '#family', { visual });
    await show(form(true), 'fields-after');
    const result = await healOnPage(page, fp, { visual });
    expect(result).toMatchObject({ status: 'healed', tier: 1 });
    expect(result.status === 'healed' && (await page.locator(result.selector).getAttribute('name'))).toBe(
      'family',
    );
  }, 120_000);

  it('leaves the verdict to tiers 1 and 2 when the candidates look alike, and without a recorded look', async () => {
    const verdict = (r: HealResult) => ({
      status: r.status,
      selector: r.status === 'refused' ? null : r.selector,
    });
    await show(drawn('Save', 'Print', true), 'alike-before');
    const fp = await captureFingerprint(page, '#tool-save', { visual });
    await show(drawn('Save', 'Save', false), 'alike-after');
    expect(verdict(await healOnPage(page, fp, { visual }))).toEqual(verdict(await healOnPage(page, fp)));

    await show(drawn('Save', 'Delete', true), 'old-before');
    const old = await captureFingerprint(page, '#tool-delete');
    await show(drawn('Delete', 'Save', false), 'old-after');
    expect(verdict(await healOnPage(page, old, { visual }))).toEqual(verdict(await healOnPage(page, old)));
  }, 120_000);
});
