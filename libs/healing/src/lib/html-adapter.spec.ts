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

/** One node and its subtree, as kind, name or text: the same words for both trees. */
function shapeOf(node: NodeLike): string {
  if (node.nodeType === 3) return JSON.stringify(node.nodeValue);
  if (node.nodeType !== 1) return '#';
  const el = node as ElementLike;
  const kids: string[] = [];
  for (let i = 0; i < el.childNodes.length; i++) kids.push(shapeOf(el.childNodes[i]));
  return `${el.tagName}(${kids.join(',')})`;
}

function domShapeOf(node: AnyNode): string {
  if (node.type === 'text') return JSON.stringify(node.data);
  if (!('name' in node) || node.type === 'directive') return '#';
  return `${node.name}(${node.children.map(domShapeOf).join(',')})`;
}

/** Every node's links agree with its parent's arrays: `children` the elements of `childNodes`. */
function linked(el: ElementLike): boolean {
  const nodes = Array.from(el.childNodes);
  return nodes.every((n, i) => {
    const elements = nodes.filter((m) => m.nodeType === 1);
    return (
      n.previousSibling === (nodes[i - 1] ?? null) &&
      n.nextSibling === (nodes[i + 1] ?? null) &&
      Array.from(el.children).every((c, k) => c === elements[k]) &&
      el.children.length === elements.length &&
      (n.nodeType !== 1 || ((n as ElementLike).parentElement === el && linked(n as ElementLike)))
    );
  });
}

describe('HtmlPage tree (ADR 118: children put in arrays when their parent closes)', () => {
  // Unclosed elements (closed at the end), implied closes, void elements, empty elements.
  const UNCLOSED = `<div id="a"><p>one<p>two<ul><li>x<li>y</ul><br><img src="i"><span></span><div><b>open`;
  it.each([
    ['mixed', MIXED],
    ['late root', LATE_ROOT],
    ['unclosed', UNCLOSED],
  ])("has domhandler's nodes in the same order on a %s page", (_name, html) => {
    const page = HtmlPage.parse(html);
    const root = page.document.children.find((n): n is DomElement => n.type === 'tag' && n.name === 'html');
    expect(page.documentElement).not.toBeNull();
    expect(shapeOf(page.documentElement as ElementLike)).toBe(domShapeOf(root as AnyNode));
    expect(linked(page.documentElement as ElementLike)).toBe(true);
  });

  it('gives each leaf its own arrays when a node is appended to it', () => {
    // No `html` element: the content moves into a new `body` (appended to after parsing).
    const page = HtmlPage.parse('<p id="x">a</p><p id="y"></p>');
    const body = page.querySelectorAll('body')[0];
    expect(Array.from(body.children).map((c) => c.getAttribute('id'))).toEqual(['x', 'y']);
    expect(page.querySelectorAll('#y')[0].childNodes.length).toBe(0);
    expect(page.querySelectorAll('p:nth-of-type(2)').map((p) => p.getAttribute('id'))).toEqual(['y']);
  });
});
