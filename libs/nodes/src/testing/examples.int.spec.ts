import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWorkflowText, type Workflow } from '@aether/workflow';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the examples run against the real demo app
import { startDemoSite, type DemoSite } from '../../../../apps/demo-site/src';
import { InMemoryArtifacts } from '../artifacts/artifact-store';
import { BrowserPool } from '../browser/browser-pool';
import { CHROMIUM_LAUNCH_OPTIONS } from '../browser/launch-options';
import { createNodeHandlers, type NodeHandlerTable } from '../handlers';
import { LocalRuns } from './local-runs';
import type { LocalRunResult } from './run-locally';
import { processXvfbDisplay } from './xvfb';

jest.setTimeout(60_000);

const EXAMPLES = join(__dirname, '../../../../examples');
const SECRETS = { demoPassword: 'demo-password' };

function example(file: string): Workflow {
  const parsed = parseWorkflowText(readFileSync(join(EXAMPLES, file), 'utf8'));
  if (!parsed.ok)
    throw new Error(`${file}:\n${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
  return parsed.workflow;
}

function outputsOf(result: LocalRunResult): Readonly<Record<string, unknown>> {
  if (result.status !== 'completed')
    throw new Error(`The run ended ${result.status}: ${JSON.stringify(result)}`);
  return result.outputs;
}

/** Places `count` orders through the site's own form, as a person would, before a test reads them. */
async function placeOrders(site: DemoSite, count: number): Promise<void> {
  const form = (fields: Record<string, string>, cookie = '') => ({
    method: 'POST',
    redirect: 'manual' as const,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams(fields).toString(),
  });
  const signedIn = await fetch(
    `${site.url}/login`,
    form({ username: 'demo', password: SECRETS.demoPassword }),
  );
  const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  for (let i = 1; i <= count; i++) {
    const placed = await fetch(
      `${site.url}/orders/new`,
      form(
        {
          customer: `Seeded ${i}`,
          email: `seeded${i}@example.test`,
          product: 'widget',
          quantity: String(i),
          deliveryDate: '2031-05-17',
          shipping: i % 3 === 0 ? 'express' : 'standard',
          notes: '',
        },
        cookie,
      ),
    );
    if (placed.status !== 303) throw new Error(`Seeding order ${i} answered ${placed.status}`);
  }
}

// Each test has its own site, and its run is stopped when the test ends: a run that outlived a
// timed-out test once added an order while the next test counted them.
describe('examples: each example workflow against the demo site', () => {
  let site: DemoSite;
  let pool: BrowserPool;
  let handlers: NodeHandlerTable;
  let filesRoot: string;
  let artifacts: InMemoryArtifacts;
  const runs = new LocalRuns();
  const run = (file: string, variables: Record<string, unknown>) =>
    runs.run({
      workflow: example(file),
      variables: { siteUrl: site.url, ...variables },
      secrets: SECRETS,
      handlers,
      browser: pool,
      artifacts,
    });

  beforeAll(async () => {
    pool = new BrowserPool();
    filesRoot = mkdtempSync(join(tmpdir(), 'aether-examples-'));
    cpSync(join(EXAMPLES, 'data'), join(filesRoot, 'data'), { recursive: true });
    handlers = createNodeHandlers({ filesRoot, desktop: false });
  });
  beforeEach(async () => {
    site = await startDemoSite({ port: 0, pageSize: 10 });
    artifacts = new InMemoryArtifacts();
  });
  afterEach(async () => {
    const stopped = runs.stop();
    await site.close();
    await stopped;
  });
  afterAll(async () => {
    await pool?.close();
    await handlers?.close();
    rmSync(filesRoot, { recursive: true, force: true });
  });

  it('login-order-from-csv: enters all 50 CSV rows as orders', async () => {
    const result = await run('login-order-from-csv.workflow.json', {});
    const outputs = outputsOf(result);
    const orders = site.orders();
    expect(orders).toHaveLength(50);
    expect(outputs).toMatchObject({ rows: 50, entered: 50, confirmationCount: 50 });
    expect(outputs['confirmationNumbers']).toEqual(orders.map((o) => o.confirmationNumber));
    expect(new Set(outputs['confirmationNumbers'] as string[]).size).toBe(50);
    // The CSV's values, quoted commas included, arrive as typed.
    const csv = readFileSync(join(EXAMPLES, 'data/orders-50.csv'), 'utf8');
    expect(orders[0]).toMatchObject({
      customer: 'Acme Ltd 01',
      email: 'buyer1@acme.test',
      product: 'gadget',
      quantity: 8,
      shipping: 'standard',
    });
    expect(orders[6]).toMatchObject({ customer: 'Wayne, Inc. 07', shipping: 'standard' });
    expect(csv).toContain('"Wayne, Inc. 07"');
    expect(orders.filter((o) => o.shipping === 'express')).toHaveLength(16);
  }, 150_000); // 50 orders: 44 s at load 4, over 60 s at load 12 and more

  it('extract-orders-table: reads every page of the orders table', async () => {
    await placeOrders(site, 23);
    const outputs = outputsOf(await run('extract-orders-table.workflow.json', {}));
    const orders = site.orders();
    expect(orders).toHaveLength(23); // three pages, the last one short
    expect(outputs['rowCount']).toBe(orders.length);
    expect(outputs['reportedTotal']).toBe(orders.length);
    const rows = outputs['rows'] as Record<string, string>[];
    expect(rows.map((r) => r['Confirmation'])).toEqual(orders.map((o) => o.confirmationNumber));
    expect(rows[0]).toMatchObject({ Customer: orders[0]?.customer, Quantity: String(orders[0]?.quantity) });
  });

  it('download-and-reupload: uploads exactly the CSV it downloaded', async () => {
    await placeOrders(site, 12);
    const result = await run('download-and-reupload.workflow.json', {});
    const outputs = outputsOf(result);
    const ref = result.history.get('download-export');
    const bytes = await artifacts.get((ref as { output: { ref: string } }).output.ref);
    expect(outputs).toMatchObject({
      downloadedName: 'orders.csv',
      uploadedName: 'orders.csv',
      downloadedSize: bytes.length,
      uploadedSize: bytes.length,
    });
    // A header line plus one line per order.
    expect(outputs['uploadedLines']).toBe(12 + 1);
  });

  it('error-page-recovery: catches the failed navigation and recovers from the error page', async () => {
    const key = `example-${Date.now()}`;
    const result = await run('error-page-recovery.workflow.json', { key });
    const outputs = outputsOf(result);
    expect(outputs).toMatchObject({ status: 'It worked', attempt: 2 });
    expect(outputs['recoveredFrom']).toContain('500');
    expect(result.steps.map((s) => [s.key, s.outcome.status])).toEqual([
      ['open-flaky', 'failed'],
      ['see-error-page', 'completed'],
      ['note-error', 'completed'],
      ['click-retry', 'completed'],
      ['read-ok', 'completed'],
      ['read-attempt', 'completed'],
    ]);
  });

  it('subflow-login: the subflow signs in, so /orders loads in the same session', async () => {
    await placeOrders(site, 3);
    const result = await run('subflow-login.workflow.json', {});
    const outputs = outputsOf(result);
    expect(outputs).toMatchObject({
      ordersCount: 3,
      page: '1',
      loginPage: `${site.url}/login`,
    });
    expect(result.steps.map((s) => s.key)).toEqual([
      'sign-in/open-login',
      'sign-in/fill-username',
      'sign-in/fill-password',
      'sign-in/submit-login',
      'sign-in/wait-order-form',
      'open-orders',
      'read-count',
      'read-page',
    ]);
    expect(pool.usage().leases).toBe(0);
  });
});

// ------------------------------------------------------------------ desktop, under Xvfb

// The "application" the desktop example drives: a kiosk Chromium window with a logo and,
// 65 px below the logo's top edge, a text field whose form records what Enter submitted.
const APP_PAGE = `<!doctype html><body style="margin:0;background:#fff;width:1280px;height:800px;overflow:hidden">
<canvas id="logo" width="120" height="40" style="position:absolute;left:200px;top:120px"></canvas>
<form id="form" style="position:absolute;left:200px;top:170px;margin:0">
  <input id="field" autocomplete="off" style="width:300px;height:30px;font-size:20px;box-sizing:border-box">
</form>
<div id="submitted" style="position:absolute;left:200px;top:260px"></div>
<script>
  const c = document.getElementById('logo').getContext('2d');
  for (let i = 0; i < 12; i++) for (let j = 0; j < 4; j++) {
    c.fillStyle = 'hsl(' + ((i * 37 + j * 71) % 360) + ',80%,' + (30 + ((i + j) % 3) * 20) + '%)';
    c.fillRect(i * 10, j * 10, 10, 10);
  }
  document.getElementById('form').addEventListener('submit', (e) => {
    e.preventDefault();
    document.getElementById('submitted').textContent = document.getElementById('field').value;
  });
</script></body>`;

describe('examples: the desktop example under Xvfb', () => {
  let browser: Browser;
  let page: Page;
  let handlers: NodeHandlerTable;
  let filesRoot: string;
  const runs = new LocalRuns();

  beforeAll(async () => {
    const display = await processXvfbDisplay();
    filesRoot = mkdtempSync(join(tmpdir(), 'aether-examples-desktop-'));
    browser = await chromium.launch({
      ...CHROMIUM_LAUNCH_OPTIONS,
      headless: false,
      args: [
        ...(CHROMIUM_LAUNCH_OPTIONS.args ?? []),
        '--kiosk',
        '--window-position=0,0',
        '--window-size=1280,800',
      ],
      env: { ...process.env, DISPLAY: display },
    });
    page = await (await browser.newContext({ viewport: null })).newPage();
    await page.setContent(APP_PAGE);
    await page.locator('#logo').screenshot({ path: join(filesRoot, 'app-logo.png') });
    handlers = createNodeHandlers({ filesRoot, desktop: { display, pollIntervalMs: 100 } });
  });
  afterEach(() => runs.stop());
  afterAll(async () => {
    await browser?.close();
    await handlers?.close();
    rmSync(filesRoot, { recursive: true, force: true });
  });

  it('desktop-type-text: finds the window, types into its field with the real keyboard and submits', async () => {
    const artifacts = new InMemoryArtifacts();
    const text = 'Typed by Aether 7';
    await page.fill('#field', 'stale text');
    const result = await runs.run({
      workflow: example('desktop-type-text.workflow.json'),
      variables: { text },
      handlers,
      artifacts,
    });
    const outputs = outputsOf(result);

    const deadline = Date.now() + 5000;
    while ((await page.textContent('#submitted')) !== text && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await page.textContent('#submitted')).toBe(text);
    expect(await page.inputValue('#field')).toBe(text);
    expect(outputs['logoAt']).toMatchObject({ width: 120, height: 40 });
    const png = PNG.sync.read(Buffer.from(await artifacts.get(outputs['screenshot'] as string)));
    expect({ width: png.width, height: png.height }).toEqual({ width: 1280, height: 800 });
  });
});
