import { HtmlPage, fingerprintFromHtml, healInHtml, looksLikeACopy, parseFingerprint } from '../index';
import type { Fingerprint, HealResult } from '../index';

// A small page in the shape robots meet: navigation, a login form, a list of articles.
const PAGE = `<!doctype html><html><body>
<header><nav aria-label="Main">
  <a href="/" class="nav-link">Home</a>
  <a href="/pricing" class="nav-link">Pricing</a>
  <a href="/docs" class="nav-link">Docs</a>
</nav></header>
<main>
  <h1>Welcome back</h1>
  <form id="login-form" action="/session">
    <label for="email">Email</label><input id="email" name="email" type="email" class="form-control">
    <label for="password">Password</label><input id="password" name="password" type="password" class="form-control">
    <button id="login-btn" type="submit" class="btn btn-primary">Sign in</button>
    <a href="/forgot" class="small">Forgot your password?</a>
  </form>
  <section><h2>News</h2>
    <article><h3>Release 4.2</h3><p>Faster heals.</p><a href="/news/42" class="more">Read more</a></article>
    <article><h3>Release 4.1</h3><p>Better anchors.</p><a href="/news/41" class="more">Read more</a></article>
  </section>
</main>
<footer><a href="/terms">Terms</a></footer>
</body></html>`;

/** given(page).recordedAt(selector).when(change).then… */
function given(html: string) {
  return {
    recordedAt(selector: string) {
      const fingerprint = fingerprintFromHtml(html, selector);
      return {
        fingerprint,
        when(change: (html: string) => string) {
          const changed = change(html);
          const result = healInHtml(changed, fingerprint);
          return {
            result,
            thenHeals(expected: string) {
              expect(result.status).toBe('healed');
              expect(pickOf(changed, result)).toBe(
                pickOf(changed, { status: 'intact', selector: expected, confidence: 1, elapsedMs: 0 }),
              );
              return result;
            },
            thenIntact() {
              expect(result).toMatchObject({ status: 'intact', selector });
              return result;
            },
            thenRefuses(reason?: string) {
              expect(result.status).toBe('refused');
              if (reason) expect(result).toMatchObject({ reason });
              return result;
            },
          };
        },
      };
    },
  };
}

/** A description of the single element a result's selector picks out. */
function pickOf(html: string, result: HealResult): string {
  if (result.status === 'refused') return 'nothing';
  const page = HtmlPage.parse(html);
  const hits = page.querySelectorAll(result.selector);
  expect(hits).toHaveLength(1);
  const snap = page.snapshots().find((s) => page.querySelectorAll(s.selector)[0] === hits[0]);
  return `${snap?.tag}|${snap?.text}|${snap?.href}|${snap?.parentText}`;
}

const swap = (from: string | RegExp, to: string) => (html: string) => html.replace(from, to);

describe('Tier 1 similarity healing', () => {
  it('keeps an untouched selector (intact)', () => {
    given(PAGE)
      .recordedAt('#login-btn')
      .when((h) => h)
      .thenIntact();
  });

  it('tolerates a cosmetic change under a selector that still matches (intact)', () => {
    given(PAGE).recordedAt('#login-btn').when(swap('btn btn-primary', 'btn btn-primary btn-lg')).thenIntact();
  });

  it('heals a regenerated id', () => {
    given(PAGE)
      .recordedAt('#login-btn')
      .when(swap('id="login-btn"', 'id="ember4821"'))
      .thenHeals('form button');
  });

  it('heals hashed and renamed classes', () => {
    given(PAGE)
      .recordedAt('button.btn-primary')
      .when((h) => h.replace('btn btn-primary', 'css-1q2w3e css-9o8i7u').replace(/nav-link/g, 'sc-AxjAm'))
      .thenHeals('form button');
  });

  it('heals across an inserted wrapper', () => {
    given(PAGE)
      .recordedAt('form > button')
      .when(swap(/(<button[^]*?<\/button>)/, '<div class="actions"><div class="row">$1</div></div>'))
      .thenHeals('form button');
  });

  it('treats a positional selector that now hits the inserted sibling as broken', () => {
    const run = given(PAGE)
      .recordedAt('nav > a:nth-of-type(2)')
      .when(swap('<a href="/pricing"', '<a href="/blog" class="nav-link">Blog</a><a href="/pricing"'));
    run.thenHeals('a[href="/pricing"]');
  });

  it('heals a renamed button ("Sign in" → "Log in") whose id was regenerated too', () => {
    given(PAGE)
      .recordedAt('#login-btn')
      .when((h) => h.replace('Sign in', 'Log in').replace('id="login-btn"', 'id="b-77"'))
      .thenHeals('form button');
  });

  it('heals a tag change (button → link)', () => {
    given(PAGE)
      .recordedAt('#login-btn')
      .when(
        swap(
          /<button id="login-btn" type="submit"([^>]*)>Sign in<\/button>/,
          '<a role="button" href="#"$1>Sign in</a>',
        ),
      )
      .thenHeals('form a[role=button]');
  });

  it('heals a move within its form', () => {
    given(PAGE)
      .recordedAt('form > a')
      .when((h) =>
        h
          .replace('<a href="/forgot" class="small">Forgot your password?</a>', '')
          .replace(
            '<label for="email">',
            '<p><a href="/forgot" class="small">Forgot your password?</a></p><label for="email">',
          ),
      )
      .thenHeals('a[href="/forgot"]');
  });

  it('refuses a move out of its form while the form is still there: a copy elsewhere looks the same', () => {
    given(PAGE)
      .recordedAt('form > a')
      .when((h) =>
        h
          .replace('<a href="/forgot" class="small">Forgot your password?</a>', '')
          .replace('</form>', '</form><p><a href="/forgot" class="small">Forgot your password?</a></p>'),
      )
      .thenRefuses();
  });

  it('is not fooled by a decoy: a look-alike inserted elsewhere while the target changes', () => {
    given(PAGE)
      .recordedAt('#login-btn')
      .when((h) =>
        h
          .replace('id="login-btn"', 'id="x-1893"')
          .replace('<footer>', '<footer><button type="submit" class="btn btn-primary">Sign in</button>'),
      )
      .thenHeals('form button');
  });

  it('refuses when the target was deleted', () => {
    given(PAGE)
      .recordedAt('#login-btn')
      .when(swap(/<button[^]*?<\/button>/, ''))
      .thenRefuses();
  });

  it('refuses between two look-alikes neither of which is clearly the target', () => {
    const twin = '<button type="submit" class="btn btn-primary">Sign in</button>';
    given(PAGE)
      .recordedAt('#login-btn')
      .when((h) =>
        h
          .replace(/<button[^]*?<\/button>/, '')
          .replace('<section>', `<div>${twin}</div><section>`)
          .replace('<footer>', `<footer>${twin}`),
      )
      .thenRefuses();
  });

  it('refuses when the best candidate is weak', () => {
    given(PAGE)
      .recordedAt('#login-btn')
      .when((h) => h.replace(/<form[^]*<\/form>/, '<p>Sessions are disabled.</p>'))
      .thenRefuses('low-confidence');
  });

  it('treats a selector matching several elements as broken', () => {
    const fingerprint: Fingerprint = {
      ...fingerprintFromHtml(PAGE, 'article:nth-of-type(2) > a'),
      selector: 'a.more',
    };
    const result = healInHtml(PAGE, fingerprint);
    expect(result).toMatchObject({ status: 'healed', tier: 1 });
    expect(pickOf(PAGE, result)).toContain('/news/41');
  });

  it('treats an element whose fingerprint drifted far as broken', () => {
    // The id now sits on a different element: the selector still matches exactly one.
    const fingerprint = fingerprintFromHtml(PAGE, '#login-btn');
    const changed = PAGE.replace('id="login-btn"', '').replace(
      '<a href="/terms"',
      '<a id="login-btn" href="/terms"',
    );
    const result = healInHtml(changed, fingerprint);
    expect(result.status).toBe('healed');
    expect(pickOf(changed, result)).toContain('button|Sign in');
  });

  it('reports confidence, margin and runner-up on a heal', () => {
    const result = given(PAGE)
      .recordedAt('#login-btn')
      .when(swap('id="login-btn"', 'id="r-42"'))
      .thenHeals('form button');
    expect(result).toMatchObject({ tier: 1, previousSelector: '#login-btn' });
    if (result.status !== 'healed') throw new Error('unreachable');
    expect(result.confidence).toBeGreaterThan(0.8);
    expect(result.margin).toBeGreaterThanOrEqual(0.1);
    expect(result.runnerUp?.confidence).toBeLessThan(result.confidence);
  });

  it('refuses with reason "timeout" when the budget is spent', () => {
    const fingerprint = fingerprintFromHtml(PAGE, '#login-btn');
    const big = PAGE.replace(
      '</main>',
      `${'<p><a href="/x">filler link</a></p>'.repeat(3000)}</main>`,
    ).replace('id="login-btn"', '');
    expect(healInHtml(big, fingerprint, { budgetMs: 0.001 })).toMatchObject({
      status: 'refused',
      reason: 'timeout',
    });
  });
});

