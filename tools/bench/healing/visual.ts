// Tier 3 on rendered pages: toolbars whose buttons the DOM cannot tell apart (labels drawn on
// canvas, text-less SVG icons), recorded with ids, then re-rendered without ids and reordered;
// and Bootstrap 5.3's product page (shared/corpora/html) whose two text-less navbar icon links
// lose their labels and move, or one is deleted with another icon in its place.
//   node -r @swc-node/register tools/bench/healing/visual.ts [--cases N] [--seed S]
// Heals each case with tier 3 off and on in Chromium (/usr/bin/chromium), OCR as the robot reads
// crops (@aether/ocr, sparse text), and prints one JSON line: correctness with tier 3 off and on,
// and what tier 3 adds to a heal and to a fingerprint capture (the OCR worker warm; its start apart).
import { readFileSync } from 'node:fs';
import { captureFingerprint, healOnPage, type HealResult } from '@aether/healing';
import { OcrEngine } from '@aether/ocr';
import { Rng } from '@aether/testing';
import { chromium, type Page } from 'playwright-core';
import { percentile } from '../stats';

const LABELS = ['Save', 'Delete', 'Print', 'Share', 'Export', 'Archive', 'Copy', 'Move'];
const ICONS = [
  '<circle cx="20" cy="20" r="17" fill="#c00"/>',
  '<rect x="3" y="3" width="34" height="34" fill="none" stroke="#000" stroke-width="5"/>',
  '<path d="M4 36 L20 4 L36 36 Z" fill="#060"/>',
  '<path d="M4 20 H36 M20 4 V36" stroke="#00c" stroke-width="6"/>',
  '<path d="M6 6 L34 34 M34 6 L6 34" stroke="#333" stroke-width="6"/>',
];

function toolbar(kind: 'drawn' | 'icon', items: readonly number[], ids: boolean): string {
  const buttons = items.map((i) =>
    kind === 'drawn'
      ? `<div role="button" class="tool"${ids ? ` id="t${i}"` : ''} style="display:inline-block;margin:10px;border:1px solid #888">` +
        `<canvas width="130" height="44" data-label="${LABELS[i]}"></canvas></div>`
      : `<button class="icon"${ids ? ` id="t${i}"` : ''} style="width:60px;height:60px;margin:8px;background:#fff"><svg width="40" height="40">${ICONS[i]}</svg></button>`,
  );
  return `<!doctype html><html><body style="font-family:sans-serif"><main><h1>Editor</h1><div class="bar">${buttons.join('')}</div></main>
<script>for (const c of document.querySelectorAll('canvas')) { const x = c.getContext('2d'); x.fillStyle = '#fff';
x.fillRect(0, 0, 130, 44); x.fillStyle = '#000'; x.font = '24px sans-serif'; x.fillText(c.dataset.label, 14, 30); }</script></body></html>`;
}

type Outcome = 'correct' | 'wrong' | 'not_found';

const PRODUCT = '/work/shared/corpora/html/bootstrap-examples-v5.3/product.html';
type Icon = 'aperture' | 'cart' | 'chevron-right';
const iconLink = (icon: Icon, label: string | null): string =>
  `<li class="nav-item"><a class="nav-link" href="#"${label ? ` aria-label="${label}"` : ''}>
            <svg class="bi" width="24" height="24" aria-hidden="true"><use xlink:href="#${icon}"/></svg>
          </a></li>`;

/**
 * The product page's changes, each as [name, page, the target's icon after it (null: deleted)].
 * `target` is the icon link recorded (by its aria-label).
 */
function productCases(target: 'aperture' | 'cart'): [string, string, Icon | null][] {
  const original = readFileSync(PRODUCT, 'utf8');
  const a = iconLink('aperture', 'Aperture');
  const c = iconLink('cart', 'Cart');
  if (!original.includes(a) || !original.includes(c)) throw new Error(`${PRODUCT} changed`);
  const bare = (icon: Icon) => iconLink(icon, null);
  const other: Icon = target === 'cart' ? 'aperture' : 'cart';
  return [
    ['labels-dropped', original.replace(a, bare('aperture')).replace(c, bare('cart')), target],
    ['swapped', original.replace(a, '@@A').replace(c, bare('aperture')).replace('@@A', bare('cart')), target],
    ['grouped', original.replace(a, '').replace(c, bare('cart') + bare('aperture')), target],
    [
      'deleted-icon-in-place',
      original
        .replace(target === 'cart' ? c : a, bare('chevron-right'))
        .replace(target === 'cart' ? a : c, bare(other)),
      null,
    ],
  ];
}

