import fc from 'fast-check';
import {
  HtmlPage,
  InvalidFingerprintError,
  fingerprintFromHtml,
  healInHtml,
  parseFingerprint,
  type Fingerprint,
} from '../index';

const TAGS = [
  'div',
  'span',
  'a',
  'button',
  'input',
  'p',
  'ul',
  'li',
  'form',
  'label',
  'h2',
  'nav',
  'section',
  'table',
  'tr',
  'td',
  'script',
  'svg',
  'template',
];
const word = fc.stringMatching(/^[A-Za-z0-9 _.:#"'<>&\-\u00e9\u4e2d]{0,12}$/);
const attr = fc.record(
  {
    id: fc.oneof(word, fc.constantFrom('a', 'b', '1x', 'ember123', '')),
    class: fc
      .array(fc.constantFrom('btn', 'nav-link', 'css-1x2y3z', 'a b', ''), { maxLength: 3 })
      .map((c) => c.join(' ')),
    href: fc.constantFrom('/', '#', '/a?b=1', 'javascript:void(0)'),
    name: word,
    'data-testid': word,
    'aria-label': word,
    role: fc.constantFrom('button', 'link', 'navigation', 'heading'),
    type: fc.constantFrom('text', 'submit', 'hidden', 'checkbox'),
  },
  { requiredKeys: [] },
);
const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

const element: fc.Memo<string> = fc.memo((depth) =>
  fc
    .tuple(
      fc.constantFrom(...TAGS),
      attr,
      fc.array(depth > 1 ? fc.oneof(word, element(depth - 1)) : word, { maxLength: 4 }),
    )
    .map(([tag, attrs, children]) => {
      const a = Object.entries(attrs)
        .map(([k, v]) => ` ${k}="${escape(v)}"`)
        .join('');
      return `<${tag}${a}>${children.join('')}</${tag}>`;
    }),
);
/** Mostly well-formed HTML, sometimes with stray or unbalanced markup spliced in. */
const html = fc
  .tuple(
    fc.array(element(4), { maxLength: 5 }),
    fc.array(fc.constantFrom('<div>', '</span>', '<a href="x">', '<!-- c -->', '<br>', '&nbsp;', '<'), {
      maxLength: 3,
    }),
    fc.nat(),
  )
  .map(([els, junk, at]) => {
    const s = els.join('\n');
    const cut = s.length === 0 ? 0 : at % s.length;
    return s.slice(0, cut) + junk.join('') + s.slice(cut);
  });

/** A random edit of the page: drop a slice, or splice in a snippet. */
const edit = fc.tuple(fc.nat(), fc.nat({ max: 80 }), fc.oneof(fc.constant(''), element(2)));
const applyEdit = (s: string, [at, len, snippet]: [number, number, string]): string => {
  const i = s.length === 0 ? 0 : at % s.length;
  return s.slice(0, i) + snippet + s.slice(i + len);
};

describe('healing never throws on random HTML', () => {
  it('heals or refuses, and a returned selector matches exactly one element', () => {
    fc.assert(
      fc.property(html, edit, fc.nat(), (page, change, pick) => {
        const snaps = HtmlPage.parse(page).snapshots();
        if (snaps.length === 0) return;
        const target = snaps[pick % snaps.length];
        const fingerprint = fingerprintFromHtml(page, target.selector);
        const changed = applyEdit(page, change);
        const result = healInHtml(changed, fingerprint);
        expect(['intact', 'healed', 'refused']).toContain(result.status);
        if (result.status !== 'refused') expect(HtmlPage.parse(changed).count(result.selector)).toBe(1);
      }),
      { numRuns: Number(process.env['FC_RUNS'] ?? 300) },
    );
  });

  it('heals arbitrary (valid) fingerprints against arbitrary pages without throwing', () => {
    const fingerprint = fc.record({
      version: fc.constant(1 as const),
      selector: fc.oneof(fc.constantFrom('#a', 'div > a', 'text=Go', '[[', ''), word),
      tag: fc.constantFrom(...TAGS),
      text: word,
      classes: fc.array(word, { maxLength: 3 }),
      path: fc.array(fc.constantFrom(...TAGS), { maxLength: 6 }),
      positions: fc.array(fc.nat({ max: 5 }), { maxLength: 6 }),
      depth: fc.nat({ max: 10 }),
    });
    fc.assert(
      fc.property(html, fingerprint, (page, fp) => {
        const result = healInHtml(page, parseFingerprint(fp) as Fingerprint);
        expect(['intact', 'healed', 'refused']).toContain(result.status);
      }),
      { numRuns: 200 },
    );
  });

  it('parseFingerprint only ever throws InvalidFingerprintError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        try {
          parseFingerprint(doc);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidFingerprintError);
        }
      }),
    );
  });
});