describe('recorded look-alikes', () => {
  it('records the elements that resembled the target', () => {
    const fingerprint = fingerprintFromHtml(PAGE, 'article:nth-of-type(1) > a');
    expect(fingerprint.lookalikes?.[0]).toMatchObject({ tag: 'a', href: '/news/41', text: 'Read more' });
  });

  it('does not heal to a look-alike that was already on the page when the target is deleted', () => {
    given(PAGE)
      .recordedAt('article:nth-of-type(1) > a')
      .when(swap('<a href="/news/42" class="more">Read more</a>', ''))
      .thenRefuses();
  });
});

describe('issue 27: context, equivalent tags and restyled controls', () => {
  it('refuses a deleted link whose copy (same tag, class, text) appeared in a new footer list', () => {
    given(PAGE)
      .recordedAt('nav > a:nth-of-type(2)')
      .when((h) =>
        h
          .replace('<a href="/pricing" class="nav-link">Pricing</a>', '')
          .replace('<footer>', '<footer><ul><li><a href="/pricing" class="nav-link">Pricing</a></li></ul>'),
      )
      .thenRefuses();
  });

  it('heals a heading that became a div styled as one', () => {
    given(PAGE)
      .recordedAt('section > h2')
      .when(swap('<h2>News</h2>', '<div class="h2 section-title">News</div>'))
      .thenHeals('section > div');
  });

  it('heals a labelled button that became an icon button named by aria-label', () => {
    given(PAGE)
      .recordedAt('#login-btn')
      .when(
        swap(
          /<button id="login-btn"[^]*?<\/button>/,
          '<button type="submit" class="btn" aria-label="Sign in"><i class="icon"></i></button>',
        ),
      )
      .thenHeals('form button');
  });

  it('heals a native select restyled as an ARIA combobox', () => {
    const page = PAGE.replace(
      '<button id="login-btn"',
      '<label for="plan">Plan</label><select id="plan" name="plan"><option>Free</option><option>Pro</option></select><button id="login-btn"',
    );
    given(page)
      .recordedAt('#plan')
      .when((h) =>
        h
          .replace('<label for="plan">', '<label id="plan-label">')
          .replace(
            /<select id="plan"[^]*?<\/select>/,
            '<div class="tw-select" role="combobox" tabindex="0" aria-labelledby="plan-label"><span>Free</span></div>',
          ),
      )
      .thenHeals('[role=combobox]');
  });
});

describe('a heading or control that changed its tag keeps its evidence', () => {
  it('heals a card heading that became a paragraph styled as a title around a strong', () => {
    // The text now sits in the <strong>; the paragraph carries the heading's classes.
    const CARD = `<!doctype html><html><body><main>
<div class="card"><div class="card-header"><h3 class="card-title">Folders</h3></div>
  <ul class="nav"><li><a href="/inbox">Inbox</a></li><li><a href="/sent">Sent</a></li></ul></div>
<div class="card"><div class="card-header"><h3 class="card-title">Labels</h3></div>
  <ul class="nav"><li><a href="/important">Important</a></li><li><a href="/social">Social</a></li></ul></div>
</main></body></html>`;
    given(CARD)
      .recordedAt('div.card:nth-of-type(2) h3')
      .when(
        swap(
          '<h3 class="card-title">Labels</h3>',
          '<p class="card-title lead"><strong>Labels</strong></p><span class="badge">2</span>',
        ),
      )
      .thenHeals('p.lead');
  });

  it('heals a checkbox restyled as a switch whose label text moved to aria-label', () => {
    const FORM = `<!doctype html><html><body><main><form action="/session">
  <input type="email" class="form-control" placeholder="Email">
  <input type="password" class="form-control" placeholder="Password">
  <div class="row"><div class="col-8"><div class="form-check">
    <input class="form-check-input" type="checkbox" id="remember">
    <label class="form-check-label" for="remember">Remember Me</label>
  </div></div>
  <div class="col-4"><button type="submit" class="btn btn-primary">Sign In</button></div></div>
</form></main></body></html>`;
    given(FORM)
      .recordedAt('#remember')
      .when(
        swap(
          '<input class="form-check-input" type="checkbox" id="remember">',
          '<div class="tw-container"><button type="button" role="switch" aria-checked="false" tabindex="0" class="tw-switch" aria-label="Remember Me"></button></div>',
        ),
      )
      .thenHeals('button[role=switch]');
  });

  it('heals a checkbox scripted as a menu button, restyled as an ARIA checkbox', () => {
    const MENU = `<!doctype html><html><body><header>
<nav aria-label="Site"><div id="main-menu-dropdown" class="dropdown">
  <input type="checkbox" id="main-menu-checkbox" role="button" class="dropdown-checkbox" aria-labelledby="main-menu-label">
  <label id="main-menu-label" for="main-menu-checkbox" class="dropdown-label">Main menu</label>
</div></nav>
<nav aria-label="Personal tools"><div id="user-dropdown" class="dropdown">
  <input type="checkbox" id="user-checkbox" role="button" class="dropdown-checkbox" aria-labelledby="user-label">
  <label id="user-label" for="user-checkbox" class="dropdown-label">Personal tools</label>
</div></nav></header><main><p>Text.</p></main></body></html>`;
    given(MENU)
      .recordedAt('#main-menu-checkbox')
      .when(
        swap(
          '<input type="checkbox" id="main-menu-checkbox" role="button" class="dropdown-checkbox" aria-labelledby="main-menu-label">',
          '<div class="mui-container-x1"><span role="checkbox" aria-checked="false" tabindex="0" class="mui-checkbox" aria-labelledby="main-menu-label"></span></div>',
        ),
      )
      .thenHeals('span[role=checkbox]');
  });

  it('heals a textarea with default text replaced by an empty contenteditable textbox', () => {
    const EDITOR = `<!doctype html><html><body><main>
<div class="card"><div class="card-header"><h3 class="card-title">Summernote</h3></div>
  <div class="card-body"><textarea id="summernote">Place <em>some</em> text here</textarea></div>
  <div class="card-footer">Visit the documentation for more examples.</div></div>
<div class="card"><div class="card-header"><h3 class="card-title">CodeMirror</h3></div>
  <div class="card-body"><textarea id="codeMirrorDemo" class="p-3">&lt;div class="info-box"&gt;</textarea></div></div>
</main></body></html>`;
    given(EDITOR)
      .recordedAt('#summernote')
      .when(
        swap(
          /<textarea id="summernote">[^<]*(<[^>]+>[^<]*)*?<\/textarea>/,
          '<div class="choices-container-x1"><div class="choices-input" role="textbox" contenteditable="true" tabindex="0"></div></div>',
        ),
      )
      .thenHeals('[contenteditable]');
  });
});

