// Against a real Chromium (Debian's /usr/bin/chromium) through playwright-core.
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  captureFingerprint,
  fingerprintFromHtml,
  healOnPage,
  rateSelectorOnPage,
  type HealResult,
} from '../index';

// Room for a loaded CI: the budget is tested on its own below, and heal times are benchmarked
// (`npm run bench:healing`), never asserted here.
const ROOMY = { budgetMs: 10_000 };

const PAGE = `<!doctype html><html><body>
<nav aria-label="Main"><a href="/">Home</a> <a href="/pricing">Pricing</a></nav>
<main><h1>Welcome back</h1>
<form id="login-form"><label for="email">Email</label><input id="email" name="email" type="email">
<button id="login-btn" type="submit" class="btn btn-primary">Sign in</button></form>
<p><a href="/terms">Terms</a></p></main></body></html>`;

/** Many look-alike rows: a page big enough for the time budget to matter. */
const BIG = `<!doctype html><html><body><main><table>${Array.from(
  { length: 3000 },
  (_, i) =>
    `<tr><td>Row ${i}</td><td><a href="/item/${i}" class="item-link">Open item ${i}</a></td><td><button class="btn">Delete</button></td></tr>`,
).join('')}</table></main></body></html>`;

describe('browser adapter (Chromium)', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    page = await browser.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  const pick = async (result: HealResult): Promise<string | null> =>
    result.status === 'refused'
      ? null
      : page
          .locator(result.selector)
          .evaluateAll((els) =>
            els.length === 1 ? (els[0] as HTMLElement).outerHTML : `${els.length} elements`,
          );

  it('captures a fingerprint with layout and heals a changed button', async () => {
    await page.setContent(PAGE);
    const fingerprint = await captureFingerprint(page, '#login-btn');
    expect(fingerprint).toMatchObject({
      tag: 'button',
      text: 'Sign in',
      landmark: 'form',
      headingText: 'Welcome back',
    });
    expect(fingerprint.bbox?.width).toBeGreaterThan(0);

    await page.setContent(
      PAGE.replace('id="login-btn"', 'id="ember7731"')
        .replace('Sign in', 'Log in')
        .replace('<button', '<div class="row"><button')
        .replace('</button>', '</button></div>'),
    );
    const result = await healOnPage(page, fingerprint, ROOMY);
    expect(result).toMatchObject({ status: 'healed', tier: 1, previousSelector: '#login-btn' });
    if (result.status === 'healed') expect(result.bbox?.height).toBeGreaterThan(0);
    expect(await pick(result)).toContain('Log in');
  });

  it('reports an intact selector and refuses a deleted element', async () => {
    await page.setContent(PAGE);
    const fingerprint = await captureFingerprint(page, '#login-btn');
    expect(await healOnPage(page, fingerprint, ROOMY)).toMatchObject({
      status: 'intact',
      selector: '#login-btn',
    });

    await page.setContent(PAGE.replace(/<button[^]*<\/button>/, ''));
    expect(await healOnPage(page, fingerprint, ROOMY)).toMatchObject({ status: 'refused' });
  });

  it('heals in the browser a fingerprint recorded offline, and the other way round', async () => {
    const offline = fingerprintFromHtml(PAGE, 'form > button');
    await page.setContent(PAGE.replace('class="btn btn-primary"', 'class="css-9f8e7d"'));
    const result = await healOnPage(page, offline, ROOMY);
    expect(result.status).not.toBe('refused');
    expect(await pick(result)).toContain('Sign in');
  });

  // How fast a heal is on a quiet machine is the benchmark's claim (bench:healing p95), not a
  // test's: here, the right element among thousands, and the budget enforced.
  async function breakLink1500() {
    await page.setContent(BIG);
    const fingerprint = await captureFingerprint(page, 'tr:nth-of-type(1500) a');
    await page.evaluate(() => {
      const link = document.querySelectorAll('a')[1499];
      link.className = 'css-x1y2z3';
      link.parentElement?.insertBefore(document.createElement('span'), link);
    });
    return fingerprint;
  }

  it('heals the right one of thousands of look-alikes', async () => {
    const result = await healOnPage(page, await breakLink1500(), { budgetMs: 10_000 });
    expect(['healed', 'intact']).toContain(result.status);
    expect(await pick(result)).toContain('Open item 1499');
  }, 30_000);

  it('refuses rather than overrun its time budget', async () => {
    const result = await healOnPage(page, await breakLink1500(), { budgetMs: 1 });
    expect(result).toMatchObject({ status: 'refused', reason: 'timeout' });
  }, 30_000);

  it('rates a fragile selector and suggests a sturdier unique one', async () => {
    await page.setContent(PAGE);
    const rating = await rateSelectorOnPage(page, 'body > main > form > input:nth-of-type(1)');
    expect(rating.score).toBeGreaterThan(0.3);
    expect(rating.suggestion).toBe('#email');
  });
});
