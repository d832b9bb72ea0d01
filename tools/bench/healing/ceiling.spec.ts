import { HtmlPage, fingerprintFromHtml } from '@aether/healing';
import { beforeChange, ceilingVerdict } from './ceiling';
import { Element, appendChild, prependChild, removeElement, render, replaceElement, selectOne } from './dom';
import type { DomElement } from './dom';
import { copyOf } from './scenarios';
import { TRUTH_ATTR } from './tree';

const PAGE = `<html><body>
  <main>
    <form id="login" action="/login">
      <div class="row"><input name="user" type="text" placeholder="Username"></div>
      <div class="row"><a href="/forgot" class="link-muted">Forgot password?</a>
        <button type="submit" class="btn" id="go" name="go">Log in</button>
        <button type="button" class="btn-icon" data-testid="help"><span id="help-icon">?</span></button></div>
    </form>
    <div class="promo"><p>Offers</p></div>
  </main>
  <footer class="site"><ul class="links"><li><a href="/about">About</a></li></ul></footer>
</body></html>`;

const at = (page: HtmlPage, selector: string): DomElement => {
  const el = selectOne<unknown, DomElement>(selector, page.document);
  if (!el) throw new Error(`fixture: ${selector}`);
  return el;
};

/** The recording on the page before, then the change `move` makes to the target. */
function changed(selector: string, move: (page: HtmlPage, target: DomElement) => void) {
  const fingerprint = fingerprintFromHtml(HtmlPage.parse(PAGE), selector);
  const page = HtmlPage.parse(PAGE);
  const target = at(page, selector);
  const before = beforeChange(page.document, target);
  target.attribs[TRUTH_ATTR] = '1';
  move(page, target);
  const seen = render(page.document).replaceAll(` ${TRUTH_ATTR}="1"`, '');
  return { verdict: ceilingVerdict(before, page.document, fingerprint, seen), seen, page };
}

const intoFooter = (page: HtmlPage, target: DomElement): void => {
  removeElement(target);
  appendChild(at(page, 'footer'), target);
};

describe('ceilingVerdict', () => {
  it('counts a link moved into the footer: the page is the one its deletion and a copy there make', () => {
    const { verdict, seen } = changed('a.link-muted', intoFooter);
    expect(verdict).toBe('indistinguishable');
    // Built apart from the check, from the page before: the target deleted, its copy there.
    const deleted = HtmlPage.parse(PAGE);
    const target = at(deleted, 'a.link-muted');
    const copy = copyOf(target, () => false);
    removeElement(target);
    appendChild(at(deleted, 'footer'), copy);
    expect(render(deleted.document)).toBe(seen);
  });

  it('leaves the page as it found it', () => {
    const { seen, page } = changed('a.link-muted', intoFooter);
    expect(render(page.document).replaceAll(` ${TRUTH_ATTR}="1"`, '')).toBe(seen);
  });

  it('does not count an element that took its own id along: a copy has none', () => {
    expect(changed('#go', intoFooter).verdict).toBe('kept-identity');
    const renamed = changed('#go', (page, target) => {
      intoFooter(page, target);
      target.attribs['id'] = 'ember4711';
      delete target.attribs['name'];
    });
    expect(renamed.verdict).toBe('page-differs');
  });

  it('does not count an id inside the moved element, which the copy would lack', () => {
    expect(
      changed('button.btn-icon', (page, target) => {
        intoFooter(page, target);
        delete target.attribs['data-testid'];
      }).verdict,
    ).toBe('page-differs');
  });

  it('does not count the recorded name or test id, though a copy may keep them', () => {
    expect(
      changed('#go', (page, target) => {
        intoFooter(page, target);
        delete target.attribs['id'];
      }).verdict,
    ).toBe('kept-identity');
    expect(changed('button.btn-icon', intoFooter).verdict).toBe('kept-identity');
  });

  it('does not count a move within the places it was in', () => {
    const verdict = changed('a.link-muted', (page, target) => {
      removeElement(target);
      prependChild(at(page, 'form'), target);
    }).verdict;
    expect(verdict).toBe('in-place');
  });

  it('does not count a container deleted-lookalike never puts a copy into', () => {
    const verdict = changed('a.link-muted', (page, target) => {
      removeElement(target);
      appendChild(at(page, 'div.promo'), target);
    }).verdict;
    expect(verdict).toBe('not-a-copy-home');
  });

  it('does not count an element in a wrapper the change made', () => {
    const verdict = changed('a.link-muted', (page, target) => {
      intoFooter(page, target);
      const wrap = new Element('div', { class: 'wrap' });
      replaceElement(target, wrap);
      appendChild(wrap, target);
    }).verdict;
    expect(verdict).toBe('new-parent');
  });

  it('has nothing to say of a deleted target', () => {
    expect(changed('a.link-muted', (_, target) => removeElement(target)).verdict).toBe('deleted');
  });
});
