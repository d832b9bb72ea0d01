import { HtmlPage, fingerprintFromHtml, healInHtml } from '../index';
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

  it('heals a move within the page', () => {
    given(PAGE)
      .recordedAt('form > a')
      .when((h) =>
        h
          .replace('<a href="/forgot" class="small">Forgot your password?</a>', '')
          .replace('</form>', '</form><p><a href="/forgot" class="small">Forgot your password?</a></p>'),
      )
      .thenHeals('a[href="/forgot"]');
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
