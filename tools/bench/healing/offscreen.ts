// What each way Chromium offers to see an element off screen costs the page (ADR 125): a button
// under a 900 px block and one hidden in a scrolled pane, in Debian's Chromium; the page counts
// its own scroll, resize and pointer events, its ResizeObserver, IntersectionObserver and
// media-query callbacks. Prints one JSON line per way and element: what the page saw, whether
// the crop shows the button (not blank), and how long the way took.
//   node -r @swc-node/register tools/bench/healing/offscreen.ts [--width 1280 --height 720]
import { PNG } from 'pngjs';
import { chromium, type CDPSession, type Page } from 'playwright-core';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const width = arg('width', 800);
const height = arg('height', 400);

const BUTTON = (id: string) =>
  `<button id="${id}" style="width:60px;height:60px;margin:8px;background:#fff"><svg width="40" height="40"><path d="M4 36 L20 4 L36 36 Z" fill="#060"/></svg></button>`;
const PAGE = `<!doctype html><html><body style="margin:0">
<section style="height:900px;background:#eef">Release notes</section>${BUTTON('below')}
<div class="pane" style="height:120px;overflow:auto;border:1px solid #000"><div style="height:300px"></div>${BUTTON('inpane')}<div style="height:200px"></div></div>
<div style="height:800px"></div>
<script>{ const seen = (window.seen = {}); const count = (k) => { seen[k] = (seen[k] ?? 0) + 1; };
for (const t of ['scroll', 'resize']) addEventListener(t, () => count(t), true);
visualViewport.addEventListener('resize', () => count('visualViewportResize'));
for (const t of ['mouseover', 'mouseout', 'mouseenter', 'mouseleave']) addEventListener(t, () => count('pointer'), true);
const io = new IntersectionObserver(() => count('intersection'));
for (const el of document.querySelectorAll('button')) io.observe(el);
new ResizeObserver(() => count('resizeObserver')).observe(document.documentElement);
matchMedia('(max-height: ${height - 1}px)').addEventListener('change', () => count('media')); }</script></body></html>`;

type Box = { x: number; y: number; width: number; height: number };
type Way = (page: Page, cdp: CDPSession, selector: string, doc: Box) => Promise<Uint8Array | undefined>;

const png = (base64: string): Uint8Array => Buffer.from(base64, 'base64');
const beyond =
  (captureBeyondViewport: boolean): Way =>
  async (_page, cdp, _selector, clip) =>
    png(
      (
        await cdp.send('Page.captureScreenshot', {
          format: 'png',
          clip: { ...clip, scale: 1 },
          captureBeyondViewport,
        })
      ).data,
    );
const metrics = {
  width,
  height,
  deviceScaleFactor: 1,
  mobile: false,
  screenWidth: width,
  screenHeight: height,
};

