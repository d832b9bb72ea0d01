import { looksGeneratedId } from './fragility';
import { HtmlPage, fingerprintFromHtml, healInHtml } from './html-adapter';
import {
  chooseProposal,
  firstUniqueCandidate,
  keyedOnTemplate,
  proposalCandidates,
  rankCandidates,
} from './proposal';

function propose(html: string, selector: string) {
  const page = HtmlPage.parse(html);
  const ranked = rankCandidates(proposalCandidates(selector, page));
  return chooseProposal(ranked, firstUniqueCandidate({ selector, candidates: ranked }, page), selector);
}

// The login form of AdminLTE 3.2 and, below, the same form after the 4.0 redesign (trimmed).
const V3 = `<html><body class="login-page"><div class="login-box"><div class="card"><div class="card-body">
<form action="../../index3.html" method="post">
  <div class="input-group mb-3"><input type="email" class="form-control" placeholder="Email"></div>
  <div class="input-group mb-3"><input type="password" class="form-control" placeholder="Password"></div>
  <div class="row">
    <div class="col-8"><div class="icheck-primary"><input type="checkbox" id="remember"><label for="remember">Remember Me</label></div></div>
    <div class="col-4"><button type="submit" class="btn btn-primary btn-block">Sign In</button></div>
  </div>
</form>
<div class="social-auth-links text-center mt-2 mb-3"><a href="#" class="btn btn-block btn-primary">Sign in using Facebook</a></div>
</div></div></div></body></html>`;
const V4 = `<html><body class="login-page bg-body-secondary"><div class="login-box"><div class="card"><div class="card-body login-card-body">
<p class="login-box-msg">Sign in to start your session</p>
<form action="../index3.html" method="post">
  <div class="input-group mb-3"><input type="email" class="form-control" placeholder="Email"><div class="input-group-text"><span class="bi bi-envelope"></span></div></div>
  <div class="input-group mb-3"><input type="password" class="form-control" placeholder="Password"><div class="input-group-text"><span class="bi bi-lock-fill"></span></div></div>
  <div class="row">
    <div class="col-8"><div class="form-check"><input class="form-check-input" type="checkbox" value="" id="flexCheckDefault"><label class="form-check-label" for="flexCheckDefault">Remember Me</label></div></div>
    <div class="col-4"><div class="d-grid gap-2"><button type="submit" class="btn btn-primary">Sign In</button></div></div>
  </div>
</form>
<div class="social-auth-links text-center mb-3 d-grid gap-2"><p>- OR -</p><a href="#" class="btn btn-primary">Sign in using Facebook</a></div>
</div></div></div></body></html>`;

describe('heal proposals', () => {
  it('proposes the redesigned login button by what it is, not by where it sits', () => {
    const fp = fingerprintFromHtml(V3, 'body > div > div > div > form > div.row > div.col-4 > button');
    const result = healInHtml(V4, fp);
    expect(result).toMatchObject({ status: 'healed', selector: 'button[type="submit"]', structural: false });
    if (result.status !== 'healed') return;
    expect(result.fragility).toBe(0);
    // The old generator's answer for the same element was a positional path.
    const page = HtmlPage.parse(V4);
    const generated = page.collect({ selector: result.selector });
    expect(generated.snapshots[generated.matched?.[0] ?? -1].selector).toMatch(/nth-of-type/);
  });

  it('prefers a test id, then a stable id, then a name over classes', () => {
    expect(
      propose(
        '<form><input id="email" name="email" class="field" data-testid="login-email"><input name="pw"></form>',
        'form > input:nth-of-type(1)',
      ).selector,
    ).toBe('[data-testid="login-email"]');
    expect(
      propose(
        '<form><input id="email" name="email" class="field"><input name="pw"></form>',
        'form > input:nth-of-type(1)',
      ).selector,
    ).toBe('#email');
    expect(
      propose(
        '<main><h2 id="what%E2%80%99s-new">What’s new</h2><h2 id="the-numbers">Numbers</h2></main>',
        'main > h2:nth-of-type(1)',
      ).selector,
    ).toBe('[id="what%E2%80%99s-new"]');
    expect(
      propose(
        '<form><input id="r-83921" name="email" class="field"><input name="pw"></form>',
        'form > input:nth-of-type(1)',
      ).selector,
    ).toBe('input[name="email"]');
  });

  it('reads a slug id with a stray % as fragility does: each run of escapes decoded, the % kept', () => {
    // Decoding the whole id fails on the stray `%`; undecoded, `off%E2%80%99s` mixes letters and digits.
    const id = '50%-off%E2%80%99s';
    expect(looksGeneratedId(id)).toBe(false);
    expect(
      propose(
        `<main><h2 id="${id}">50% off’s</h2><h2 id="the-numbers">Numbers</h2></main>`,
        'main > h2:nth-of-type(1)',
      ).selector,
    ).toBe(`[id="${id}"]`);
  });

  it('scopes a twin under its stable container instead of counting siblings', () => {
    const html = `<form id="search"><button type="submit">Go</button></form><form id="login"><button type="submit">Go</button></form>`;
    expect(propose(html, 'body > form:nth-of-type(2) > button')).toEqual({
      selector: '#login button[type="submit"]',
      fragility: 0,
      structural: false,
    });
  });

  it('falls back to the positional path, flagged, when nothing sturdier is unique', () => {
    const html = '<ul><li><span>x</span></li><li><span>x</span></li></ul>';
    const proposal = propose(html, 'html > body > ul > li:nth-of-type(2) > span');
    expect(proposal).toMatchObject({
      selector: 'html > body > ul > li:nth-of-type(2) > span',
      structural: true,
    });
    expect(proposal.fragility).toBeGreaterThan(0.3);
  });

  it('never proposes a generated id or a build-hashed class', () => {
    const html =
      '<div><button id="ember1234" class="css-1x2y3z" type="submit">Save</button><button id="ember1235" class="css-9q8w7e">Cancel</button></div>';
    expect(propose(html, 'div > button:nth-of-type(1)').selector).toBe('button[type="submit"]');
  });
});