describe('a menu regrouped under a new entry named like the target', () => {
  const MENU = `<!doctype html><html><body>
<aside><nav aria-label="Sidebar"><ul class="menu">
  <li class="item"><a href="#" class="nav-link">Dashboard</a></li>
  <li class="item"><a href="#" class="nav-link">Reports</a></li>
  <li class="item"><a href="#" class="nav-link">Settings</a></li>
</ul></nav></aside>
<main><h1>Overview</h1><p>Numbers.</p></main>
</body></html>`;
  const regrouped = (h: string): string =>
    h.replace(
      '<li class="item"><a href="#" class="nav-link">Reports</a></li>',
      '<li class="item has-children"><a href="#" class="nav-link">Reports</a>' +
        '<div class="collapse"><div class="inner"><ul class="submenu">' +
        '<li class="item"><a href="#" class="nav-link">Reports</a></li>' +
        '<li class="item"><a href="#" class="nav-link">Exports</a></li></ul></div></div></li>',
    );

  it('does not keep a positional selector that now lands on the new parent entry', () => {
    // Without the rule the selector's element, identical to the recording and in its place, is "intact".
    given(MENU).recordedAt('ul.menu > li:nth-child(2) > a').when(regrouped).thenRefuses('ambiguous');
  });

  it('does not heal to the new parent entry when the recorded selector broke', () => {
    given(MENU)
      .recordedAt('ul.menu > li:nth-child(2) > a')
      .when((h) => regrouped(h).replace('<ul class="menu">', '<ul class="menu-v2">'))
      .thenRefuses('ambiguous');
  });

  it('heals to the entry nested under the new group entry when only the nested one kept its link', () => {
    // The new parent entry took the label alone; the recorded link went down with the entry.
    const LINKED = MENU.replace(
      '<a href="#" class="nav-link">Reports</a>',
      '<a href="/reports" class="nav-link">Reports</a>',
    );
    given(LINKED)
      .recordedAt('ul.menu > li:nth-child(2) > a')
      .when((h) =>
        h
          .replace(
            '<li class="item"><a href="/reports" class="nav-link">Reports</a></li>',
            '<li class="item has-children"><a href="#" class="nav-link">Reports</a>' +
              '<div class="collapse"><div class="inner"><ul class="submenu">' +
              '<li class="item"><a href="/reports" class="nav-link">Reports</a></li>' +
              '<li class="item"><a href="/exports" class="nav-link">Exports</a></li></ul></div></div></li>',
          )
          .replace('<ul class="menu">', '<ul class="menu-v2">'),
      )
      .thenHeals('ul.submenu a[href="/reports"]');
  });

  // A copy deeper under the form, as a submenu twin would sit, is no group the target heads when it
  // comes before the target, or after it but not in the element right after it (a group entry's
  // submenu follows the entry): the target clearly leads.
  it.each([
    ['before the target', '<label for="email">', (copy: string) => copy + '<label for="email">'],
    ['further down, past another sibling', '</form>', (copy: string) => copy + '</form>'],
  ])('does not take a copy put %s, under the same parent, for a regrouped submenu', (_where, at, put) => {
    const copy = '<div class="promo"><button type="submit" class="btn btn-primary">Sign in</button></div>';
    given(PAGE)
      .recordedAt('#login-btn')
      .when((h) => h.replace(at, put(copy)).replace('id="login-btn"', 'id="login-btn-x7"'))
      .thenHeals('#login-btn-x7');
  });

  // ADR 106: classes and place follow a menu's slots (a toggle, an item), not its entries.
  const SIDEBAR = `<!doctype html><html><body>
<aside><nav aria-label="Sidebar"><ul class="menu">
  <li class="item"><a href="#" class="nav-link">Dashboard</a></li>
  <li class="header">LABELS</li>
  <li class="item"><a href="#" class="nav-link">Important</a></li>
  <li class="item"><a href="#" class="nav-link">Warning</a></li>
  <li class="item"><a href="#" class="nav-link">Informational</a></li>
</ul></nav></aside>
<main><h1>Overview</h1><p>Numbers.</p></main>
</body></html>`;

  it('heals to the nested entry alike in every own attribute when it kept the neighbour the new group entry lost', () => {
    // The group entry sits where the target was and is followed by its own name; the nested
    // one is still followed by "Warning", as the recording was.
    given(SIDEBAR)
      .recordedAt('ul.menu > li:nth-child(3) > a')
      .when((h) =>
        h
          .replace(
            '<li class="item"><a href="#" class="nav-link">Important</a></li>\n  <li class="item"><a href="#" class="nav-link">Warning</a></li>',
            '<li class="item has-children"><a href="#" class="nav-link">Important</a><ul class="submenu">' +
              '<li class="item"><a href="#" class="nav-link">Important</a></li>' +
              '<li class="item"><a href="#" class="nav-link">Warning</a></li></ul></li>',
          )
          .replace('<ul class="menu">', '<ul class="menu-v2">'),
      )
      .thenHeals('ul.submenu > li:first-child > a');
  });

  const NAVBAR = `<!doctype html><html><body>
<nav class="navbar" aria-label="Main"><ul class="navbar-nav">
  <li class="nav-item"><a class="nav-link" href="#">Home</a></li>
  <li class="nav-item"><a class="nav-link" href="#">Features</a></li>
  <li class="nav-item"><a class="nav-link" href="#">Pricing</a></li>
  <li class="nav-item"><a class="nav-link" href="#">About</a></li>
  <li class="nav-item dropdown"><a class="nav-link dropdown-toggle" href="#" role="button">More</a>
    <ul class="dropdown-menu"><li><a class="dropdown-item" href="#">Blog</a></li><li><a class="dropdown-item" href="#">Careers</a></li></ul></li>
</ul></nav>
<main><h1>Plans</h1><p>Pick one.</p></main>
</body></html>`;
  const TOGGLE =
    '<li class="nav-item dropdown"><a class="nav-link dropdown-toggle" href="#" role="button">More</a>';

  it('heals to the nested dropdown item when a navbar link moved into a new dropdown named like it', () => {
    // Bootstrap: the moved link is restyled `dropdown-item`, the new toggle keeps `nav-link`.
    given(NAVBAR)
      .recordedAt('ul.navbar-nav > li:nth-child(3) > a')
      .when((h) =>
        h
          .replace(
            '<li class="nav-item"><a class="nav-link" href="#">Pricing</a></li>',
            '<li class="nav-item dropdown"><a class="nav-link dropdown-toggle" href="#">Pricing</a>' +
              '<ul class="dropdown-menu"><li><a class="dropdown-item" href="#">Pricing</a></li></ul></li>',
          )
          .replace('navbar-nav', 'navbar-nav-v2'),
      )
      .thenHeals('li:nth-child(3) .dropdown-item');
  });

  it('heals to the nested toggle that still heads the recorded dropdown when it was regrouped', () => {
    given(NAVBAR)
      .recordedAt('ul.navbar-nav > li:nth-child(5) > a')
      .when((h) =>
        h
          .replace(TOGGLE, `${TOGGLE}<ul class="dropdown-menu">${TOGGLE}`)
          .replace('</ul></li>\n</ul></nav>', '</ul></li></ul></li>\n</ul></nav>')
          .replace('navbar-nav', 'navbar-nav-v2'),
      )
      .thenHeals('.dropdown-menu > li > a.dropdown-toggle');
  });

  it('does not take an item named like the recorded toggle, put first in its dropdown, for the toggle', () => {
    // The mirror of a regroup: the toggle kept its place and its dropdown; the new first item
    // looks exactly like it. Nothing says which of the two the step meant.
    given(NAVBAR)
      .recordedAt('ul.navbar-nav > li:nth-child(5) > a')
      .when((h) =>
        h
          .replace(
            '<ul class="dropdown-menu">',
            '<ul class="dropdown-menu"><li><a class="nav-link dropdown-toggle" href="#" role="button">More</a></li>',
          )
          .replace('navbar-nav', 'navbar-nav-v2'),
      )
      .thenRefuses('ambiguous');
  });

  it('still keeps a group entry whose submenu holds differently named entries', () => {
    given(MENU)
      .recordedAt('ul.menu > li:nth-child(2) > a')
      .when(
        swap(
          '<a href="#" class="nav-link">Reports</a></li>',
          '<a href="#" class="nav-link">Reports</a><ul><li><a href="#" class="nav-link">Exports</a></li></ul></li>',
        ),
      )
      .thenIntact();
  });
});

