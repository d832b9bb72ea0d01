// Against a real Chromium (Debian's /usr/bin/chromium) through playwright-core.
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  HtmlPage,
  captureFingerprint,
  fingerprintFromHtml,
  healInHtml,
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

  // ADR 98: what Chromium adds to or hides from an accessible name that the offline view cannot
  // see — an icon font's generated glyph, a `display: none` span, an image's alt — and elements
  // with nothing of their own but their words. Each proposal must find, in Playwright, the one
  // element it finds in the collector, offline and in the page alike.
  const MENU = `<!doctype html><html><head><style>
.bi::before { content: "\\f425"; font-family: serif; } .d-none { display: none; }
</style></head><body><aside><ul class="menu">
<li><button type="button" class="nav-link"><i class="bi"></i> <p>Documentation</p></button></li>
<li><button type="button" class="nav-link"><i class="bi"></i> <p>Layout</p></button></li>
<li><a href="#" class="nav-link">Home <span class="d-none">(current)</span></a></li>
<li><a href="#" class="nav-link"><img alt="Logo" src="data:,"> Brand</a></li>
<li><a href="#" class="nav-link">Pricing</a></li>
</ul></aside><main><form><p><label><input type="checkbox"> Remember me</label></p>
<p><input type="text" class="form-control" placeholder="Find"></p></form></main></body></html>`;
  const NEXT = (html: string): string =>
    html
      .replace('<ul class="menu">', '<div class="wrap"><ul class="menu">')
      .replace('</ul>', '</ul></div>')
      .replace(/<li>/g, '<li><span class="badge">New</span>')
      .replace('<form>', '<form><div>')
      .replace('</form>', '</div></form>');
  const TARGETS: readonly [string, string, RegExp][] = [
    ['aside > ul > li:nth-of-type(1) > button', 'role=button[name*="Documentation"s]', /Documentation/],
    ['aside > ul > li:nth-of-type(3) > a', 'role=link[name*="Home"s]', /Home/],
    ['aside > ul > li:nth-of-type(4) > a', 'role=link[name*="Brand"s]', /Brand/],
    ['aside > ul > li:nth-of-type(5) > a', 'role=link[name*="Pricing"s]', /Pricing/],
    ['form > p > label > input', 'role=checkbox[name*="Remember me"s]', /checkbox/],
  ];

  it.each(TARGETS)(
    'proposes %s by role and name, and Playwright resolves it to the same element',
    async (recorded, proposal, what) => {
      await page.setContent(MENU);
      const fingerprint = await captureFingerprint(page, recorded);
      await page.setContent(NEXT(MENU));
      const result = await healOnPage(page, fingerprint, ROOMY);
      expect(result).toMatchObject({ status: 'healed', selector: proposal, structural: false });
      expect(await pick(result)).toMatch(what);
      // Playwright's engine finds it alone; the collector resolves it for the next heal.
      expect(await page.locator(proposal).count()).toBe(1);
      const again = await captureFingerprint(page, proposal);
      expect(again.tag).toBe(fingerprint.tag);
      expect(await healOnPage(page, again, ROOMY)).toMatchObject({ status: 'intact', selector: proposal });
      // Offline, the same proposal for the same markup, naming the same element.
      const offline = healInHtml(NEXT(MENU), fingerprintFromHtml(MENU, recorded), ROOMY);
      expect(offline).toMatchObject({ status: 'healed', selector: proposal });
      const hits = HtmlPage.parse(NEXT(MENU)).querySelectorAll(proposal);
      expect(hits).toHaveLength(1);
    },
    30_000,
  );

  it('agrees with Playwright that two buttons with the same words are no role proposal', async () => {
    const twins = MENU.replace('<p>Layout</p>', '<p>Documentation</p>');
    await page.setContent(twins);
    expect(await page.locator('role=button[name*="Documentation"s]').count()).toBe(2);
    await expect(captureFingerprint(page, 'role=button[name*="Documentation"s]')).rejects.toThrow();
    expect(HtmlPage.parse(twins).querySelectorAll('role=button[name*="Documentation"s]')).toHaveLength(2);
  });

  // ADR 114: the role form after a CSS scope and `>>`, where the words recur elsewhere on the page.
  const SCOPED = `<!doctype html><html><head><style>.bi::before { content: "\\f425"; }</style></head><body>
<header><nav><a href="#" class="link"><i class="bi"></i> Home</a> <a href="#" class="link">Docs</a></nav></header>
<nav aria-label="Account"><a href="#" class="link">Settings</a></nav>
<nav aria-label="Admin"><a href="#" class="link">Settings</a></nav>
<main><form action="/search"><button type="button" class="btn">Go</button></form>
<form action="/subscribe"><button type="button" class="btn">Go</button></form></main>
<footer><ul><li><a href="#" class="f-link">Home</a></li><li><a href="#" class="f-link">About</a></li></ul></footer></body></html>`;
  const SCOPED_NEXT = (html: string): string =>
    html.replace(/<(a|button) /g, '<span class="w"><$1 ').replace(/<\/(a|button)>/g, '</$1></span>');
  // Recorded path, expected proposal, and the element after the change (plain CSS, for the check).
  const SCOPED_TARGETS: readonly [string, string, string][] = [
    ['body > footer > ul > li:nth-of-type(1) > a', 'footer >> role=link[name*="Home"s]', 'footer li a'],
    ['body > header > nav > a:nth-of-type(1)', 'nav >> role=link[name*="Home"s]', 'header a'],
    [
      'body > nav:nth-of-type(2) > a',
      'nav[aria-label="Admin"] >> role=link[name*="Settings"s]',
      'nav[aria-label="Admin"] a',
    ],
    [
      'body > main > form:nth-of-type(2) > button',
      'form[action="/subscribe"] >> role=button[name*="Go"s]',
      'form[action="/subscribe"] button',
    ],
  ];

  /**
   * Recorded on `before`, healed on `after` in Chromium: the heal proposes `proposal`, Playwright
   * resolves it to the one element `element` (CSS) names, the next heal finds it intact, and the
   * offline heal proposes the same.
   */
  async function expectProposalResolved(
    before: string,
    after: string,
    recorded: string,
    proposal: string,
    element: string,
  ): Promise<void> {
    await page.setContent(before);
    const fingerprint = await captureFingerprint(page, recorded);
    await page.setContent(after);
    const result = await healOnPage(page, fingerprint, ROOMY);
    expect(result).toMatchObject({ status: 'healed', selector: proposal, structural: false });
    expect(await page.locator(proposal).count()).toBe(1);
    expect(
      await page.locator(proposal).evaluate((e, css) => e === document.querySelector(css), element),
    ).toBe(true);
    expect(await healOnPage(page, await captureFingerprint(page, proposal), ROOMY)).toMatchObject({
      status: 'intact',
      selector: proposal,
    });
    const offline = healInHtml(after, fingerprintFromHtml(before, recorded), ROOMY);
    expect(offline).toMatchObject({ status: 'healed', selector: proposal });
    expect(HtmlPage.parse(after).querySelectorAll(proposal)).toHaveLength(1);
  }

  it.each(SCOPED_TARGETS)(
    'proposes %s inside its scope, and Playwright resolves the chain to the same element',
    (recorded, proposal, element) =>
      expectProposalResolved(SCOPED, SCOPED_NEXT(SCOPED), recorded, proposal, element),
    30_000,
  );

  it('agrees with Playwright on how many elements a chain matches; the scope itself is no match to it', async () => {
    await page.setContent(SCOPED);
    const offline = HtmlPage.parse(SCOPED);
    for (const chain of ['nav >> role=link[name*="Settings"s]', 'main >> role=button[name*="Go"s]']) {
      expect(await page.locator(chain).count()).toBe(2);
      expect(offline.querySelectorAll(chain)).toHaveLength(2);
    }
    // Playwright looks below the scope only; the collector counts the scope too (errs towards matching).
    expect(await page.locator('nav[aria-label="Admin"] >> role=navigation').count()).toBe(0);
  });

  // ADR 114: words without a role, `<tag>:text-is("…")` — Playwright's own text runs of an element.
  const WORDS = `<!doctype html><html><head><style>.d-none { display: none; }</style></head><body>
<div class="card"><div class="card-title h3">Account settings</div><p>Change your e-mail.</p></div>
<div class="card"><div class="card-title h3">Billing <!-- plan --></div><p>Your plan and <b>invoices</b>.</p></div>
<div class="card"><span class="title">Team&nbsp;members</span></div>
<form><label class="form-label">Email address</label><input type="text" class="form-control"></form></body></html>`;
  const WORDS_NEXT = (html: string): string =>
    html
      .replace(/<div class="card">/g, '<div class="card"><div class="wrap"><span class="badge">New</span>')
      .replace(/<\/div>\n/g, '</div></div>\n')
      .replace('<label', '<div class="row"><label')
      .replace('</label>', '</label></div>');
  const WORDS_TARGETS: readonly [string, string, string][] = [
    ['body > div:nth-of-type(2) > div', 'div:text-is("Billing")', '.card:nth-of-type(2) .card-title'],
    ['body > div:nth-of-type(3) > span', 'span:text-is("Team members")', 'span.title'],
    ['body > form > label', 'label:text-is("Email address")', 'label'],
  ];

  it.each(WORDS_TARGETS)(
    'proposes %s by its tag and own words, and Playwright resolves it to the same element',
    (recorded, proposal, element) =>
      expectProposalResolved(WORDS, WORDS_NEXT(WORDS), recorded, proposal, element),
    30_000,
  );

  it('agrees with Playwright on which elements own the words', async () => {
    const html = `<!doctype html><html><body><div>Account <b>x</b></div><div><div>Account</div></div>
<div> Account\n</div><div>Account settings</div><div class="d-none">Account</div><p>Account</p></body></html>`;
    await page.setContent(html);
    const offline = HtmlPage.parse(html);
    for (const [selector, n] of [
      ['div:text-is("Account")', 4],
      ['div:text-is("account")', 0],
      ['div:text-is("Account settings")', 1],
      ['body >> p:text-is("Account")', 1],
    ] as const) {
      expect(await page.locator(selector).count()).toBe(n);
      expect(offline.querySelectorAll(selector)).toHaveLength(n);
    }
  });
});
