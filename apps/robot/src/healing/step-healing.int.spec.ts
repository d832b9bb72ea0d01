// The robot's tier 3 on a real Chromium (/usr/bin/chromium), real OCR (@aether/ocr, tesseract.js)
// and a real nats-server: Bootstrap 5.3's product example from shared/corpora/html, whose navbar
// has two text-less icon links (Aperture, Cart) among text links. Screenshots of every page and
// the heal crops land in test-output/healing-robot-visual/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  MessageRegistry,
  SELECTOR_EVENTS,
  subjects,
  type MessageOf,
  type SelectorEvent,
  type SelectorHealed,
} from '@aether/contracts';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { parseFingerprint } from '@aether/healing';
import type { HealOutcome } from '@aether/nodes';
import { OcrEngine } from '@aether/ocr';
import { createLogger } from '@aether/service-kit';
import { parseWorkflow, type PlannedStep } from '@aether/workflow';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  StepHealing,
  selectorKey,
  sparseTextOcr,
  type HealAttemptOutcome,
  type StepHealingScope,
  type VisualTier,
} from './step-healing';

jest.setTimeout(180_000);

const SHOTS = resolve(__dirname, '../../../../test-output/healing-robot-visual');
const CORPUS = '/work/shared/corpora/html/bootstrap-examples-v5.3/product.html';
const TENANT = 't-visual';
const selectorEvents = new MessageRegistry<SelectorEvent>(SELECTOR_EVENTS);
type HealData = MessageOf<typeof SelectorHealed>['data'];

const original = readFileSync(CORPUS, 'utf8');
const link = (label: 'Aperture' | 'Cart', icon: string, ariaLabel: boolean): string =>
  `<li class="nav-item"><a class="nav-link" href="#"${ariaLabel ? ` aria-label="${label}"` : ''}>
            <svg class="bi" width="24" height="24" aria-hidden="true"><use xlink:href="#${icon}"/></svg>
          </a></li>`;
const APERTURE = link('Aperture', 'aperture', true);
const CART = link('Cart', 'cart', true);
if (!original.includes(APERTURE) || !original.includes(CART)) throw new Error(`${CORPUS} changed`);

/** The next release: the icon links lost their labels and sit together after the text links, cart first. */
const grouped = original
  .replace(APERTURE, '')
  .replace(CART, link('Cart', 'cart', false) + link('Aperture', 'aperture', false));
/** The cart link is gone; a chevron link without a label took its place; the aperture link lost its label. */
const cartDeleted = original
  .replace(APERTURE, link('Aperture', 'aperture', false))
  .replace(CART, link('Cart', 'chevron-right', false));

/** Two tool buttons whose labels are drawn on a canvas: in the DOM they are twins. */
const drawnToolbar = (labels: readonly string[], ids: boolean): string =>
  `<!doctype html><html><body style="font-family:sans-serif"><main><h1>Document</h1><div class="toolbar">${labels
    .map(
      (label) =>
        `<div role="button" class="tool"${ids ? ` id="tool-${label.toLowerCase()}"` : ''} style="display:inline-block;margin:12px;border:1px solid #888">` +
        `<canvas width="140" height="48" data-label="${label}"></canvas></div>`,
    )
    .join('')}</div></main>
<script>for (const c of document.querySelectorAll('canvas')) { const x = c.getContext('2d');
x.fillStyle = '#fff'; x.fillRect(0, 0, 140, 48); x.fillStyle = '#000'; x.font = '26px sans-serif';
x.fillText(c.dataset.label, 16, 33); }</script></body></html>`;

const workflow = (() => {
  const parsed = parseWorkflow({
    id: 'shop',
    nodes: [
      { id: 'cart', type: 'browser.click', params: { selector: 'a[aria-label="Cart"]', healing: 'heal' } },
    ],
  });
  if (!parsed.ok) throw new Error('test workflow is invalid');
  return parsed.workflow;
})();

