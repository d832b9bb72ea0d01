import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// eslint-disable-next-line @nx/enforce-module-boundaries -- browser nodes are tested against the real demo app
import { startDemoSite, type DemoSite } from '../../../../apps/demo-site/src';
import { InMemoryArtifacts } from '../artifacts/artifact-store';
import {
  ClickMissedError,
  AmbiguousSelectorError,
  ElementNotFoundError,
  HttpError,
  NodeParamsError,
  NodeTimeoutError,
} from '../errors';
import { createNodeHandlers, type NodeHandlerTable } from '../handlers';
import { testNodeContext } from '../testing';
import { BrowserPool, type BrowserLease } from './browser-pool';
import { MAX_CLICKS } from './click';
import { captureFailureArtifacts } from './failure-artifacts';

jest.setTimeout(60_000);

const MISC_PAGE = `<!doctype html><title>misc</title>
<button id="hover-target" onmouseenter="document.getElementById('hover-state').textContent='hovered'">Hover me</button>
<span id="hover-state">idle</span>
<button id="confirm" onclick="document.getElementById('confirm-result').textContent = confirm('Sure?') ? 'yes' : 'no'">Confirm</button>
<span id="confirm-result"></span>
<button id="prompt" onclick="document.getElementById('prompt-result').textContent = prompt('Name?')">Prompt</button>
<span id="prompt-result"></span>
<a id="open-tab" href="/tab" target="_blank">Open tab</a>
<input id="key-input" onkeydown="if (event.key === 'Enter') document.getElementById('key-result').textContent = this.value">
<span id="key-result"></span>
<span class="dup">a</span><span class="dup">b</span>
<button id="disabled" disabled>Disabled</button>
<a id="link" href="/tab?from=link" data-kind="internal">Link</a>
<table id="plain"><tr><td>1</td><td> 2 </td></tr><tr><td>3</td><td>4</td></tr></table>
<iframe name="inner" id="inner-frame" src="/frame"></iframe>
<div id="delayed"></div>
<script>setTimeout(() => { document.getElementById('delayed').innerHTML = '<p id="arrived">Arrived late</p>'; }, 300);</script>`;
const FRAME_PAGE = `<!doctype html><input id="frame-input">
<button id="frame-button" onclick="document.getElementById('frame-out').textContent = document.getElementById('frame-input').value">Go</button>
<span id="frame-out"></span><iframe name="nested" src="/nested"></iframe>`;

/** A frame whose button, when the pointer reaches it, pushes the frame down the page: once, or (`?every`) every time. */
const SHIFTING_PAGE = `<!doctype html><p>top</p><iframe name="shifty" id="shifty"></iframe>
<script>window.strayClicks = 0; document.addEventListener('click', () => window.strayClicks++);
document.getElementById('shifty').src = '/shifting-frame' + location.search;</script>`;
const SHIFTING_FRAME = `<!doctype html><button id="shifty-button" style="margin-top:20px">Press</button><span id="presses">0</span>
<script>let shifted = false;
const button = document.getElementById('shifty-button');
button.addEventListener('mouseover', () => {
  if (shifted && !location.search.includes('every')) return;
  shifted = true;
  const banner = parent.document.createElement('div');
  banner.style.height = '120px';
  parent.document.body.insertBefore(banner, parent.document.body.firstChild);
});
button.addEventListener('click', () => { const n = document.getElementById('presses'); n.textContent = String(Number(n.textContent) + 1); });</script>`;