describe('a copy that left every stable neighbour of the target', () => {
  const NAV = `<!doctype html><html><body>
<aside><nav aria-label="Sidebar">
  <div class="group"><div class="inner"><ul class="links">
    <li><a href="/alpha" class="nav-link">Alpha</a></li>
    <li><a href="/beta" class="nav-link">Beta</a></li>
    <li><a href="/gamma" class="nav-link">Gamma</a></li>
    <li><a href="/omega" class="nav-link">Omega</a></li>
  </ul></div></div>
  <div class="group"><div class="inner"><ul class="links">
    <li><a href="/delta" class="nav-link">Delta</a></li>
    <li><a href="/epsilon" class="nav-link">Epsilon</a></li>
  </ul></div></div>
</nav></aside>
<main><h1>Overview</h1><p>Numbers.</p></main>
</body></html>`;
  const gamma = '<li><a href="/gamma" class="nav-link">Gamma</a></li>';

  it('refuses a deleted link whose copy sits in another group of the same navigation', () => {
    // Same landmark, no heading, form or id'd container: only the anchors (Alpha, Beta,
    // Omega) say the copy is three levels further from them than the target was.
    given(NAV)
      .recordedAt('ul.links > li:nth-child(3) > a')
      .when((h) => h.replace(gamma, '').replace('<li><a href="/delta"', `${gamma}<li><a href="/delta"`))
      .thenRefuses();
  });

  it('refuses a deleted brand link whose copy sits at the page root, in a new search form', () => {
    // The copy enters a search landmark (context alone: not enough) and meets every anchor
    // (the footer, both headings) only at the body, where the target met them in its container.
    const PAGE3 = `<!doctype html><html><body><main><div class="container">
<header class="pb-3 mb-4 border-bottom"><a href="/" class="d-flex text-dark">Jumbotron example</a></header>
<div class="p-5 mb-4"><div class="container-fluid"><h1>Custom jumbotron</h1><p>Using a series of utilities.</p>
<button class="btn btn-primary" type="button">Example button</button></div></div>
<div class="row"><div class="col-md-6"><h2>Change the background</h2><p>Swap the background.</p></div></div>
<footer class="pt-3 mt-4">Made with care</footer>
</div></main></body></html>`;
    const brand = '<a href="/" class="d-flex text-dark">Jumbotron example</a>';
    given(PAGE3)
      .recordedAt('main > div > header > a')
      .when((h) =>
        h
          .replace(brand, '')
          .replace(
            '<body>',
            `<body><form role="search" class="search-x1"><input type="search" aria-label="Search">${brand}</form>`,
          ),
      )
      .thenRefuses();
  });

  it('refuses a deleted header button whose copy in a side menu keeps its name', () => {
    // A name travels with copies: it excuses changed surroundings, not leaving every
    // anchor (both skip links are met only at the body now).
    const HEADER = `<!doctype html><html><body>
<header><div class="bar"><div class="wrap"><div class="inner">
  <ul class="skip"><li><a href="#content">Skip to content</a></li><li><a href="#menu">Skip to menu</a></li></ul>
  <div class="actions"><button name="button" type="button" class="header-action">Open menu</button></div>
</div></div></div></header>
<div id="sidebar"><nav><a href="/news">News</a><a href="/sport">Sport</a></nav></div>
<main id="content"><h1>Today</h1><p>Stories.</p></main>
</body></html>`;
    const button = '<button name="button" type="button" class="header-action">Open menu</button>';
    given(HEADER)
      .recordedAt('button[name=button]')
      .when((h) => h.replace(button, '').replace('<nav><a href="/news">', `<nav>${button}<a href="/news">`))
      .thenRefuses();
  });

  it('heals the target under a new heading when the twin that rivals it left every anchor', () => {
    // A section with a heading and a same-label twin lands before the sidebar: the target's
    // nearest heading changes (a doubt), the twin is out of context; the anchors (Alpha, Beta,
    // Omega) say the target is where it was and the twin is not.
    const SIDEBAR = `<!doctype html><html><body>
<header><h1>Site</h1></header>
<aside><nav aria-label="Sidebar"><ul class="links">
  <li><a href="/alpha" class="nav-link">Alpha</a></li>
  <li><a href="/beta" class="nav-link">Beta</a></li>
  <li><a href="/reports" class="nav-link">Reports</a></li>
  <li><a href="/omega" class="nav-link">Omega</a></li>
</ul></nav></aside>
<main><p>Numbers.</p></main>
</body></html>`;
    const result = given(SIDEBAR)
      .recordedAt('ul.links > li:nth-child(3) > a')
      .when((h) =>
        h
          .replace(
            '<aside>',
            '<section class="region-x"><h3>Quick links</h3><div class="panel"><p>Open these often</p>' +
              '<a href="/reports" class="nav-link">Reports</a></div></section><aside>',
          )
          .replace('<ul class="links">', '<ul class="links-v2">'),
      )
      .thenHeals('ul.links-v2 a[href="/reports"]');
    expect(result).toMatchObject({
      explanation: { rule: 'similarity', runnerUp: expect.stringContaining('left every anchor') },
    });
  });

  it('still heals the link moved within its own list', () => {
    given(NAV)
      .recordedAt('ul.links > li:nth-child(3) > a')
      .when((h) => h.replace(gamma, '').replace('<li><a href="/alpha"', `${gamma}<li><a href="/alpha"`))
      .thenHeals('a[href="/gamma"]');
  });
});

describe('a submenu entry moved up into its own group', () => {
  // A sidebar menu of groups: each item holds the group's entry and its submenu.
  const MENU = `<!doctype html><html><body>
<aside><nav aria-label="Main"><ul class="menu">
  <li class="item"><a href="/dashboard" class="nav-link">Dashboard</a></li>
  <li class="item"><a href="/mailbox" class="nav-link">Mailbox</a><ul class="tree">
    <li class="item"><a href="/inbox" class="nav-link">Inbox</a></li>
    <li class="item"><a href="/compose" class="nav-link">Compose</a></li>
    <li class="item"><a href="/read" class="nav-link">Read Message</a></li>
  </ul></li>
  <li class="item"><a href="/forms" class="nav-link">Forms</a><ul class="tree">
    <li class="item"><a href="/elements" class="nav-link">General Elements</a></li>
    <li class="item"><a href="/validation" class="nav-link">Validation</a></li>
  </ul></li>
  <li class="item"><a href="/tables" class="nav-link">Tables</a></li>
</ul></nav></aside>
<main><h1>Overview</h1><p>Numbers.</p></main>
</body></html>`;
  const mailbox = '<a href="/mailbox" class="nav-link">Mailbox</a>';

  it('still heals a submenu entry moved up into its own group, between the entry and the submenu', () => {
    const compose = '<li class="item"><a href="/compose" class="nav-link">Compose</a></li>';
    given(MENU)
      .recordedAt('ul.tree > li:nth-child(2) > a[href="/compose"]')
      .when((h) =>
        h.replace(compose, '').replace(mailbox, mailbox + '<a href="/compose" class="nav-link">Compose</a>'),
      )
      .thenHeals('a[href="/compose"]');
  });
});

const NAV_PAGE = `<!doctype html><html><body>
<header><h1>Site</h1></header>
<aside><h2>Sections</h2><nav aria-label="Sidebar"><ul class="links">
  <li><a href="/alpha" class="nav-link">Alpha</a></li>
  <li><a href="/beta" class="nav-link">Beta</a></li>
  <li><a href="/gamma" class="nav-link">Gamma</a></li>
  <li><a href="/omega" class="nav-link">Omega</a></li>
</ul></nav></aside>
<main><h2>Numbers</h2><p>Numbers.</p></main>
</body></html>`;

describe('a target that moved far away', () => {
  const password = '<input id="password" name="password" type="password" class="form-control">';

  it('heals the field that kept its own id, moved out of its form into the footer', () => {
    // Out of its form, under another heading, in the footer: everything around it says
    // "a copy elsewhere", but a copy does not carry the target's id; the page names it.
    given(PAGE)
      .recordedAt('#password')
      .when((h) =>
        h
          .replace(password, '')
          .replace(
            '<a href="/terms">Terms</a>',
            `<a href="/terms">Terms</a><div>${password.replace('form-control', 'input-v2')}</div>`,
          ),
      )
      .thenHeals('footer input');
  });

  it('still refuses a copy there that did not keep the id', () => {
    given(PAGE)
      .recordedAt('#password')
      .when((h) =>
        h
          .replace(password, '')
          .replace(
            '<a href="/terms">Terms</a>',
            `<a href="/terms">Terms</a><div>${password.replace(' id="password"', '').replace('form-control', 'input-v2')}</div>`,
          ),
      )
      .thenRefuses();
  });

  it('does not take an id the page repeats for the target', () => {
    given(PAGE)
      .recordedAt('#password')
      .when((h) =>
        h
          .replace(password, '')
          .replace(
            '<a href="/terms">Terms</a>',
            `<a href="/terms">Terms</a><div>${password}</div><div>${password}</div>`,
          ),
      )
      .thenRefuses();
  });
});

describe('a heading whose id is a slug of its words, with percent escapes (ADR 128)', () => {
  const ARTICLE = `<!doctype html><html><body>
<header><nav aria-label="Main"><a href="/">Home</a><a href="/blog">Blog</a></nav></header>
<main><article>
  <h1>Annual report</h1>
  <section><h2 id="what%E2%80%99s-new" class="section-title">What’s new this year</h2><p>Faster pipelines.</p></section>
  <section><h2 id="the-numbers" class="section-title">The numbers</h2><p>Twelve releases.</p></section>
</article></main>
<footer><div class="footer-links"><a href="/terms">Terms</a></div></footer>
</body></html>`;
  const heading = '<h2 id="what%E2%80%99s-new" class="section-title">What’s new this year</h2>';
  const intoFooter = (moved: string) => (h: string) =>
    h.replace(heading, '').replace('<a href="/terms">Terms</a>', `<a href="/terms">Terms</a>${moved}`);

  it('heals the heading moved into the footer by the id it kept: the escapes are its words', () => {
    given(ARTICLE)
      .recordedAt('main section:nth-of-type(1) > h2')
      .when(intoFooter(heading))
      .thenHeals('footer h2');
  });

  it('still refuses a copy there without the id', () => {
    given(ARTICLE)
      .recordedAt('main section:nth-of-type(1) > h2')
      .when(intoFooter(heading.replace(' id="what%E2%80%99s-new"', '')))
      .thenRefuses();
  });
});

describe('a link that became a button', () => {
  it('does not hold the href a button cannot carry against it', () => {
    const MENU = `<!doctype html><html><body>
<header><nav aria-label="Main"><ul class="menu">
  <li><a href="/" class="nav-link">Home</a></li>
  <li><a href="/pricing" class="nav-link">Pricing</a></li>
  <li><a href="/docs" class="nav-link">Docs</a></li>
</ul></nav></header>
<main><h1>Welcome</h1><p>Text.</p></main>
</body></html>`;
    const result = given(MENU)
      .recordedAt('ul.menu > li:nth-child(2) > a')
      .when((h) =>
        h
          .replace('<ul class="menu">', '<ul class="menu-v2">')
          .replace(
            '<a href="/pricing" class="nav-link">Pricing</a>',
            '<div class="wrap-1"><button type="button" class="css-1x2">Pricing</button></div>',
          ),
      )
      .thenHeals('ul.menu-v2 button');
    if (result.status !== 'healed') throw new Error('not healed');
    expect(result.confidence).toBeGreaterThan(0.7);
    expect(result.explanation.against?.map((e) => e.feature)).not.toContain('href');
  });
});