describe('StepHealing with tier 3 on the live page (Chromium, OCR, nats-server)', () => {
  let nats: TestJetStream;
  let browser: Browser;
  let page: Page;
  const engine = new OcrEngine();
  const ocr = sparseTextOcr(engine);
  const outcomes: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    nats = await startJetStream('step-healing-visual');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  }, 120_000);

  afterAll(async () => {
    await engine.close();
    await browser?.close();
    await nats?.close();
  });

  /** A robot's StepHealing; `visual` as the robot's HEAL_VISUAL_* settings make it, or off. */
  const robot = (visual: Partial<VisualTier> | false): StepHealing => {
    const healing = new StepHealing({
      store: nats.store,
      fingerprints: async () => undefined,
      robotId: 'robot-visual',
      logger: createLogger('step-healing-visual', 'silent'),
      ...(visual === false ? {} : { visual: { budgetMs: 2_000, ocrStartMs: 60_000, ocr, ...visual } }),
    });
    healing.observe((outcome: HealAttemptOutcome, tier?: number) =>
      outcomes.push(`${outcome}/${tier ?? '-'}`),
    );
    return healing;
  };

  /** One step of one job of workflow `workflowId` (each test its own, so its own fingerprint). */
  const scope = (workflowId: string, jobId: string) => {
    const heals: HealData[] = [];
    const artifacts = new Map<string, Uint8Array>();
    const step: PlannedStep = {
      key: 'cart',
      nodeId: 'cart',
      type: 'browser.click',
      params: { selector: 'a[aria-label="Cart"]', healing: 'heal' },
      timeoutMs: 30_000,
      idempotent: false,
      previousAttempts: 0,
    };
    const value: StepHealingScope = {
      tenantId: TENANT,
      jobId,
      workflow,
      workflowId,
      workflowVersion: 1,
      step,
      recordHeal: async (data) => {
        heals.push(data);
      },
      causedBy: { id: `cause-${jobId}`, correlationId: jobId },
      storeArtifact: async (kind, name, bytes) => {
        const ref = `${kind}/${workflowId}/${name}`;
        artifacts.set(ref, bytes);
        writeFileSync(join(SHOTS, `${workflowId}-${jobId}-${name.replace(/\W+/g, '-')}.png`), bytes);
        return ref;
      },
    };
    return { value, heals, artifacts };
  };

  const show = async (html: string, name: string): Promise<void> => {
    await page.setContent(html);
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  };
  const selectorHistory = async (workflowId: string) =>
    (
      await nats.store.read(
        subjects.event(TENANT, 'selector', selectorKey(TENANT, workflowId, 'cart', 'a[aria-label="Cart"]')),
        selectorEvents,
      )
    ).events.map((stored) => stored.event);
  /** Which icon the element a selector names draws (`#cart`, `#aperture`, `#chevron-right`). */
  const iconOf = (selector: string) =>
    page.locator(selector).evaluate((el) => el.querySelector('use')?.getAttribute('xlink:href') ?? '');

  /** Records the element's fingerprint (default: the cart link's) as the robot does on the step's first run. */
  const record = async (healing: StepHealing, workflowId: string, selector = 'a[aria-label="Cart"]') => {
    await show(original, 'recorded');
    await healing
      .hooksFor(scope(workflowId, 'job-record').value)
      .recordTarget?.({ selector, frame: page.mainFrame() });
  };
  /** What a step asks when `selector` matched nothing and its policy is `heal`. */
  const notFound = (selector: string) => ({
    selector,
    frame: page.mainFrame(),
    problem: 'not-found' as const,
    matchCount: 0,
    policy: 'heal' as const,
  });
  const heal = (healing: StepHealing, s: StepHealingScope): Promise<HealOutcome> =>
    healing.hooksFor(s).heal!(notFound('a[aria-label="Cart"]'));

  it('records how the element looked: its box and a crop hash, with the fingerprint', async () => {
    let reads = 0;
    await record(
      robot({ ocr: { start: ocr.start, read: (png) => (reads++, ocr.read(png)) } }),
      'shop-record',
    );
    const [recorded] = await selectorHistory('shop-record');
    expect(recorded?.type).toBe('FingerprintRecorded');
    if (recorded?.type !== 'FingerprintRecorded') return;
    const fingerprint = parseFingerprint(recorded.data.fingerprint);
    expect(fingerprint.visual).toMatchObject({
      v: 1,
      bbox: { width: 24 },
      viewport: { width: 1000, height: 700 },
      cropHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // The link holds no DOM text, so OCR read its crop (sparse text): an icon, no words.
    expect(reads).toBe(1);
    expect(fingerprint.visual?.text).toBeUndefined();

    // Off by configuration: no screenshot, no visual part.
    await record(robot(false), 'shop-record-off');
    const [off] = await selectorHistory('shop-record-off');
    expect(
      off?.type === 'FingerprintRecorded' && parseFingerprint(off.data.fingerprint).visual,
    ).toBeUndefined();
  });

  it('starts OCR only for an element without DOM text, and records without drawn text when it cannot start', async () => {
    const calls: string[] = [];
    const stuck = robot({
      ocrStartMs: 300,
      ocr: {
        start: () => (calls.push('start'), new Promise<void>(() => undefined)),
        read: async () => (calls.push('read'), 'never'),
      },
    });
    await record(stuck, 'shop-text', 'h1');
    expect(calls).toEqual([]);

    const started = performance.now();
    await record(stuck, 'shop-stuck');
    expect(performance.now() - started).toBeLessThan(300 + 2_000);
    expect(calls).toEqual(['start']);
    const [recorded] = await selectorHistory('shop-stuck');
    const visual =
      recorded?.type === 'FingerprintRecorded' && parseFingerprint(recorded.data.fingerprint).visual;
    expect(visual).toMatchObject({ cropHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(visual && visual.text).toBeUndefined();
  });

  it('heals what tiers 1–2 refuse when one twin looks like the recording, and records it as tier 3', async () => {
    const healing = robot({});
    await record(healing, 'shop-grouped');
    await show(grouped, 'grouped');

    // Tiers 1–2 alone: two text-less links after the text links, nothing in the DOM tells them apart.
    const without = await heal(robot(false), scope('shop-grouped', 'job-off').value);
    expect(without).toMatchObject({ status: 'refused' });
    expect(without.status === 'refused' && without.message).toMatch(/\(ambiguous\)$/);

    const step = scope('shop-grouped', 'job-on');
    outcomes.length = 0;
    const started = performance.now();
    const outcome = await heal(healing, step.value);
    const tookMs = performance.now() - started;
    expect(outcome.status).toBe('healed');
    if (outcome.status !== 'healed') return;
    expect(await iconOf(outcome.selector)).toBe('#cart');
    expect(outcomes).toEqual(['healed/3']);

    // Recorded like any heal: on the job (fenced, through the scope) and on the selector's subject.
    expect(step.heals).toHaveLength(1);
    const [data] = step.heals;
    expect(data).toMatchObject({
      tier: 3,
      applied: true,
      previousSelector: 'a[aria-label="Cart"]',
      healedSelector: outcome.selector,
      explanation: { rule: 'visual' },
      screenshotRef: expect.stringMatching(/heal-1\.png$/),
    });
    expect(data.explanation?.summary).toMatch(
      /^Tiers 1 and 2 found no clear best among the closest candidates; this one looks like the recording/,
    );
    expect(data.runnerUp?.selector).toBeDefined();
    expect(await iconOf(data.runnerUp?.selector ?? '')).toBe('#aperture');
    expect(step.artifacts.get(data.screenshotRef ?? '')?.byteLength).toBeGreaterThan(100);
    const reported = (await selectorHistory('shop-grouped')).filter((e) => e.type === 'SelectorHealReported');
    expect(reported).toHaveLength(1);
    expect(reported[0]?.data).toMatchObject({ jobId: 'job-on', tier: 3, healedSelector: outcome.selector });
    // Within tiers 1–2's 400 ms plus tier 3's 2 s, the proposal and the crop.
    expect(tookMs).toBeLessThan(2_400 + 3_000);
  });

  it('records the look of a link below the fold and heals it there among its twins, leaving the page unscrolled', async () => {
    // A short window: the navbar's icon links sit under its bottom edge when recorded and when healed.
    await page.setViewportSize({ width: 1000, height: 360 });
    try {
      const healing = robot({});
      await record(healing, 'shop-fold');
      const [recorded] = await selectorHistory('shop-fold');
      const fingerprint =
        recorded?.type === 'FingerprintRecorded' ? parseFingerprint(recorded.data.fingerprint) : undefined;
      expect(fingerprint?.visual).toMatchObject({
        viewport: { width: 1000, height: 360 },
        lookHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(fingerprint?.visual?.bbox.y).toBeGreaterThan(360);
      const scrolled = () => page.evaluate(() => [scrollX, scrollY]);
      expect(await scrolled()).toEqual([0, 0]);

      await show(grouped, 'fold-grouped');
      expect(
        await page
          .locator('a.nav-link:not([aria-label]) use')
          .first()
          .evaluate((el) => el.getBoundingClientRect().top),
      ).toBeGreaterThan(360);
      outcomes.length = 0;
      const outcome = await heal(healing, scope('shop-fold', 'job-on').value);
      expect(await scrolled()).toEqual([0, 0]);
      expect(outcome.status).toBe('healed');
      expect(outcome.status === 'healed' && (await iconOf(outcome.selector))).toBe('#cart');
      expect(outcomes).toEqual(['healed/3']);
    } finally {
      await page.setViewportSize({ width: 1000, height: 700 });
    }
  });

  it('refuses a heal among look-alike twins when none looks like the recording, saying why', async () => {
    const healing = robot({});
    await record(healing, 'shop-deleted');
    await show(cartDeleted, 'cart-deleted');

    // Tiers 1–2 alone take the chevron link where the cart was: a wrong click.
    const wrong = await heal(robot(false), scope('shop-deleted', 'job-off').value);
    expect(wrong.status).toBe('healed');
    expect(wrong.status === 'healed' && (await iconOf(wrong.selector))).toBe('#chevron-right');

    const step = scope('shop-deleted', 'job-on');
    outcomes.length = 0;
    const outcome = await heal(healing, step.value);
    expect(outcome.status).toBe('refused');
    expect(outcome.status === 'refused' && outcome.message).toMatch(
      /^element not found: a\[aria-label="Cart"\]; best candidate .+ at confidence 0\.\d\d refused \(ambiguous\): The element tiers 1 and 2 chose has twins the DOM cannot tell apart, and on screen none of the 2 looks clearly like the recording \(best \d+ %; a visual heal needs 75 % and a 15 % lead\): refused rather than guessed$/,
    );
    expect(outcomes).toEqual(['refused/-']);
    expect(step.heals).toEqual([]);
    // Only the tier-1 heal of the robot without tier 3 was reported.
    const reported = (await selectorHistory('shop-deleted')).filter((e) => e.type === 'SelectorHealReported');
    expect(reported.map((e) => e.type === 'SelectorHealReported' && e.data.jobId)).toEqual(['job-off']);
  });

  it('reads drawn text with OCR at record and heal time, and takes the twin that draws the recorded word', async () => {
    let reads = 0;
    const healing = robot({ ocr: { start: ocr.start, read: (png) => (reads++, ocr.read(png)) } });
    await show(drawnToolbar(['Save', 'Delete'], true), 'drawn-recorded');
    await healing
      .hooksFor(scope('tools', 'job-record').value)
      .recordTarget?.({ selector: '#tool-delete', frame: page.mainFrame() });
    const [recorded] = (
      await nats.store.read(
        subjects.event(TENANT, 'selector', selectorKey(TENANT, 'tools', 'cart', '#tool-delete')),
        selectorEvents,
      )
    ).events.map((stored) => stored.event);
    const fingerprint =
      recorded?.type === 'FingerprintRecorded' && parseFingerprint(recorded.data.fingerprint);
    expect(fingerprint && fingerprint.visual?.text).toMatch(/Delete/);
    expect(reads).toBe(1);

    // The next release: ids gone, the buttons swapped. The DOM alone takes the one in Delete's old place.
    await show(drawnToolbar(['Delete', 'Save'], false), 'drawn-swapped');
    const request = notFound('#tool-delete');
    const label = (selector: string) =>
      page.locator(selector).evaluate((el) => el.querySelector('canvas')?.dataset['label'] ?? '');
    const without = await robot(false).hooksFor(scope('tools', 'job-off').value).heal!(request);
    expect(without.status === 'healed' && (await label(without.selector))).toBe('Save');

    const step = scope('tools', 'job-on');
    const outcome = await healing.hooksFor(step.value).heal!(request);
    expect(outcome.status === 'healed' && (await label(outcome.selector))).toBe('Delete');
    expect(reads).toBeGreaterThanOrEqual(3);
    expect(step.heals[0]).toMatchObject({ tier: 3, explanation: { rule: 'visual' } });
    expect(step.heals[0]?.explanation?.evidence[0]).toMatchObject({
      feature: 'drawn text (OCR)',
      similarity: 1,
    });
  });

  it('refuses a heal among twins that tier 3 could not check within its budget, and fails the step', async () => {
    const healing = robot({ budgetMs: 1 });
    await show(drawnToolbar(['Save', 'Delete'], true), 'late-recorded');
    await healing
      .hooksFor(scope('tools-late', 'job-record').value)
      .recordTarget?.({ selector: '#tool-delete', frame: page.mainFrame() });
    // The next release: ids gone, the buttons swapped. Tiers 1–2 take the twin in Delete's old place.
    await show(drawnToolbar(['Delete', 'Save'], false), 'late-swapped');
    const request = notFound('#tool-delete');
    const without = await robot(false).hooksFor(scope('tools-late', 'job-off').value).heal!(request);
    expect(without.status).toBe('healed');

    const step = scope('tools-late', 'job-late');
    const outcome = await healing.hooksFor(step.value).heal!(request);
    expect(outcome).toMatchObject({ status: 'refused' });
    expect(outcome.status === 'refused' && outcome.message).toMatch(
      /^element not found: #tool-delete; best candidate .* refused \(ambiguous\): .* has a twin the DOM cannot tell apart, and the visual tier ran out of its 1 ms before comparing them on screen: refused rather than guessed$/,
    );
    expect(step.heals).toEqual([]);
  });

  it('leaves the verdict to tiers 1–2 when tier 3 overruns its budget', async () => {
    const healing = robot({ budgetMs: 1 });
    await record(healing, 'shop-budget');
    await show(grouped, 'grouped-budget');
    const step = scope('shop-budget', 'job-late');
    const outcome = await heal(healing, step.value);
    expect(outcome).toMatchObject({ status: 'refused' });
    expect(outcome.status === 'refused' && outcome.message).toMatch(/\(ambiguous\)$/);
    expect(step.heals).toEqual([]);
  });
});