const WAYS: Record<string, Way> = {
  'captureScreenshot, document clip': beyond(false),
  'captureScreenshot, captureBeyondViewport': beyond(true),
  'setDeviceMetricsOverride viewport': async (_page, cdp, _selector, clip) => {
    await cdp.send('Emulation.setDeviceMetricsOverride', { ...metrics, viewport: { ...clip, scale: 1 } });
    try {
      const shot = await cdp.send('Page.captureScreenshot', { format: 'png' });
      const whole = PNG.sync.read(Buffer.from(shot.data, 'base64'));
      const out = new PNG({
        width: Math.min(clip.width, whole.width),
        height: Math.min(clip.height, whole.height),
      });
      PNG.bitblt(whole, out, 0, 0, out.width, out.height, 0, 0);
      return PNG.sync.write(out);
    } finally {
      await cdp.send('Emulation.setDeviceMetricsOverride', metrics);
    }
  },
  'LayerTree replay': async (page, cdp, _selector, clip) => {
    let layers: { layerId: string; drawsContent: boolean; width: number; height: number }[] | undefined;
    cdp.on('LayerTree.layerTreeDidChange', (e: { layers?: typeof layers }) => {
      if (e.layers) layers = e.layers;
    });
    await cdp.send('LayerTree.enable');
    try {
      for (let i = 0; i < 80 && !layers; i++)
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
      const [document] = (layers ?? [])
        .filter((l) => l.drawsContent)
        .sort((a, b) => b.width * b.height - a.width * a.height);
      if (!document) return undefined;
      const { snapshotId } = await cdp.send('LayerTree.makeSnapshot', { layerId: document.layerId });
      const { dataURL } = await cdp.send('LayerTree.replaySnapshot', { snapshotId });
      const whole = PNG.sync.read(Buffer.from(dataURL.split(',')[1] ?? '', 'base64'));
      const out = new PNG({ width: clip.width, height: clip.height });
      if (clip.y + clip.height > whole.height) return undefined;
      PNG.bitblt(whole, out, clip.x, clip.y, clip.width, clip.height, 0, 0);
      return PNG.sync.write(out);
    } finally {
      await cdp.send('LayerTree.disable');
    }
  },
  'scroll to and back (ADR 108)': async (page, _cdp, selector) => {
    const saved = await page.evaluate((s) => {
      const el = document.querySelector(s);
      const kept = [
        ...(function* () {
          for (let a = el?.parentElement; a; a = a.parentElement) yield a;
        })(),
      ].map((a) => [a, a.scrollLeft, a.scrollTop] as const);
      el?.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
      (window as unknown as { kept: typeof kept }).kept = kept;
      const r = el?.getBoundingClientRect();
      return (
        r && {
          x: Math.floor(r.x - 8),
          y: Math.floor(r.y - 8),
          width: Math.ceil(r.width + 16),
          height: Math.ceil(r.height + 16),
        }
      );
    }, selector);
    try {
      return saved ? await page.screenshot({ clip: saved }) : undefined;
    } finally {
      await page.evaluate(() => {
        for (const [a, x, y] of (window as unknown as { kept: [Element, number, number][] }).kept)
          a.scrollTo({ left: x, top: y, behavior: 'instant' });
      });
    }
  },
};

/** Whether the crop holds the button's green triangle (not a blank or another part of the page). */
const showsButton = (bytes: Uint8Array | undefined): boolean => {
  if (!bytes) return false;
  const img = PNG.sync.read(Buffer.from(bytes));
  let green = 0;
  for (let i = 0; i < img.data.length; i += 4)
    if (img.data[i + 1] > 80 && img.data[i] < 40 && img.data[i + 2] < 40) green++;
  return green > 100;
};

async function main(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    for (const [name, way] of Object.entries(WAYS))
      for (const selector of ['#below', '#inpane']) {
        const page = await browser.newPage({ viewport: { width, height } });
        await page.setContent(PAGE);
        // A pointer at rest where scrolling or a relayout brings other content under it.
        await page.mouse.move(40, height - 20);
        const settle = () =>
          page.evaluate(
            () =>
              new Promise((r) =>
                requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 150))),
              ),
          );
        await settle();
        await page.evaluate(() => {
          const seen = (window as unknown as { seen: Record<string, number> }).seen;
          for (const k of Object.keys(seen)) delete seen[k];
        });
        const cdp = await page.context().newCDPSession(page);
        const doc = await page.evaluate((s) => {
          const r = document.querySelector(s)?.getBoundingClientRect();
          return {
            x: Math.floor((r?.x ?? 0) + scrollX - 8),
            y: Math.floor((r?.y ?? 0) + scrollY - 8),
            width: 76,
            height: 76,
          };
        }, selector);
        const started = performance.now();
        const crop = await way(page, cdp, selector, doc).catch(() => undefined);
        const ms = Math.round(performance.now() - started);
        await settle();
        const seen = await page.evaluate(() => (window as unknown as { seen: Record<string, number> }).seen);
        const back = await page.evaluate(() => [scrollY, document.querySelector('.pane')?.scrollTop ?? 0]);
        console.log(
          JSON.stringify({
            way: name,
            element: selector,
            shows_button: showsButton(crop),
            ms,
            page_saw: seen,
            scroll_after: back,
          }),
        );
        await page.close();
      }
  } finally {
    await browser.close();
  }
}

void main();