describe('looksLikeACopy', () => {
  it('tells a moved target that kept its surroundings from one that left them all', () => {
    const fp = fingerprintFromHtml(NAV_PAGE, 'ul.links > li:nth-child(2) > a');
    const element = (html: string) => {
      const snapshots = HtmlPage.parse(html).snapshots();
      return { snapshots, beta: snapshots.find((s) => s.text === 'Beta' && s.tag === 'a')! };
    };
    const beta = '<li><a href="/beta" class="nav-link">Beta</a></li>';
    const near = element(NAV_PAGE.replace(beta, '').replace('</ul>', `${beta}</ul>`));
    expect(looksLikeACopy(fp, near.snapshots, near.beta)).toBe(false);
    const far = element(
      NAV_PAGE.replace(beta, '').replace(
        '</main>',
        '</main><footer><ul><li><a href="/beta" class="nav-link">Beta</a></li></ul></footer>',
      ),
    );
    expect(looksLikeACopy(fp, far.snapshots, far.beta)).toBe(true);
  });
});

describe('tier 2: stable anchors decide between close candidates', () => {
  const SIDEBAR = `<!doctype html><html><body><div class="wrapper">
<header><h1>Site</h1></header>
<aside><nav aria-label="Sidebar"><ul class="links">
  <li><a href="/alpha" class="nav-link">Alpha</a></li>
  <li><a href="/beta" class="nav-link">Beta</a></li>
  <li><a href="/reports" class="nav-link">Reports</a></li>
  <li><a href="/omega" class="nav-link">Omega</a></li>
</ul></nav></aside>
<main><p>Numbers.</p></main>
</div></body></html>`;
  // A panel with a heading and a same-label twin lands in the side rail before the menu: the
  // target's nearest heading changes (a doubt) and the twin is a copy out of context, yet near
  // enough not to have left every anchor (ADR 87 does not apply).
  const twinBefore = (h: string): string =>
    h
      .replace(
        '<aside>',
        '<aside><section class="region-x"><h3>Quick links</h3><div class="panel"><p>Open these often</p>' +
          '<a href="/reports" class="nav-link">Reports</a></div></section>',
      )
      .replace('<ul class="links">', '<ul class="links-v2">');

  it('heals the target that meets its anchors where it did, not the twin that meets them higher up', () => {
    const result = given(SIDEBAR)
      .recordedAt('ul.links > li:nth-child(3) > a')
      .when(twinBefore)
      .thenHeals('ul.links-v2 a[href="/reports"]');
    expect(result).toMatchObject({
      tier: 2,
      explanation: {
        rule: 'anchors',
        runnerUp: expect.stringContaining('stable anchors where the target did'),
      },
    });
  });

  it('does not decide with tier 2 off', () => {
    const fingerprint = fingerprintFromHtml(SIDEBAR, 'ul.links > li:nth-child(3) > a');
    expect(healInHtml(twinBefore(SIDEBAR), fingerprint, { anchors: false })).toMatchObject({
      status: 'refused',
      reason: 'ambiguous',
    });
  });
});

describe("close candidates that share the target's place", () => {
  const NAVBAR = `<!doctype html><html><body>
<header><nav aria-label="Main"><ul class="navbar-nav">
  <li class="nav-item"><a href="#" class="nav-link">Home</a></li>
  <li class="nav-item"><a href="#" class="nav-link">Link</a></li>
  <li class="nav-item"><a href="#" class="nav-link">Disabled</a></li>
</ul></nav></header>
<main><h1>Sticky footer</h1><p>Text.</p></main>
</body></html>`;

  it('heals the target when a sibling inserted before it trails it clearly in its own attributes', () => {
    // The new sibling takes the target's tag, classes, link and place; only its text differs.
    // The positional selector now lands on it, and place cannot tell the two apart.
    const result = given(NAVBAR)
      .recordedAt('ul > li:nth-child(2) > a')
      .when(
        swap(
          '<a href="#" class="nav-link">Link</a>',
          '<a href="#" class="nav-link">has Link</a><a href="#" class="nav-link">Link</a>',
        ),
      )
      .thenHeals('ul > li:nth-child(2) > a:nth-child(2)');
    // Less than the usual margin ahead: its own attributes decided.
    expect(result).toMatchObject({
      tier: 1,
      explanation: { rule: 'similarity', runnerUp: expect.stringContaining('both sit where the target was') },
    });
    expect((result as { margin: number }).margin).toBeLessThan(0.1);
  });
});

describe('explanations and old fingerprints', () => {
  it('explains which evidence decided a heal', () => {
    const result = given(PAGE)
      .recordedAt('#login-btn')
      .when(swap('id="login-btn"', 'id="ember4821"'))
      .thenHeals('form button');
    if (result.status !== 'healed') throw new Error('not healed');
    expect(result.explanation.rule).toBe('similarity');
    expect(result.explanation.summary).toMatch(/tier 1/);
    expect(result.explanation.evidence.map((e) => e.feature)).toContain('text');
    expect(result.explanation.against?.map((e) => e.feature)).toContain('id');
  });

  it('heals with a version 1 fingerprint recorded before context was (no context field)', () => {
    const { context: _context, ...v2 } = fingerprintFromHtml(PAGE, '#login-btn');
    const v1 = parseFingerprint(JSON.parse(JSON.stringify({ ...v2, version: 1 })));
    expect(v1.context).toBeUndefined();
    const result = healInHtml(PAGE.replace('id="login-btn"', 'id="ember4821"'), v1);
    expect(result).toMatchObject({ status: 'healed', selector: 'button[type="submit"]' });
  });
});

/** Bootstrap's offcanvas nav bar: four named links, then five identical `Link`s (ADRs 100, 122). */
const BAR = `<!doctype html><html><body>
<div class="nav-scroller"><nav class="nav">
  <a class="nav-link active" href="#">Dashboard</a>
  <a class="nav-link" href="#">Friends</a>
  <a class="nav-link" href="#">Explore</a>
  <a class="nav-link" href="#">Suggestions</a>
  <a class="nav-link" href="#">Link</a>
  <a class="nav-link" href="#">Link</a>
  <a class="nav-link" href="#">Link</a>
  <a class="nav-link" href="#">Link</a>
  <a class="nav-link" href="#">Link</a>
</nav></div>
<main><h1>Offcanvas</h1><p>Text.</p></main>
</body></html>`;

describe('positions shifted by an added wrapper or an inserted sibling (ADR 100)', () => {
  const MENU = `<!doctype html><html><body>
<aside><nav><ul class="nav">
  <li><a href="/" class="nav-link">Dashboard</a></li>
  <li><a href="#" class="nav-link">Level 1</a>
    <ul class="nav-treeview">
      <li><a href="#" class="nav-link">Level 2</a></li>
      <li><a href="#" class="nav-link">Level 2</a>
        <ul class="nav-treeview"><li><a href="#" class="nav-link">Level 3</a></li><li><a href="#" class="nav-link">Level 3</a></li></ul>
      </li>
      <li><a href="#" class="nav-link">Level 2</a></li>
    </ul>
  </li>
  <li><a href="/labels" class="nav-link">Labels</a></li>
</ul></nav></aside>
<main><h1>Calendar</h1></main>
</body></html>`;

  it('does not give a wrapped entry’s place to the twin that slid into its position', () => {
    // The wrapper shifts every level above the target; the next `Level 2` entry is now the
    // first `li` of the list, exactly where the target was recorded.
    const changed = swap(
      /<li><a href="#" class="nav-link">Level 2<\/a><\/li>\n {6}<li>/,
      '<div class="wrap"><li><a href="#" class="nav-link">Level 2</a></li></div>\n      <li>',
    )(MENU);
    expect(changed).toContain('<div class="wrap">');
    const { result } = given(MENU)
      .recordedAt('nav > ul > li:nth-child(2) > ul > li:nth-child(1) > a')
      .when(() => changed);
    if (result.status === 'healed')
      expect(pickOf(changed, result)).toBe(
        pickOf(changed, { status: 'intact', selector: 'div.wrap > li > a', confidence: 1, elapsedMs: 0 }),
      );
  });

  it('heals the shifted twin, never the new link that took its position (ADR 121 amends rule 2)', () => {
    // A new link put before the target (the third `Link`) takes its position, and every `Link`
    // now sits where a recorded twin was: five of them for four twins, one is the target. In
    // order, the first two and the last two are the recorded twins: the third is the target.
    const changed = BAR.replace(
      /(<a class="nav-link" href="#">Link<\/a>\n {2}){2}/,
      (links) => `${links}<a class="nav-link" href="#">Weekly digest</a>\n  `,
    );
    expect(changed).toContain('Weekly digest');
    given(BAR)
      .recordedAt('nav > a:nth-child(7)')
      .when(() => changed)
      .thenHeals('nav > a:nth-child(8)');
  });

  it('asks the full margin of a sibling that differs from the best by position alone', () => {
    const FORM = `<!doctype html><html><body>
<header><form id="search" action="/search">
  <input type="text" name="q" class="input">
  <input type="submit" value="Search" class="bttn submit">
</form></header>
<main><h1>Articles</h1><p>Text.</p></main>
</body></html>`;
    // A copy of the button put before it now holds its position, alike in every attribute.
    given(FORM)
      .recordedAt('#search > input.bttn')
      .when(
        swap(
          '<input type="submit" value="Search" class="bttn submit">',
          '<input type="submit" value="Search" class="bttn submit"><input type="submit" value="Search" class="bttn submit">',
        ),
      )
      .thenRefuses('ambiguous');
  });
});

