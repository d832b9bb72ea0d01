import { HtmlPage } from '@aether/healing';
import { Element, findAll, render, selectOne, type DomElement } from './dom';
import { TRUTH_ATTR, apply, type Mutation } from './mutations';
import { Rng } from '@aether/testing';
import { SCENARIOS, suits } from './scenarios';
import { ancestors, canHold } from './tree';

const PAGE = `<html><body>
  <nav><ul class="menu">
    <li><a href="/home" class="nav-link">Home</a></li>
    <li><a href="/reports" class="nav-link" id="reports">Reports</a></li>
    <li><a href="/users" class="nav-link">Users</a></li>
  </ul></nav>
  <main>
    <h2 class="card-title" id="title">Sign in</h2>
    <form id="login">
      <label for="user">Username</label><input id="user" name="user" type="text">
      <label for="plan">Plan</label><select id="plan" name="plan"><option>Free</option><option selected>Pro</option></select>
      <button type="submit" class="btn btn-primary" id="go">Log in</button>
    </form>
  </main>
</body></html>`;

/** Links holding blocks (AdminLTE's sidebar, article cards): places a moved link must not go. */
const CARDS = `<html><body>
  <ul><li><a href="/a" class="card"><p>Alpha card</p><div class="meta">one</div></a></li>
  <li><a href="/b" class="card"><p>Beta card</p><div class="meta">two</div></a></li>
  <li><a href="/reports" id="reports">Reports</a></li></ul>
  <p class="lead">Intro text</p>
</body></html>`;

function run(op: Mutation, selector: string, seed: number, html = PAGE) {
  const page = HtmlPage.parse(html);
  const target = selectOne<unknown, DomElement>(selector, page.document);
  const body = selectOne<unknown, DomElement>('body', page.document);
  if (!target || !body) throw new Error('fixture');
  target.attribs[TRUTH_ATTR] = '1';
  const ctx = {
    doc: page.document,
    body,
    rng: new Rng(seed),
    vocabulary: ['Alpha', 'Beta', 'Gamma'],
    target,
  };
  const applied = apply(op, ctx);
  const truth = findAll((e) => e.attribs[TRUTH_ATTR] !== undefined, page.document.children);
  return { applied, truth, html: render(page.document), ctx };
}

const text = (e: DomElement): string =>
  render(e.children)
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('healing scenarios', () => {
  it.each([1, 2, 3, 4, 5, 6])(
    'deleted-lookalike removes the target and leaves a copy elsewhere (seed %i)',
    (seed) => {
      const { applied, truth, html } = run('deleted-lookalike', '#go', seed);
      expect(applied).toBe(true);
      expect(truth).toHaveLength(0);
      const after = HtmlPage.parse(html);
      const copies = after.querySelectorAll('button.btn.btn-primary');
      expect(copies).toHaveLength(1);
      expect(copies[0].getAttribute('id')).toBeNull();
    },
  );

  it.each([1, 2, 3, 4])(
    'twin-elsewhere keeps the target and adds a same-label twin outside its form (seed %i)',
    (seed) => {
      const { applied, truth, html } = run('twin-elsewhere', '#go', seed);
      expect(applied).toBe(true);
      expect(truth).toHaveLength(1);
      const buttons = findAll(
        (e) => e.name === 'button' && text(e) === 'Log in',
        HtmlPage.parse(html).document.children,
      );
      expect(buttons).toHaveLength(2);
      const outside = buttons.filter((b) => !ancestors(b).some((a) => a.attribs['id'] === 'login'));
      expect(outside.length).toBeGreaterThanOrEqual(1);
    },
  );

  it('menu-regroup moves the entry into a submenu under a new parent entry', () => {
    const { applied, truth } = run('menu-regroup', '#reports', 3);
    expect(applied).toBe(true);
    expect(truth).toHaveLength(1);
    expect(ancestors(truth[0]).filter((a) => a.name === 'ul')).toHaveLength(2);
  });

  it.each([1, 2, 3, 4, 5])(
    'tag-heading turns the heading into a look-alike that is no h element (seed %i)',
    (seed) => {
      const { truth } = run('tag-heading', '#title', seed);
      expect(truth).toHaveLength(1);
      expect(truth[0].name).not.toMatch(/^h[1-6]$/);
      expect(text(truth[0])).toBe('Sign in');
    },
  );

  it.each([1, 2, 3, 4, 5])(
    'control-restyle replaces the native select by an ARIA widget (seed %i)',
    (seed) => {
      const { truth, html } = run('control-restyle', '#plan', seed);
      expect(truth).toHaveLength(1);
      expect(truth[0].attribs['role']).toBe('combobox');
      expect(HtmlPage.parse(html).querySelectorAll('select')).toHaveLength(0);
    },
  );

  it('every scenario finds targets in the fixture', () => {
    const snaps = HtmlPage.parse(PAGE).snapshots();
    for (const s of SCENARIOS) expect(snaps.some((x) => suits(s, x))).toBe(true);
  });

  it('places nothing where a browser would re-nest it', () => {
    const page = HtmlPage.parse(
      '<html><body><a href="/x"><p>Card</p><div>box</div></a><p>Intro</p><form><div>f</div></form><button>b</button></body></html>',
    );
    const one = (sel: string) => selectOne<unknown, DomElement>(sel, page.document) as DomElement;
    const link = new Element('a', { href: '/y' });
    expect(canHold(one('a > p'), link)).toBe(false);
    expect(canHold(one('a > div'), new Element('button', {}))).toBe(false);
    expect(canHold(one('body > p'), new Element('div', {}))).toBe(false);
    expect(canHold(one('form > div'), new Element('form', {}))).toBe(false);
    expect(canHold(one('body > p'), link)).toBe(true);
    expect(canHold(one('a > div'), new Element('span', {}))).toBe(true);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])(
    'move and decoy never put a link inside a link (seed %i)',
    (seed) => {
      for (const op of ['move', 'decoy'] as const) {
        const { html } = run(op, '#reports', seed, CARDS);
        const after = HtmlPage.parse(html);
        expect(after.querySelectorAll('a a')).toHaveLength(0);
        expect(after.querySelectorAll('p div, p ul')).toHaveLength(0);
      }
    },
  );
});
