import { fingerprintFromHtml, rateSelectorFragility } from '../index';
import { looksGeneratedId, looksHashedClass } from './fragility';

describe('rateSelectorFragility', () => {
  it.each([
    ['[data-testid="login"]', 0, 0.1],
    ['#login-button', 0, 0.1],
    ['input[name="email"]', 0, 0.2],
  ])('rates %s as sturdy', (selector, min, max) => {
    const { score } = rateSelectorFragility(selector);
    expect(score).toBeGreaterThanOrEqual(min);
    expect(score).toBeLessThanOrEqual(max);
  });

  it('flags auto-generated ids', () => {
    const rating = rateSelectorFragility('#ember1234 > button');
    expect(rating.reasons.map((r) => r.code)).toContain('generated-id');
    expect(rating.score).toBeGreaterThanOrEqual(0.5);
  });

  it('flags hashed classes', () => {
    const rating = rateSelectorFragility('div.css-1x2y3z > button.sc-bdVaJa');
    expect(rating.reasons.map((r) => r.code)).toContain('hashed-class');
  });

  it('flags long nth-child chains anchored at the root', () => {
    const rating = rateSelectorFragility(
      'body > div:nth-child(3) > div:nth-child(2) > ul > li:nth-child(4) > a',
    );
    const codes = rating.reasons.map((r) => r.code);
    expect(codes).toEqual(expect.arrayContaining(['long-nth-chain', 'long-chain', 'absolute-path']));
    expect(rating.score).toBeGreaterThanOrEqual(0.7);
  });

  it('suggests a sturdier selector from the fingerprint, verified unique when it can be', () => {
    const html =
      '<form><input name="email" placeholder="Email"><button data-testid="submit">Go</button></form>';
    const fingerprint = fingerprintFromHtml(html, 'form > button:nth-of-type(1)');
    expect(
      rateSelectorFragility('html > body > form > button:nth-of-type(1)', { fingerprint }).suggestion,
    ).toBe('[data-testid="submit"]');
    const notUnique = rateSelectorFragility('html > body > form > button:nth-of-type(1)', {
      fingerprint,
      isUnique: () => false,
    });
    expect(notUnique.suggestion).toBeUndefined();
  });

  it('does not suggest anything for a sturdy selector', () => {
    const html = '<button data-testid="submit" id="go">Go</button>';
    const fingerprint = fingerprintFromHtml(html, '#go');
    expect(rateSelectorFragility('[data-testid="submit"]', { fingerprint }).suggestion).toBeUndefined();
  });

  it('rates Playwright text selectors and XPath coarsely', () => {
    expect(rateSelectorFragility('text=Sign in').reasons[0].code).toBe('text-dependent');
    expect(rateSelectorFragility('//div[2]/ul/li[3]/a').score).toBeGreaterThan(0.5);
  });

  it('rates own words as text, and a >> chain by its most fragile part plus a little (ADR 114)', () => {
    expect(rateSelectorFragility('role=link[name*="Home"s]').score).toBe(0.2);
    expect(rateSelectorFragility('footer >> role=link[name*="Home"s]').score).toBe(0.25);
    expect(rateSelectorFragility('#login >> role=button[name*="Sign in"s]').score).toBe(0.25);
    // A scope that breaks on the next deploy makes the chain break with it.
    expect(rateSelectorFragility('#ember1234 >> role=button[name*="Go"s]').score).toBeGreaterThan(0.5);
    expect(rateSelectorFragility('div:text-is("Billing")').score).toBe(0.3);
    expect(rateSelectorFragility('footer >> div:text-is("Billing")').score).toBe(0.35);
    // `>>` inside the words is no chain.
    expect(rateSelectorFragility('role=link[name*="a >> b"s]').score).toBe(0.2);
  });
});

describe('heuristics', () => {
  it.each(['ember123', 'react-select-2-input', ':r3:', 'a8f3k29c', 'yui_3_5_1_2', 'item-x7k2p'])(
    '%s looks generated',
    (id) => {
      expect(looksGeneratedId(id)).toBe(true);
    },
  );
  it.each(['login', 'main-nav', 'email', 'search-form', 'h2', 'explore-this-year%E2%80%99s-report'])(
    '%s looks stable',
    (id) => {
      expect(looksGeneratedId(id)).toBe(false);
    },
  );
  it.each(['ember%20123', 'a8f3k29c%E2%80%99'])('%s looks generated however it is escaped', (id) => {
    expect(looksGeneratedId(id)).toBe(true);
  });
  it.each(['css-1x2y3z', 'sc-bdVaJa', 'Button_primary__3xk2P', '_3xk2p', 'jsx-2958219'])(
    '%s looks hashed',
    (c) => {
      expect(looksHashedClass(c)).toBe(true);
    },
  );
  it.each(['btn', 'btn-primary', 'col-md-6', 'nav-link', 'mt-2'])('%s looks hand-written', (c) => {
    expect(looksHashedClass(c)).toBe(false);
  });
});