describe('a look-alike in another named landmark (ADR 102)', () => {
  const bar = (
    label: string,
    first: string,
  ) => `<nav class="navbar" aria-label="${label}"><div class="container"><div class="collapse">
  <ul class="navbar-nav">
    <li class="nav-item"><a class="nav-link active" href="#">${first}</a></li>
    <li class="nav-item"><a class="nav-link" href="#">Link</a></li>
    <li class="nav-item"><a class="nav-link disabled">Disabled</a></li>
  </ul></div></div></nav>`;
  const NAVBARS = `<!doctype html><html><body><main>
${bar('First navbar example', 'Home')}
${bar('Second navbar example', 'Home')}
${bar('Third navbar example', 'Home')}
<div class="container">
${bar('Eleventh navbar example', 'Home')}
${bar('Twelfth navbar example', 'Centered nav only')}
${bar('Thirteenth navbar example', 'Home')}
</div>
<h1>Navbar examples</h1><p>Text.</p>
</main></body></html>`;

  it('does not let it claim a candidate inside the target’s own named landmark', () => {
    // A link put before the target inside its own item: its new neighbours' words ("nav")
    // happen to resemble those of the `Link` in the "Centered nav only" navbar.
    const changed = NAVBARS.replace(
      /(aria-label="Eleventh navbar example">(?:.|\n)*?<li class="nav-item">(?:.|\n)*?<li class="nav-item">)/,
      '$1<a class="nav-link" href="#">nav contents</a>',
    );
    expect(changed).toContain('nav contents</a><a class="nav-link" href="#">Link');
    given(NAVBARS)
      .recordedAt('main > div > nav:nth-of-type(1) > div > div > ul > li:nth-of-type(2) > a')
      .when(() => changed)
      .thenHeals('nav[aria-label="Eleventh navbar example"] li:nth-of-type(2) > a:nth-of-type(2)');
  });
});

describe('a control moved within its own block (ADR 109)', () => {
  // AdminLTE's 500 page: the buttons' row sits in the message, the message in the error block.
  const ERROR = `<!doctype html><html><body>
<nav class="app-header" aria-label="Top"><a href="/" class="brand">AdminLTE</a><a href="/docs">Docs</a></nav>
<main class="app-main"><div class="container"><div class="error-page">
  <div class="error-code">500</div>
  <div class="error-content">
    <h1>Something went wrong on our end.</h1>
    <p>The server encountered an unexpected condition. Our team has been notified. Please try again in a moment.</p>
    <div class="d-flex gap-2"><a class="btn btn-primary" href="/">Back to dashboard</a><a class="btn btn-outline-secondary" href="/support">Contact support</a></div>
  </div>
</div></div></main>
<footer class="app-footer"><a href="/about">About us</a></footer>
</body></html>`;
  const support = '<a class="btn btn-outline-secondary" href="/support">Contact support</a>';
  const without = (h: string) => h.replace(support, '');

  it('heals the button moved out of its row to the top of its error block', () => {
    // Its parent, neighbours and nearest heading all changed (surroundings 0.3 alike): it
    // now sits directly in the block it sat in, three levels up, beside its stable neighbours.
    const result = given(ERROR)
      .recordedAt('div.d-flex > a.btn-outline-secondary')
      .when((h) => without(h).replace('<div class="error-code">', `${support}<div class="error-code">`))
      .thenHeals('a[href="/support"]');
    expect(result).toMatchObject({
      explanation: { summary: expect.stringContaining('moved within its own block') },
    });
  });

  it('refuses a deleted button whose copy sits directly in the page container above its block', () => {
    // Four levels up: past the block it sat in, as like the recording as the move above.
    given(ERROR)
      .recordedAt('div.d-flex > a.btn-outline-secondary')
      .when((h) => without(h).replace('<div class="error-page">', `${support}<div class="error-page">`))
      .thenRefuses();
  });
});

describe('a control moved out of its form or container within its own block (ADR 116)', () => {
  // AdminLTE's recover-password card: the message, the form, the link back to sign-in.
  const CARD = `<!doctype html><html><body>
<nav class="app-header" aria-label="Top"><a href="/" class="brand">AdminLTE</a><a href="/docs">Docs</a></nav>
<main><div class="login-box"><div class="card"><div class="card-body" id="recover-card">
  <p class="login-box-msg">You forgot your password? Here you can easily retrieve a new password.</p>
  <form action="/recover" method="post">
    <div class="input-group mb-3"><input type="email" class="form-control" placeholder="Email"></div>
    <div class="row"><div class="col-12"><button type="submit" class="btn btn-primary">Request new password</button></div></div>
  </form>
  <p class="mt-3 mb-1"><a href="/login">Login</a></p>
</div></div></div></main>
<footer class="app-footer"><a href="/about">About us</a></footer>
</body></html>`;
  const email = '<input type="email" class="form-control" placeholder="Email">';
  const without = (h: string) => h.replace(email, '');

  it('heals the field moved out of its form to the top of its card', () => {
    // It left its form (ADR 47: out of context) and its neighbours: it now sits directly in the card
    // body two levels up, beside the form, and still meets its stable neighbours.
    const result = given(CARD)
      .recordedAt('form > div.input-group > input')
      .when((h) => without(h).replace('<form action', `${email}<form action`))
      .thenHeals('#recover-card > input');
    expect(result).toMatchObject({
      explanation: { summary: expect.stringContaining('It left its recorded form, container or heading') },
    });
  });

  it('heals the link moved out of its id’d container into the element that holds it', () => {
    const moved = '<a href="/login">Login</a>';
    given(CARD)
      .recordedAt('#recover-card a[href="/login"]')
      .when((h) =>
        h
          .replace(`<p class="mt-3 mb-1">${moved}</p>`, '<p class="mt-3 mb-1"></p>')
          .replace('</div></div></div></main>', `</div>${moved}</div></div></main>`),
      )
      .thenHeals('div.card > a[href="/login"]');
  });

  it('refuses a deleted field whose copy sits in another form of the card', () => {
    // Not a direct child of an element it sat in: in a new form, outside its own.
    given(CARD)
      .recordedAt('form > div.input-group > input')
      .when((h) =>
        without(h).replace(
          '<p class="mt-3 mb-1">',
          `<form action="/newsletter"><div class="input-group">${email}</div></form><p class="mt-3 mb-1">`,
        ),
      )
      .thenRefuses();
  });

  it('refuses a deleted field whose copy sits directly in the page’s main, past its card', () => {
    given(CARD)
      .recordedAt('form > div.input-group > input')
      .when((h) =>
        without(h).replace('<main><div class="login-box">', `<main>${email}<div class="login-box">`),
      )
      .thenRefuses();
  });
});