describe('browser nodes on real Chromium', () => {
  let site: DemoSite;
  let fixture: Server;
  let fixtureUrl: string;
  let pool: BrowserPool;
  let handlers: NodeHandlerTable;
  let filesRoot: string;
  const artifacts = new InMemoryArtifacts();
  let lease: BrowserLease;
  let jobCount = 0;

  const step = async (type: string, params: Record<string, unknown>, timeoutMs = 10_000) => {
    const handler = handlers.get(type);
    if (handler === undefined) throw new Error(`no handler for ${type}`);
    return handler.execute(
      params,
      testNodeContext({
        jobId: lease.jobId,
        stepKey: `${type}-${++jobCount}`,
        page: () => lease.page(),
        artifacts,
        timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      }),
    );
  };
  const newJob = async () => {
    await lease?.release();
    lease = await pool.acquire(`job-${++jobCount}`);
  };
  const login = async () => {
    await step('browser.goto', { url: `${site.url}/login` });
    await step('browser.fill', { selector: '#username', value: 'demo' });
    await step('browser.fill', { selector: '#password', value: 'demo-password' });
    await step('browser.click', { selector: '#login-button' });
    await step('browser.waitFor', { navigation: '/orders/new' });
  };
  const placeOrderQuickly = async (customer: string) => {
    const page = await lease.page();
    const response = await page.request.post(`${site.url}/orders/new`, {
      form: {
        customer,
        email: 'q@example.com',
        product: 'widget',
        quantity: '1',
        deliveryDate: '2030-01-01',
        shipping: 'standard',
      },
      maxRedirects: 0,
    });
    expect(response.status()).toBe(303);
  };

  beforeAll(async () => {
    filesRoot = mkdtempSync(join(tmpdir(), 'aether-browser-'));
    site = await startDemoSite({ port: 0, pageSize: 2 });
    fixture = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const pages: Record<string, string> = {
        '/misc': MISC_PAGE,
        '/frame': FRAME_PAGE,
        '/nested': '<p id="nested-text">deep</p>',
        '/shifting': SHIFTING_PAGE,
        '/shifting-frame': SHIFTING_FRAME,
      };
      const body = pages[path] ?? '<h1 id="tab-title">Second tab</h1>';
      res.writeHead(200, { 'content-type': 'text/html' }).end(body);
    });
    await new Promise<void>((resolve) => fixture.listen(0, '127.0.0.1', resolve));
    fixtureUrl = `http://127.0.0.1:${(fixture.address() as AddressInfo).port}`;
    pool = new BrowserPool();
    handlers = createNodeHandlers({ filesRoot, desktop: false });
  });
  afterAll(async () => {
    await pool.close();
    await handlers.close();
    await site.close();
    fixture.closeAllConnections();
    await new Promise((resolve) => fixture.close(resolve));
    rmSync(filesRoot, { recursive: true, force: true });
  });

  describe('on the demo site', () => {
    beforeAll(newJob);

    it('logs in, places an order and reads the confirmation', async () => {
      await login();
      await step('browser.fill', { selector: '#customer', value: 'Ada Lovelace' });
      await step('browser.fill', { selector: '#email', value: 'ada@example.com' });
      await expect(step('browser.select', { selector: '#product', label: 'Gadget' })).resolves.toEqual({
        selected: ['gadget'],
      });
      await step('browser.fill', { selector: '#quantity', value: '3' });
      await step('browser.fill', { selector: '#delivery-date', value: '2030-05-17' });
      await step('browser.check', { selector: '#shipping-express' });
      await step('browser.check', { selector: '#gift-wrap' });
      await step('browser.check', { selector: '#gift-wrap', checked: false });
      await step('browser.fill', { selector: '#notes', value: 'Leave at the door' });
      await step('browser.click', { selector: '#submit-order' });
      await step('browser.waitFor', { selector: '#confirmation-number' });

      const { text } = await step('browser.extractText', { selector: '#confirmation-number' });
      const [order] = site.orders();
      expect(text).toMatch(/^AE-[A-Z0-9]{8}$/);
      expect(order).toMatchObject({
        confirmationNumber: text,
        customer: 'Ada Lovelace',
        product: 'gadget',
        quantity: 3,
        deliveryDate: '2030-05-17',
        shipping: 'express',
        giftWrap: false,
        notes: 'Leave at the door',
      });
      await expect(
        step('browser.extractAttribute', { selector: '#summary-product', attribute: 'data-value' }),
      ).resolves.toEqual({ value: 'gadget' });
    });

    it('extracts a paginated table as header-keyed rows', async () => {
      for (const name of ['Bob', 'Cy', 'Di', 'Ed']) await placeOrderQuickly(name);
      await step('browser.goto', { url: `${site.url}/orders` });
      const all = await step('browser.extractTable', {
        selector: '#orders-table',
        nextPageSelector: 'a.page-next',
      });
      expect(all['pages']).toBe(3);
      expect((all['rows'] as Record<string, string>[]).map((row) => row['Customer'])).toEqual([
        'Ada Lovelace',
        'Bob',
        'Cy',
        'Di',
        'Ed',
      ]);
      expect((all['rows'] as Record<string, string>[])[0]).toMatchObject({
        Product: 'Gadget',
        Quantity: '3',
        Shipping: 'express',
      });

      await step('browser.goto', { url: `${site.url}/orders` });
      const firstTwo = await step('browser.extractTable', {
        selector: '#orders-table',
        nextPageSelector: 'a.page-next',
        maxPages: 2,
      });
      expect(firstTwo['rows']).toHaveLength(4);
    });

    it('downloads the CSV export into an artifact that later nodes read and upload', async () => {
      await step('browser.goto', { url: `${site.url}/orders` });
      const download = await step('browser.download', { selector: '#export-csv' });
      expect(download).toMatchObject({
        fileName: 'orders.csv',
        ref: expect.stringMatching(/^mem:\/\/.+\/orders\.csv$/),
      });
      const parsed = await step('data.csvParse', { file: download['ref'] });
      expect(parsed['count']).toBe(site.orders().length);

      await step('browser.goto', { url: `${site.url}/upload` });
      await expect(
        step('browser.upload', { selector: '#file', file: download['ref'] }),
      ).resolves.toMatchObject({ fileName: 'orders.csv', size: download['size'] });
      await step('browser.click', { selector: '#upload-button' });
      await expect(step('browser.extractText', { selector: '#upload-lines' })).resolves.toEqual({
        text: String(site.orders().length + 1),
      });
    });

    it('uploads a file from the allowed folder, and refuses paths outside it', async () => {
      writeFileSync(join(filesRoot, 'hello.txt'), 'one\ntwo\nthree');
      await step('browser.goto', { url: `${site.url}/upload` });
      await step('browser.upload', { selector: '#file', file: 'hello.txt' });
      await step('browser.click', { selector: '#upload-button' });
      await expect(step('browser.extractText', { selector: '#upload-file-name' })).resolves.toEqual({
        text: 'hello.txt',
      });
      await expect(step('browser.extractText', { selector: '#upload-lines' })).resolves.toEqual({
        text: '3',
      });
      await expect(step('browser.upload', { selector: '#file', file: '../etc/passwd' })).rejects.toThrow(
        /must be a path relative to the allowed folder/,
      );
      const outside = mkdtempSync(join(tmpdir(), 'aether-outside-'));
      writeFileSync(join(outside, 'passwd'), 'root');
      symlinkSync(join(outside, 'passwd'), join(filesRoot, 'link'));
      await expect(step('browser.upload', { selector: '#file', file: 'link' })).rejects.toThrow(
        /outside the files folder/,
      );
      rmSync(outside, { recursive: true, force: true });
    });

    it('fails a 5xx page as a retryable HttpError and succeeds on retry', async () => {
      const url = `${site.url}/flaky?fail=1&key=goto`;
      const error = await step('browser.goto', { url }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ status: 500, retryable: true });
      await expect(step('browser.goto', { url })).resolves.toEqual({ url, status: 200 });
    });

    it('times out a slow page with a retryable NodeTimeoutError', async () => {
      const started = Date.now();
      await expect(step('browser.goto', { url: `${site.url}/slow?ms=5000` }, 1000)).rejects.toBeInstanceOf(
        NodeTimeoutError,
      );
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('takes a screenshot into an artifact', async () => {
      await step('browser.goto', { url: `${site.url}/login` });
      const { ref } = await step('browser.screenshot', { fullPage: true });
      const png = await artifacts.get(ref as string);
      expect(Buffer.from(png.subarray(1, 4)).toString()).toBe('PNG');
    });

    it('captures a screenshot and the DOM of a failing step', async () => {
      const page = await lease.page();
      const captured = await captureFailureArtifacts(page, artifacts, { name: 'job-x/step-y/attempt-1' });
      expect(captured).toEqual([
        { kind: 'screenshot', ref: 'mem://job-x/step-y/attempt-1/screenshot.png' },
        { kind: 'dom', ref: 'mem://job-x/step-y/attempt-1/dom.html' },
      ]);
      expect(Buffer.from(await artifacts.get(captured[1]?.ref ?? '')).toString()).toContain(
        'id="login-button"',
      );
    });
  });

  describe('on a fixture page', () => {
    beforeAll(newJob);
    beforeEach(() => step('browser.goto', { url: `${fixtureUrl}/misc` }));

    it('refuses URLs that are not http(s)', async () => {
      await expect(step('browser.goto', { url: 'file:///etc/passwd' })).rejects.toBeInstanceOf(
        NodeParamsError,
      );
    });

    it('reports missing, ambiguous and never-ready elements distinctly', async () => {
      const missing = await step('browser.click', { selector: '#nope' }, 1500).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(ElementNotFoundError);
      expect(missing).toMatchObject({ selector: '#nope', matchCount: 0, retryable: false });
      const ambiguous = await step('browser.click', { selector: '.dup' }, 1500).catch((e: unknown) => e);
      expect(ambiguous).toBeInstanceOf(AmbiguousSelectorError);
      expect(ambiguous).toMatchObject({ code: 'AMBIGUOUS_SELECTOR', matchCount: 2, retryable: false });
      await expect(step('browser.click', { selector: '#disabled' }, 1500)).rejects.toBeInstanceOf(
        NodeTimeoutError,
      );
    });

    it('hovers, presses keys and waits for elements and text', async () => {
      await step('browser.hover', { selector: '#hover-target' });
      await expect(step('browser.extractText', { selector: '#hover-state' })).resolves.toEqual({
        text: 'hovered',
      });
      await step('browser.fill', { selector: '#key-input', value: 'typed' });
      await step('browser.press', { selector: '#key-input', key: 'Enter' });
      await expect(step('browser.extractText', { selector: '#key-result' })).resolves.toEqual({
        text: 'typed',
      });
      await step('browser.waitFor', { selector: '#arrived' });
      await step('browser.waitFor', { text: 'Arrived late' });
      await step('browser.waitFor', { selector: '#arrived', state: 'attached' });
      await expect(step('browser.waitFor', { selector: '#never' }, 800)).rejects.toBeInstanceOf(
        ElementNotFoundError,
      );
      await expect(
        step('browser.extractAttribute', { selector: '#link', attribute: 'data-missing' }),
      ).resolves.toEqual({ value: null });
    });

    it('answers dialogs as armed, and dismisses unarmed ones', async () => {
      await step('browser.dialog', { action: 'accept' });
      await step('browser.click', { selector: '#confirm' });
      await expect(step('browser.extractText', { selector: '#confirm-result' })).resolves.toEqual({
        text: 'yes',
      });
      await step('browser.click', { selector: '#confirm' });
      await expect(step('browser.extractText', { selector: '#confirm-result' })).resolves.toEqual({
        text: 'no',
      });
      await step('browser.dialog', { action: 'accept', promptText: 'Grace' });
      await step('browser.click', { selector: '#prompt' });
      await expect(step('browser.extractText', { selector: '#prompt-result' })).resolves.toEqual({
        text: 'Grace',
      });
    });

    it('switches tabs by URL and by index', async () => {
      await step('browser.click', { selector: '#open-tab' });
      await expect(step('browser.switchTab', { urlIncludes: '/tab' })).resolves.toMatchObject({ index: 1 });
      await expect(step('browser.extractText', { selector: '#tab-title' })).resolves.toEqual({
        text: 'Second tab',
      });
      await step('browser.switchTab', { index: 0 });
      await expect(step('browser.extractText', { selector: '#hover-state' })).resolves.toEqual({
        text: 'idle',
      });
      await expect(step('browser.switchTab', { index: 7 }, 800)).rejects.toBeInstanceOf(ElementNotFoundError);
      await (await lease.page()).context().pages()[1]?.close();
    });

    it('switches into frames by name and selector, nested, and back to the top', async () => {
      await step('browser.switchFrame', { name: 'inner' });
      await step('browser.fill', { selector: '#frame-input', value: 'in a frame' });
      await step('browser.click', { selector: '#frame-button' });
      await expect(step('browser.extractText', { selector: '#frame-out' })).resolves.toEqual({
        text: 'in a frame',
      });
      await step('browser.switchFrame', { selector: 'iframe[name=nested]' });
      await expect(step('browser.extractText', { selector: '#nested-text' })).resolves.toEqual({
        text: 'deep',
      });
      await step('browser.switchFrame', { name: '_parent' });
      await expect(step('browser.extractText', { selector: '#frame-out' })).resolves.toEqual({
        text: 'in a frame',
      });
      await step('browser.switchFrame', { name: '_top' });
      await expect(step('browser.extractText', { selector: '#hover-state' })).resolves.toEqual({
        text: 'idle',
      });
      await step('browser.switchFrame', { selector: '#inner-frame' });
      await step('browser.goto', { url: `${fixtureUrl}/misc` });
      await expect(step('browser.extractText', { selector: '#hover-state' })).resolves.toEqual({
        text: 'idle',
      });
      await expect(step('browser.switchFrame', { selector: '#hover-target' })).rejects.toBeInstanceOf(
        NodeParamsError,
      );
    });

    it('clicks a button in a frame that the page moves under the pointer, once', async () => {
      await step('browser.goto', { url: `${fixtureUrl}/shifting` });
      await step('browser.switchFrame', { name: 'shifty' });
      await step('browser.click', { selector: '#shifty-button' });
      await expect(step('browser.extractText', { selector: '#presses' })).resolves.toEqual({ text: '1' });
      // Playwright's first click hit the page above the frame, which had moved down under it.
      expect(
        await (await lease.page()).evaluate(() => (window as unknown as { strayClicks: number }).strayClicks),
      ).toBe(1);
    });

    it('fails a click that keeps landing outside its frame, instead of passing without having clicked', async () => {
      await step('browser.goto', { url: `${fixtureUrl}/shifting?every` });
      await step('browser.switchFrame', { name: 'shifty' });
      const missed = await step('browser.click', { selector: '#shifty-button' }).catch(
        (error: unknown) => error,
      );
      expect(missed).toBeInstanceOf(ClickMissedError);
      expect(missed).toMatchObject({ code: 'CLICK_MISSED', retryable: true });
      await expect(step('browser.extractText', { selector: '#presses' })).resolves.toEqual({ text: '0' });
      expect(
        await (await lease.page()).evaluate(() => (window as unknown as { strayClicks: number }).strayClicks),
      ).toBe(MAX_CLICKS);
    });

    it('reads a table without a header as arrays of cell texts', async () => {
      await expect(step('browser.extractTable', { selector: '#plain' })).resolves.toEqual({
        rows: [
          ['1', '2'],
          ['3', '4'],
        ],
        pages: 1,
      });
    });

    it('evaluates scripts and waits for navigation', async () => {
      await expect(step('browser.evaluate', { script: 'document.title + ":" + (1 + 1)' })).resolves.toEqual({
        value: 'misc:2',
      });
      await expect(step('browser.evaluate', { script: 'missingFunction()' })).rejects.toBeInstanceOf(
        NodeParamsError,
      );
      await step('browser.click', { selector: '#link' });
      await expect(step('browser.waitFor', { navigation: 'from=link' })).resolves.toEqual({
        url: `${fixtureUrl}/tab?from=link`,
      });
      await step('browser.waitFor', { navigation: true });
    });
  });
});
