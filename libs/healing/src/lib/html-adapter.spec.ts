import { HtmlPage } from './html-adapter';
import { selectAll, type AnyNode, type DomElement } from './html-deps';
import type { ElementLike, NodeLike } from './snapshot';

/**
 * What css-select alone answers on domhandler's tree (its default adapter), elements under
 * the document element only, as `querySelectorAll` returns them.
 */
function cssSelectAlone(page: HtmlPage, selector: string): string[] {
  const root = page.document.children.find((n): n is DomElement => n.type === 'tag' && n.name === 'html');
  const inside = (el: DomElement): boolean => {
    for (let p: DomElement | null = el; p; p = p.parent as DomElement | null) if (p === root) return true;
    return false;
  };
  return selectAll<AnyNode, DomElement>(selector, page.document).filter(inside).map(label);
}

function label(el: DomElement): string {
  const at = (el.parent as DomElement | null)?.children.indexOf(el) ?? -1;
  return `${el.name}@${at}:${el.attribs['id'] ?? ''}`;
}

/** The same label on the page's own tree: position among all of the parent's nodes. */
function liteLabel(el: ElementLike): string {
  let at = 0;
  for (let p: NodeLike | null = el.previousSibling; p; p = p.previousSibling) at++;
  return `${el.tagName}@${at}:${el.getAttribute('id') ?? ''}`;
}

// Siblings of every kind css-select counts or skips: text, comments, script and style
// (elements to it), a template's content, mixed tags, and a second top-level element.
const MIXED = `<!doctype html><html><head><title>t</title><style>p{}</style></head><body>
  text <!-- c --> <p id="p1">a</p><script>1</script><p id="p2">b</p><div id="d1"><p id="p3">c</p>x<span>s</span><p id="p4">d</p></div>
  <ul><li>1</li><li>2</li><li id="l3">3</li><li>4</li><!-- c --><li>5</li></ul>
  <template><p id="t1">t</p><p id="t2">u</p></template><p id="p5">e</p></body></html><div id="stray"><p>z</p></div>`;

// The `html` element second among the document's elements.
const LATE_ROOT = `<p id="before">x</p><html><body><p id="in">y</p><p>z</p></body></html>`;

describe('HtmlPage.querySelectorAll', () => {
  const page = HtmlPage.parse(MIXED);
  const late = HtmlPage.parse(LATE_ROOT);
  const tags = ['', '*', 'p', 'li', 'span', 'div', 'script', 'body', 'html', 'head', 'template'];
  const selectors: string[] = [];
  for (const tag of tags)
    for (let n = 0; n <= 8; n++)
      selectors.push(`${tag}:nth-child(${n})`, `${tag}:nth-of-type(${n})`, `body > ${tag}:nth-of-type(${n})`);
  selectors.push(
    '#d1 > p:nth-of-type(2)',
    'ul > li:nth-child(5)',
    'ul > li:nth-child(03)',
    'p:nth-child(2n+1)',
    'li:nth-child(odd)',
    'li:nth-of-type(-n+2)',
    'li:nth-child(n)',
    'html:nth-child(n)',
    'p:nth-child(1 of p)',
    'p:not(:nth-child(2))',
    'div:has(> p:nth-of-type(2))',
    'li:nth-last-child(1)',
    'p:nth-child( 2 )',
  );

  it.each(selectors)('finds what css-select alone finds: %s', (selector) => {
    expect(page.querySelectorAll(selector).map(liteLabel)).toEqual(cssSelectAlone(page, selector));
    expect(page.count(selector)).toBe(selectAll(selector, page.document).length);
    expect(late.count(selector)).toBe(selectAll(selector, late.document).length);
    expect(late.querySelectorAll(selector).map(liteLabel)).toEqual(cssSelectAlone(late, selector));
  });

  it('answers positions from the document it parsed, not from another page', () => {
    const other = HtmlPage.parse('<ul><li id="x">1</li><li id="y">2</li></ul>');
    const shifted = HtmlPage.parse('<ul><li id="w">0</li><li id="x">1</li><li id="y">2</li></ul>');
    expect(other.querySelectorAll('li:nth-child(2)').map((el) => el.getAttribute('id'))).toEqual(['y']);
    expect(shifted.querySelectorAll('li:nth-child(2)').map((el) => el.getAttribute('id'))).toEqual(['x']);
  });

  it.each(['p:nth-child(x)', 'p:nth-child', 'p:nth-child(2):bogus'])(
    "throws css-select's own error on a bad selector: %s",
    (selector) => {
      const own = ((): unknown => {
        try {
          return selectAll(selector, page.document);
        } catch (error) {
          return error;
        }
      })();
      expect(own).toBeInstanceOf(Error);
      expect(() => page.querySelectorAll(selector)).toThrow((own as Error).message);
    },
  );
});