async function judge(page: Page, result: HealResult, target: number): Promise<Outcome> {
  if (result.status === 'refused') return 'not_found';
  const marks = await page
    .locator(result.selector)
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-bench') ?? ''));
  return marks.length === 1 && marks[0] === String(target) ? 'correct' : 'wrong';
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flag = (name: string, fallback: number): number =>
    argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback;
  const cases = flag('--cases', 40);
  const rng = new Rng(flag('--seed', 27));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  const ocr = new OcrEngine();
  let t = performance.now();
  await ocr.start();
  const ocrStartMs = performance.now() - t;
  const page = await browser.newPage({ viewport: { width: 900, height: 400 } });
  const ocrMs: number[] = [];
  const visual = {
    page,
    readText: async (png: Uint8Array) => {
      const t0 = performance.now();
      const { text } = await ocr.recognize(png, { pageSegmentation: 'sparse' });
      ocrMs.push(performance.now() - t0);
      return text;
    },
  };
  const tally = { off: { correct: 0, wrong: 0, not_found: 0 }, on: { correct: 0, wrong: 0, not_found: 0 } };
  const corpus = { off: { correct: 0, wrong: 0, not_found: 0 }, on: { correct: 0, wrong: 0, not_found: 0 } };
  let tier3 = 0;
  const visualMs: number[] = [];
  const addedMs: number[] = [];
  const captureAddedMs: number[] = [];
  const started = performance.now();
  /** Captures without and with tier 3, and heals the page `after` makes without and with it. */
  const run = async (before: () => Promise<void>, selector: string, after: () => Promise<void>) => {
    await before();
    t = performance.now();
    await captureFingerprint(page, selector);
    const plain = performance.now() - t;
    t = performance.now();
    const fp = await captureFingerprint(page, selector, { visual });
    captureAddedMs.push(performance.now() - t - plain);
    await after();
    t = performance.now();
    const off = await healOnPage(page, fp, { budgetMs: 5_000 });
    const offMs = performance.now() - t;
    t = performance.now();
    const on = await healOnPage(page, fp, { budgetMs: 5_000, visual });
    const onMs = performance.now() - t;
    visualMs.push(onMs);
    addedMs.push(onMs - offMs);
    if (on.status === 'healed' && on.tier === 3) tier3++;
    return { off, on };
  };
  for (let k = 0; k < cases; k++) {
    const kind = k % 2 === 0 ? 'drawn' : 'icon';
    const pool = kind === 'drawn' ? LABELS.length : ICONS.length;
    const items = rng.shuffle([...Array(pool).keys()]).slice(0, 2 + rng.int(3));
    const target = rng.pick(items);
    // The next release: ids gone, the buttons in another order (never the same one).
    let after = rng.shuffle(items);
    while (after.every((x, i) => x === items[i])) after = rng.shuffle(items);
    const { off, on } = await run(
      () => page.setContent(toolbar(kind, items, true)),
      `#t${target}`,
      () => page.setContent(toolbar(kind, after, false)),
    );
    // The truth, marked only after both heals walked the page.
    await page.evaluate(`document.querySelectorAll('.bar > *').forEach((el, i) =>
      el.setAttribute('data-bench', String(${JSON.stringify(after)}[i])))`);
    tally.off[await judge(page, off, target)]++;
    tally.on[await judge(page, on, target)]++;
  }
  // The product page's navbar icons sit lower than a toolbar.
  await page.setViewportSize({ width: 1000, height: 700 });
  const original = readFileSync(PRODUCT, 'utf8');
  const productCasesRun: string[] = [];
  for (const target of ['cart', 'aperture'] as const) {
    for (const [name, html, expected] of productCases(target)) {
      const label = target === 'cart' ? 'Cart' : 'Aperture';
      const { off, on } = await run(
        () => page.setContent(original),
        `a[aria-label="${label}"]`,
        () => page.setContent(html),
      );
      const judgeIcon = async (r: HealResult): Promise<Outcome> => {
        if (r.status === 'refused') return 'not_found';
        const icon = await page
          .locator(r.selector)
          .evaluate((el) => el.querySelector('use')?.getAttribute('xlink:href') ?? '');
        return expected !== null && icon === `#${expected}` ? 'correct' : 'wrong';
      };
      const [o, v] = [await judgeIcon(off), await judgeIcon(on)];
      // A deleted target is right only when refused.
      const fix = (x: Outcome): Outcome => (expected === null && x === 'not_found' ? 'correct' : x);
      corpus.off[fix(o)]++;
      corpus.on[fix(v)]++;
      productCasesRun.push(`${target}/${name}: ${fix(o)} → ${fix(v)}`);
    }
  }
  await ocr.close();
  await browser.close();
  const share = (t: Record<Outcome, number>) => {
    const n = t.correct + t.wrong + t.not_found;
    const pct = (x: number): number => Math.round((1000 * x) / n) / 10;
    return { correct_pct: pct(t.correct), wrong_pct: pct(t.wrong), not_found_pct: pct(t.not_found) };
  };
  const ms = (values: number[]) => ({
    p50: Math.round(percentile(values, 0.5)),
    p95: Math.round(percentile(values, 0.95)),
  });
  process.stdout.write(
    `bench time ${((performance.now() - started) / 1000).toFixed(1)}s; product page (off → on): ${productCasesRun.join(', ')}\n`,
  );
  process.stdout.write(
    JSON.stringify({
      bench: 'healing-visual',
      cases,
      tier3_off: share(tally.off),
      tier3_on: share(tally.on),
      tier3_heals: tier3,
      p95_ms_with_tier3: Math.round(percentile(visualMs, 0.95)),
      corpus_product: {
        cases: productCasesRun.length,
        tier3_off: share(corpus.off),
        tier3_on: share(corpus.on),
      },
      added_ms: ms(addedMs),
      capture_added_ms: ms(captureAddedMs),
      ocr_crop_ms: ms(ocrMs),
      ocr_start_ms: Math.round(ocrStartMs),
    }) + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