describe('a deleted target’s look-alike whose place contradicts the recording (ADR 115)', () => {
  const LOGIN = `<!doctype html><html><body><div class="login-box">
<div class="login-logo"><a href="/"><b>Admin</b>LTE</a></div>
<div class="card"><div class="card-body">
  <p class="login-box-msg">Sign in to start your session</p>
  <form action="/session" method="post">
    <div class="input-group"><input type="email" class="form-control" placeholder="Email"></div>
    <div class="input-group"><input type="password" class="form-control" placeholder="Password"></div>
    <div class="row"><button type="submit" class="btn btn-primary">Sign In</button></div>
  </form>
  <p class="mb-1"><a href="/forgot">I forgot my password</a></p>
  <p class="mb-0"><a href="/register" class="text-center">Register a new membership</a></p>
</div></div></div></body></html>`;
  const forgot = '<a href="/forgot">I forgot my password</a>';

  it('refuses a deleted link recorded outside any form whose copy sits inside the login form', () => {
    given(LOGIN)
      .recordedAt('p.mb-1 > a')
      .when((h) => h.replace(forgot, '').replace('<form action="/session" method="post">', `$&${forgot}`))
      .thenRefuses();
  });

  it('still heals the link moved within its own card', () => {
    given(LOGIN)
      .recordedAt('p.mb-1 > a')
      .when((h) => h.replace(forgot, '').replace('<p class="login-box-msg">', `${forgot}$&`))
      .thenHeals('a[href="/forgot"]');
  });

  const DOCS = `<!doctype html><html><body><div class="wrapper">
<header class="navbar"><a href="/" class="brand">Docs</a><a href="/blog">Blog</a></header>
<aside class="sidebar"><h2>Contents</h2><nav class="mt-2"><ul>
  <li><a href="/install">Installation</a></li><li><a href="/start">Getting Started</a></li><li><a href="/layout">Layout</a></li>
</ul></nav><p class="note">Pick a topic.</p></aside>
<main class="content"><h2>Contents</h2><div class="card"><div class="card-header">Components</div>
  <div class="card-body"><p>Main header, main sidebar.</p><nav class="dropdown"><ul><li><a href="/profile">Profile</a></li></ul></nav></div>
</div></main>
</div></body></html>`;
  const sidebarNav =
    '<nav class="mt-2"><ul>\n  <li><a href="/install">Installation</a></li><li><a href="/start">Getting Started</a></li><li><a href="/layout">Layout</a></li>\n</ul></nav>';

  it('refuses a deleted side-rail navigation whose copy sits in the main content', () => {
    given(DOCS)
      .recordedAt('aside > nav')
      .when((h) =>
        h.replace(sidebarNav, '').replace('<div class="card-body">', `<div class="card-body">${sidebarNav}`),
      )
      .thenRefuses();
  });

  const ARTICLE = `<!doctype html><html><body><header><a href="/" class="brand">Kotaku</a></header>
<main><article><h1>The Story of Metroid</h1><div class="body">
  <h2>Part One: The Wars in Heaven</h2><p>The Chozo were an ancient race.</p>
  <h2>Part Two: The End of the Renaissance</h2>
  <h3>The War of Bryyo</h3><p>A lost war (<span><a href="/art/sesakath" class="js_link">Artist: Sesakath</a></span>) on a far world.</p>
  <h3>Referencing</h3><p>Sources and scans.</p>
  <h2>Notes on Speculation and Lore</h2><p>Some Chozo could see the future.</p><ul class="notes"><li>Lore is canon.</li></ul>
</div></article></main></body></html>`;
  const artist = '<a href="/art/sesakath" class="js_link">Artist: Sesakath</a>';

  it('refuses a deleted article link whose copy sits in a list under another section', () => {
    // Its nearest heading changed and so did the section above it ("Part Two" → "Notes on …"),
    // while both are still on the page.
    given(ARTICLE)
      .recordedAt('span > a.js_link')
      .when((h) => h.replace(artist, '').replace('<ul class="notes">', `<ul class="notes">${artist}`))
      .thenRefuses();
  });

  it('still heals the link moved within its own block into the next section', () => {
    // Directly in the article body it sat in three levels up, beside its stable neighbours:
    // ADR 109's move, not a copy under another section.
    given(ARTICLE)
      .recordedAt('span > a.js_link')
      .when((h) => h.replace(artist, '').replace('<ul class="notes">', `${artist}<ul class="notes">`))
      .thenHeals('a.js_link');
  });
});

describe('a deleted menu entry’s look-alike in another menu group (ADR 120)', () => {
  const item = (href: string, label: string): string =>
    `<li class="nav-item"><a href="${href}" class="nav-link"><p>${label}</p></a></li>`;
  const SIDEBAR = `<!doctype html><html><body><div class="wrapper">
<aside class="main-sidebar"><a href="/" class="brand-link">AdminLTE</a><div class="sidebar">
<div class="user-panel"><a href="#" class="d-block">Alexander Pierce</a></div>
<nav class="mt-2"><ul class="nav nav-sidebar">
 ${item('/dashboard', 'Dashboard')}
 <li class="nav-item"><a href="#" class="nav-link"><p>Forms</p></a><ul class="nav nav-treeview">
  ${item('/forms/general', 'General Elements')}
  ${item('/forms/advanced', 'Advanced Elements')}
  ${item('/forms/editors', 'Editors')}
 </ul></li>
 <li class="nav-item"><a href="#" class="nav-link"><p>Tables</p></a><ul class="nav nav-treeview">
  ${item('/tables/simple', 'Simple Tables')}
  ${item('/tables/data', 'DataTables')}
 </ul></li>
 ${item('/calendar', 'Calendar')}
 ${item('/gallery', 'Gallery')}
</ul></nav></div></aside>
<main class="content"><h1>Editors</h1><p>Write rich text.</p></main>
</div></body></html>`;
  const editors = item('/forms/editors', 'Editors');
  const calendar = item('/calendar', 'Calendar');
  const EDITORS = 'ul.nav-sidebar > li:nth-child(2) > ul > li:nth-child(3) > a';
  const CALENDAR = 'ul.nav-sidebar > li:nth-child(4) > a';
  const intoTables = (entry: string) => (h: string) =>
    h.replace(entry, '').replace(item('/tables/data', 'DataTables'), `$&${entry}`);
  const intoForms = (entry: string) => (h: string) =>
    h.replace(entry, '').replace(item('/forms/editors', 'Editors'), `$&${entry}`);

  it('refuses a deleted submenu entry whose copy sits in a sibling submenu, its own still there', () => {
    given(SIDEBAR).recordedAt(EDITORS).when(intoTables(editors)).thenRefuses();
  });

  it('refuses a deleted top-level entry whose copy sits in the submenu of another entry', () => {
    given(SIDEBAR).recordedAt(CALENDAR).when(intoForms(calendar)).thenRefuses();
  });

  it('still heals an entry regrouped under a new entry in its own slot', () => {
    given(SIDEBAR)
      .recordedAt(CALENDAR)
      .when(
        swap(
          calendar,
          `<li class="nav-item has-children"><a href="#" class="nav-link"><p>Planning</p></a><ul class="submenu">${calendar}</ul></li>`,
        ),
      )
      .thenHeals('a[href="/calendar"]');
  });

  it('still heals a submenu entry whose group was regrouped under a new entry', () => {
    const forms = SIDEBAR.slice(
      SIDEBAR.indexOf('<li class="nav-item"><a href="#" class="nav-link"><p>Forms'),
      SIDEBAR.indexOf(' <li class="nav-item"><a href="#" class="nav-link"><p>Tables'),
    );
    given(SIDEBAR)
      .recordedAt(EDITORS)
      .when(
        swap(
          forms,
          `<li class="nav-item"><a href="#" class="nav-link"><p>Input</p></a><ul class="submenu">${forms}</ul></li>`,
        ),
      )
      .thenHeals('a[href="/forms/editors"]');
  });

  it('still heals a submenu entry moved up out of its group', () => {
    given(SIDEBAR)
      .recordedAt(EDITORS)
      .when((h) => h.replace(editors, '').replace(item('/gallery', 'Gallery'), `$&${editors}`))
      .thenHeals('a[href="/forms/editors"]');
  });

  it('heals a version 2 fingerprint as before: it records no groups', () => {
    const { groups: _groups, ...context } = fingerprintFromHtml(SIDEBAR, EDITORS).context ?? {
      landmarks: [],
      headings: [],
    };
    const v2 = parseFingerprint({
      ...fingerprintFromHtml(SIDEBAR, EDITORS),
      version: 2,
      context: { ...context, groups: ['Forms'] },
    });
    expect(v2.context?.groups).toBeUndefined();
    expect(healInHtml(intoTables(editors)(SIDEBAR), v2).status).toBe('healed');
  });
});

