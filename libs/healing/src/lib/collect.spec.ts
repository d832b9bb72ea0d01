import { HtmlPage } from '../index';
import { collectSnapshots } from './collect';
import type { CollectArgs } from './snapshot';

const ARGS: CollectArgs = {
  selector: null,
  includeTag: null,
  maxText: 200,
  maxCandidates: 20000,
  geometry: false,
};

describe('collectSnapshots', () => {
  it('is self-contained, as page.evaluate needs: it runs rebuilt from its own source', () => {
    const rebuilt = new Function(`return (${collectSnapshots.toString()})`)() as typeof collectSnapshots;
    const page = HtmlPage.parse('<div><a href="/x">X</a></div>');
    expect(rebuilt(ARGS, page).snapshots.map((s) => s.text)).toEqual(['X']);
  });

  it('gives every candidate a selector that matches it and nothing else', () => {
    const page = HtmlPage.parse(`<ul id="menu"><li><a href="/a">A</a></li><li><a href="/b">B</a></li></ul>
      <div id="ember123"><p>One</p><p>Two</p></div><div id="dup"></div><div id="dup"><span>dup</span></div>
      <input name="q"><input name="q"><button data-testid="go">Go</button><b id="1st">first</b>`);
    const snaps = page.snapshots();
    for (const s of snaps) {
      const hits = page.querySelectorAll(s.selector);
      expect(hits).toHaveLength(1);
    }
    const bySelector = snaps.map((s) => s.selector);
    expect(bySelector).toEqual(
      expect.arrayContaining([
        '[data-testid="go"]',
        '#menu > li:nth-of-type(2) > a',
        '#\\31 st',
        'html > body > div:nth-of-type(1) > p:nth-of-type(2)',
      ]),
    );
  });

  it('reads labels, neighbours, headings and landmarks', () => {
    const page =
      HtmlPage.parse(`<nav aria-label="Docs"><h4>Guides</h4><ul><li><a href="/1">Intro</a></li><li><a href="/2">Setup</a></li><li><a href="/3">Deploy</a></li></ul></nav>
      <label>Remember me <input type="checkbox"></label>`);
    const setup = page.snapshots().find((s) => s.text === 'Setup');
    expect(setup).toMatchObject({
      prevText: 'Intro',
      nextText: 'Deploy',
      headingText: 'Guides',
      landmark: 'navigation:Docs',
      role: 'link',
    });
    expect(page.snapshots().find((s) => s.tag === 'input')).toMatchObject({
      labelText: 'Remember me',
      role: 'checkbox',
    });
  });

  it('shares context arrays between siblings only while they describe each of them', () => {
    const page =
      HtmlPage.parse(`<main><section id="one"><h2>First</h2><p>a</p><p>b</p><div><p>c</p></div></section>
      <section id="two"><h3>Sub</h3><p>d</p><span>e</span></section><footer><p>f</p></footer></main>`);
    const snaps = page.snapshots();
    const at = (text: string) => snaps.find((s) => s.text === text && s.tag !== 'section');
    const [a, b, c, d, e, f] = ['a', 'b', 'c', 'd', 'e', 'f'].map((t) => at(t));
    // Siblings of one tag: the same arrays, not copies.
    expect(b?.ancestors).toBe(a?.ancestors);
    expect(b?.path).toBe(a?.path);
    expect(b?.positions).toEqual([1, 1, 1, 1, 2]);
    // Every snapshot still reads what a fresh copy of the walk's stacks would give.
    expect(c).toMatchObject({ path: ['html', 'body', 'main', 'section', 'div', 'p'], containers: ['#one'] });
    expect(c?.ancestors).toHaveLength(5);
    expect(d).toMatchObject({ containers: ['#two'], headings: ['First', 'Sub'] });
    expect(e).toMatchObject({ path: ['html', 'body', 'main', 'section', 'span'], containers: ['#two'] });
    expect(e?.ancestors).toBe(d?.ancestors);
    expect(e?.ancestors).not.toBe(a?.ancestors);
    expect(f).toMatchObject({
      landmarks: ['main', 'contentinfo'],
      containers: [],
      headings: ['First', 'Sub'],
    });
    expect(a).toMatchObject({ landmarks: ['main'], headings: ['First'] });
  });

  it('skips scripts, styles and hidden inputs but reports the selector matches', () => {
    const page = HtmlPage.parse(
      '<script>var a = "<a>no</a>";</script><style>a{}</style><input type="hidden" name="t"><a>yes</a>',
    );
    const result = page.collect({ selector: 'a' });
    expect(result.snapshots.map((s) => s.text)).toEqual(['yes']);
    expect(result.matchCount).toBe(1);
    expect(collectSnapshots({ ...ARGS, selector: '!!' }, page).selectorError).toBeTruthy();
  });
});