describe('role + name proposals (ADR 98)', () => {
  const MENU = `<ul class="menu"><li><a href="#" class="nav-link">Home</a></li>
<li><a href="#" class="nav-link">Pricing</a></li><li><a href="/docs" class="nav-link">Docs</a></li></ul>`;
  const MOVED = MENU.replace('<ul class="menu">', '<div><ul class="menu">').replace('</ul>', '</ul></div>');

  it('names a text-only entry by role and words instead of a path', () => {
    const fp = fingerprintFromHtml(MENU, 'body > ul > li:nth-of-type(2) > a');
    expect(healInHtml(MOVED, fp)).toMatchObject({
      status: 'healed',
      selector: 'role=link[name*="Pricing"s]',
      structural: false,
    });
  });

  it('keeps a unique CSS form keyed on the element itself', () => {
    const fp = fingerprintFromHtml(MENU, 'body > ul > li:nth-of-type(3) > a');
    expect(healInHtml(MOVED, fp)).toMatchObject({ status: 'healed', selector: 'a[href="/docs"]' });
  });

  it('proposes no role form that another element with the same words matches', () => {
    const html = MENU.replace('>Home<', '>Pricing plans<');
    const fp = fingerprintFromHtml(html, 'body > ul > li:nth-of-type(2) > a');
    const moved = html.replace('<ul class="menu">', '<div><ul class="menu">').replace('</ul>', '</ul></div>');
    expect(healInHtml(moved, fp)).toMatchObject({ status: 'healed', structural: true });
  });

  it('tells CSS keyed on what a copy shares from CSS keyed on the element', () => {
    expect(keyedOnTemplate('button.nav-link')).toBe(true);
    expect(keyedOnTemplate('#nav button[type="button"]')).toBe(true);
    expect(keyedOnTemplate('div[role="heading"]')).toBe(true);
    expect(keyedOnTemplate('button[type="submit"]')).toBe(false);
    expect(keyedOnTemplate('.nav a[href="/x"]')).toBe(false);
    expect(keyedOnTemplate('#login')).toBe(false);
    expect(keyedOnTemplate('input[placeholder="Find me"]')).toBe(false);
  });
});

describe('resolving the role + name form offline', () => {
  const HTML = `<svg><a href="#"><text>Home</text></a></svg><script>var a = 1;</script>
<button><i class="bi"></i> <p>Save draft</p></button><button>Save</button>
<label for="e">Email</label><input id="e" type="email"><input type="search" aria-label="Email search">`;

  it('finds the elements whose role matches and whose texts hold the words, case and all', () => {
    const page = HtmlPage.parse(HTML);
    expect(page.querySelectorAll('role=button[name*="Save draft"s]').map((e) => e.tagName)).toEqual([
      'button',
    ]);
    expect(page.querySelectorAll('role=button[name*="Save"s]')).toHaveLength(2);
    expect(page.querySelectorAll('role=button[name*="save"s]')).toHaveLength(0);
    // A search field is a searchbox to Playwright: counted for textbox too, never missed.
    expect(page.querySelectorAll('role=textbox[name*="Email"s]').map((e) => e.getAttribute('type'))).toEqual([
      'email',
      'search',
    ]);
    expect(page.count('role=link[name*="Home"s]')).toBe(0);
  });
});