describe('a list of identical items that gained one (ADR 121)', () => {
  const links = (n: number): string => '<a class="nav-link" href="#">Link</a>'.repeat(n);
  const SCROLLER = `<!doctype html><html><body><div class="nav-scroller"><nav class="nav">
    <a class="nav-link active" href="#">Dashboard</a><a class="nav-link" href="#">Friends</a>
    <a class="nav-link" href="#">Explore</a><a class="nav-link" href="#">Suggestions</a>${links(5)}
  </nav></div><main><h1>Recent updates</h1><p>Some text <a href="#">All updates</a></p></main></body></html>`;
  // Recorded: the fourth of five identical links; each of the other four is a recorded look-alike.
  const fourth = '<a class="nav-link" href="#">Link</a>'.repeat(3);
  const at = SCROLLER.indexOf(fourth) + fourth.length;

  it('heals the link a new item put before it shifted, by its order among its twins', () => {
    given(SCROLLER)
      .recordedAt('nav > a:nth-child(8)')
      .when((h) => `${h.slice(0, at)}<a class="nav-link" href="/offers">Offers</a>${h.slice(at)}`)
      .thenHeals('nav > a:nth-child(9)');
  });

  it('refuses when the list kept as many identical links as look-alikes (the target deleted)', () => {
    given(SCROLLER)
      .recordedAt('nav > a:nth-child(8)')
      .when((h) => `${h.slice(0, at)}${h.slice(at + '<a class="nav-link" href="#">Link</a>'.length)}`)
      .thenRefuses();
  });

  it('keeps the selector of a dropdown item whose label now reads like the item before it', () => {
    // "Action" is a recorded look-alike and has its own item first in the list: it is not the second.
    const MENU = `<!doctype html><html><body><nav class="navbar"><ul class="navbar-nav">
      <li class="nav-item"><a class="nav-link" href="#">Profile</a></li>
      <li class="nav-item dropdown"><a class="nav-link dropdown-toggle" href="#">Settings</a>
        <div class="dropdown-menu"><a class="dropdown-item" href="#">Action</a><a class="dropdown-item" href="#">Another action</a><a class="dropdown-item" href="#">Something else here</a></div>
      </li></ul></nav><main><h1>Title</h1></main></body></html>`;
    given(MENU)
      .recordedAt('.dropdown-menu > a:nth-child(2)')
      .when((h) => h.replace('>Another action<', '>action<'))
      .thenIntact();
  });

  it('does not take a twin left in the list for the last link, moved out of it', () => {
    const last = SCROLLER.lastIndexOf('<a class="nav-link" href="#">Link</a>');
    const { result } = given(SCROLLER)
      .recordedAt('nav > a:nth-child(9)')
      .when((h) =>
        `${h.slice(0, last)}${h.slice(last + '<a class="nav-link" href="#">Link</a>'.length)}`.replace(
          '</nav>',
          '</nav><a class="nav-link" href="#">Link</a>',
        ),
      );
    if (result.status === 'healed') expect(result.selector).not.toMatch(/nav > a/);
  });
});

describe('a twin that slid into the target’s place when the run of alike siblings got shorter (ADR 122)', () => {
  const link = '<a class="nav-link" href="#">Link</a>';
  /** The `n`th `Link` (1-based) replaced by `to`. */
  const nthLink = (n: number, to: string) => (html: string) => {
    let seen = 0;
    return html.replace(/<a class="nav-link" href="#">Link<\/a>/g, (m) => (++seen === n ? to : m));
  };

  it('does not heal to the next twin when the target became a button: it now holds the target’s position', () => {
    // The third `Link` became a button; the fourth is now `a:nth-of-type(7)`, where the target was.
    const changed = nthLink(3, '<button class="nav-link" type="button">Link</button>')(BAR);
    expect(changed).toContain('<button');
    const { result } = given(BAR)
      .recordedAt('nav > a:nth-child(7)')
      .when(() => changed);
    if (result.status !== 'refused')
      expect(pickOf(changed, result)).toBe(
        pickOf(changed, { status: 'intact', selector: 'nav > button', confidence: 1, elapsedMs: 0 }),
      );
  });

  it('does not keep the recorded selector on the twin that slid into the place of the moved target', () => {
    // The first `Link` moved into the main content: `a:nth-of-type(5)` is now the second.
    const changed = nthLink(1, '')(BAR).replace('<p>Text.</p>', `<p>Text.</p>${link}`);
    given(BAR)
      .recordedAt('html > body > div > nav > a:nth-of-type(5)')
      .when(() => changed)
      .thenRefuses('ambiguous');
  });

  it('refuses between the moved target and its twin, alike once their classes were hashed, in its place', () => {
    const ADS = `<!doctype html><html><body><main><h1>Story</h1><p>Text.</p>
<div class="ads"><div class="header"><div class="logo"><a href="/about-ads" class="brand">Ads by Example</a></div>
  <div class="attribution"><a class="attr-desktop attr-top" href="https://ads.example/about">Sponsor</a><a class="attr-mobile attr-top" href="https://ads.example/about">Sponsor</a></div>
  <div class="label"><a href="/promoted">Promoted links</a></div>
</div><ul><li><a href="/one">One</a></li><li><a href="/two">Two</a></li></ul></div>
</main></body></html>`;
    const desktop = '<a class="attr-desktop attr-top" href="https://ads.example/about">Sponsor</a>';
    const mobile = '<a class="attr-mobile attr-top" href="https://ads.example/about">Sponsor</a>';
    // The desktop link moved up into the header and both classes were hashed: the mobile twin
    // holds its place and still meets its anchors there, alike to it in every own attribute.
    const changed = ADS.replace(desktop, '')
      .replace(mobile, mobile.replace('attr-mobile attr-top', 'css-7qk2'))
      .replace(
        '<div class="header">',
        `<div class="header">${desktop.replace('attr-desktop attr-top', 'css-1x9k')}`,
      );
    given(ADS)
      .recordedAt('.attribution > a:nth-of-type(1)')
      .when(() => changed)
      .thenRefuses('ambiguous');
  });

  it('still keeps the target when the last twin became a button: the run got shorter behind it', () => {
    const changed = nthLink(5, '<button class="nav-link" type="button">Link</button>')(BAR);
    given(BAR)
      .recordedAt('nav > a:nth-child(7)')
      .when(() => changed)
      .thenIntact();
  });

  it('refuses when the last twin was deleted: the target deleted and the rest moved up is the same page', () => {
    given(BAR).recordedAt('nav > a:nth-child(7)').when(nthLink(5, '')).thenRefuses('ambiguous');
  });
});

describe('a renamed target beside a sibling put before it, neither named like the recording (ADR 122)', () => {
  const COMMENTS = `<!doctype html><html><body><main><h1>Facebook is tracking me</h1>
<div id="comments"><h2 class="title">Comments</h2>
  <div class="comment"><h3>Anonymous</h3><p>Great article.</p><a href="/reply">reply</a></div>
  <h2 class="element-invisible">Pages</h2>
  <ul class="pager"><li><a href="?page=1">1</a></li><li><a href="?page=2">2</a></li><li><a href="?page=1">next</a></li></ul>
  <form id="comment-form"><label for="c">Comment</label><textarea id="c" name="comment"></textarea></form>
</div></main></body></html>`;

  it('refuses between a renamed heading and a sibling heading put before it, neither named like the recording', () => {
    const changed = COMMENTS.replace(
      '<h2 class="element-invisible">Pages</h2>',
      '<h2 class="element-invisible">Tags sites</h2><h2 class="element-invisible">constitute</h2>',
    );
    given(COMMENTS)
      .recordedAt('#comments > h2.element-invisible')
      .when(() => changed)
      .thenRefuses('ambiguous');
  });
});

describe('under the confidence floor, wholly in context and clearly ahead (ADR 127)', () => {
  const PROFILE = `<!doctype html><html><body>
<main><h1>Account</h1>
<form id="profile" action="/profile">
  <label for="nick">Nickname</label><input id="nick" name="nick" type="text" class="form-control">
  <button id="save-profile-btn" type="submit" class="btn btn-primary btn-save">Save profile</button>
  <a href="/help" class="small">Help</a>
</form></main>
<footer><h2>Newsletter</h2><form id="news" action="/news">
  <input name="mail" type="email" class="form-control">
</form></footer></body></html>`;
  const BUTTON = /<button[^]*?<\/button>/;
  // An id regenerated, the classes hashed and the text edited, all at once.
  const stacked = (h: string): string =>
    h
      .replace('id="save-profile-btn"', 'id="b-9f3a2c"')
      .replace('btn btn-primary btn-save', 'css-1x9k2ab')
      .replace('Save profile', 'Store');

  it('heals stacked edits of a button that stayed in its form, under the floor but far ahead', () => {
    const result = given(PROFILE)
      .recordedAt('#save-profile-btn')
      .when(stacked)
      .thenHeals('#profile > button');
    if (result.status !== 'healed') throw new Error('not healed');
    expect(result.confidence).toBeLessThan(0.6);
    expect(result.margin).toBeGreaterThanOrEqual(0.2);
  });

  it('still refuses the same edited button when it sits in another form', () => {
    const intoNewsletter = (h: string): string => {
      const edited = stacked(h);
      const button = BUTTON.exec(edited)?.[0] ?? '';
      return edited.replace(button, '').replace('</form></footer>', `${button}</form></footer>`);
    };
    expect(intoNewsletter(PROFILE)).toContain('>Store</button></form></footer>');
    given(PROFILE).recordedAt('#save-profile-btn').when(intoNewsletter).thenRefuses();
  });

  it('still refuses a deleted button', () => {
    given(PROFILE)
      .recordedAt('#save-profile-btn')
      .when((h) => h.replace(BUTTON, ''))
      .thenRefuses();
  });
});