describe('role + name proposals inside a labelled ancestor (ADR 114)', () => {
  // The same words in two places: the page's header and footer, two labelled navs.
  const PAGE = `<header><nav><a href="#" class="link">Home</a> <a href="#" class="link">Docs</a></nav></header>
<nav aria-label="Account"><a href="#" class="link">Settings</a></nav>
<nav aria-label="Admin"><a href="#" class="link">Settings</a></nav>
<footer><ul><li><a href="#" class="f-link">Home</a></li><li><a href="#" class="f-link">About</a></li></ul></footer>`;
  const NEXT = (html: string): string =>
    html.replace(/<a /g, '<span class="w"><a ').replace(/<\/a>/g, '</a></span>');

  it.each([
    ['body > footer > ul > li:nth-of-type(1) > a', 'footer >> role=link[name*="Home"s]'],
    ['body > nav:nth-of-type(2) > a', 'nav[aria-label="Admin"] >> role=link[name*="Settings"s]'],
  ])('proposes %s by its scope and words where the words recur elsewhere', (recorded, proposal) => {
    const result = healInHtml(NEXT(PAGE), fingerprintFromHtml(PAGE, recorded));
    expect(result).toMatchObject({ status: 'healed', selector: proposal, structural: false });
    // Unique today; a copy of the element with other words put before it is not taken.
    const page = HtmlPage.parse(NEXT(PAGE));
    expect(page.querySelectorAll(proposal)).toHaveLength(1);
    const words = proposal.includes('Home') ? 'Home' : 'Settings';
    const at = NEXT(PAGE).lastIndexOf('<span class="w"><a ', NEXT(PAGE).lastIndexOf(`>${words}</a>`));
    const copied =
      NEXT(PAGE).slice(0, at) + '<a href="#" class="f-link link">Help</a>' + NEXT(PAGE).slice(at);
    expect(HtmlPage.parse(copied).querySelectorAll(proposal)).toHaveLength(1);
    expect(HtmlPage.parse(copied).count(proposal.replace(words, 'Help'))).toBe(1);
  });

  it('keeps the bare role form when it is unique, and proposes no scope that matches another element', () => {
    const fp = fingerprintFromHtml(PAGE, 'body > header > nav > a:nth-of-type(2)');
    expect(healInHtml(NEXT(PAGE), fp)).toMatchObject({ selector: 'role=link[name*="Docs"s]' });
    // Two footers, both with a Home link: neither `footer >> …` nor the bare form picks it out.
    const twice = PAGE + '<footer><a href="#" class="f-link">Home</a></footer>';
    const fp2 = fingerprintFromHtml(twice, 'body > footer:nth-of-type(1) > ul > li:nth-of-type(1) > a');
    const result = healInHtml(NEXT(twice), fp2);
    expect(result).toMatchObject({ status: 'healed', structural: true });
  });

  it('resolves a scoped form offline: the scope, then its descendants by role and words', () => {
    const page = HtmlPage.parse(PAGE);
    expect(page.querySelectorAll('role=link[name*="Home"s]')).toHaveLength(2);
    expect(page.querySelectorAll('footer >> role=link[name*="Home"s]')).toHaveLength(1);
    expect(page.querySelectorAll('nav >> role=link[name*="Settings"s]')).toHaveLength(2);
    expect(page.querySelectorAll('aside >> role=link[name*="Home"s]')).toHaveLength(0);
    expect(page.count('footer >> role=link[name*="About"s]')).toBe(1);
  });
});

describe('words without a role: `<tag>:text-is("…")` (ADR 114)', () => {
  // Headings restyled as blocks and captions: words of their own, no role Playwright names them by.
  const PAGE = `<div class="card"><div class="card-title h3">Account settings</div><p>Change your e-mail.</p></div>
<div class="card"><div class="card-title h3">Billing</div><p>Your plan and <b>invoices</b>.</p></div>
<label class="form-label">Email address</label><input type="text" class="form-control">`;
  const NEXT = (html: string): string =>
    html
      .replace(/<div class="card">/g, '<div class="card"><div class="wrap">')
      .replace(/<p>/g, '</div><p>')
      .replace('<label', '<div class="row"><label')
      .replace('</label>', '</label></div>');

  it.each([
    ['body > div:nth-of-type(2) > div', 'div:text-is("Billing")'],
    ['body > label', 'label:text-is("Email address")'],
  ])('proposes %s by its tag and its own words instead of a class a copy shares', (recorded, proposal) => {
    const result = healInHtml(NEXT(PAGE), fingerprintFromHtml(PAGE, recorded));
    expect(result).toMatchObject({ status: 'healed', selector: proposal, structural: false });
    expect(HtmlPage.parse(NEXT(PAGE)).querySelectorAll(proposal)).toHaveLength(1);
  });

  it('matches own text runs only, whole and whitespace-normalised, as Playwright does', () => {
    const page = HtmlPage.parse(
      '<div>Account <b>x</b></div><div><div>Account</div></div><div> Account\n</div><div>Account settings</div>',
    );
    // The outer <div> holds "Account" only through its child: no match; a substring is none either.
    expect(page.querySelectorAll('div:text-is("Account")')).toHaveLength(3);
    expect(page.querySelectorAll('div:text-is("account")')).toHaveLength(0);
    expect(page.querySelectorAll('body >> div:text-is("Account settings")')).toHaveLength(1);
  });
});
