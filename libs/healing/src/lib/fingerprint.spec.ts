import {
  ElementNotFoundError,
  FINGERPRINT_VERSION,
  InvalidFingerprintError,
  fingerprintFromHtml,
  parseFingerprint,
} from '../index';

const HTML = `<main><h2>Account</h2><form aria-label="Login">
  <label for="u">User name</label><input id="u" name="user" placeholder="you@example.com" data-testid="user">
  <button type="submit" title="Sign in now">Sign in</button></form></main>`;

describe('fingerprints', () => {
  it('captures the element, its context and a unique selector path', () => {
    const fp = fingerprintFromHtml(HTML, '#u');
    expect(fp).toMatchObject({
      version: FINGERPRINT_VERSION,
      selector: '#u',
      tag: 'input',
      id: 'u',
      name: 'user',
      role: 'textbox',
      placeholder: 'you@example.com',
      testIds: ['data-testid=user'],
      labelText: 'User name',
      headingText: 'Account',
      landmark: 'form:Login',
      path: ['html', 'body', 'main', 'form', 'input'],
    });
  });

  it('survives a JSON round trip through parseFingerprint', () => {
    const fp = fingerprintFromHtml(HTML, 'button');
    expect(parseFingerprint(JSON.parse(JSON.stringify(fp)))).toEqual(fp);
  });

  it('refuses to record a selector that does not pick out exactly one element', () => {
    expect(() => fingerprintFromHtml(HTML, 'p')).toThrow(ElementNotFoundError);
    expect(() => fingerprintFromHtml(HTML, 'form *')).toThrow(/matches 3 elements/);
    expect(() => fingerprintFromHtml(HTML, 'a[')).toThrow(/invalid selector/);
  });

  it.each([
    [null, /not an object/],
    [{ version: 4, selector: 'a', tag: 'a' }, /unsupported version/],
    [{ version: 2, selector: 'a', tag: 'a', context: { landmarks: 'x' } }, /context/],
    [
      { version: 3, selector: 'a', tag: 'a', context: { landmarks: [], headings: [], groups: [1] } },
      /groups/,
    ],
    [{ version: 1, tag: 'a' }, /selector/],
    [{ version: 1, selector: 'a', tag: 'a', classes: 'x' }, /classes/],
    [{ version: 1, selector: 'a', tag: 'a', anchors: [{ kind: 'nope' }] }, /anchor/],
    [{ version: 1, selector: 'a', tag: 'a', lookalikes: [{}] }, /lookalikes\[0\]: tag/],
  ])('rejects malformed documents (%j)', (doc, message) => {
    expect(() => parseFingerprint(doc)).toThrow(InvalidFingerprintError);
    expect(() => parseFingerprint(doc)).toThrow(message);
  });

  it('reads a version 1 fingerprint as version 2 without context', () => {
    const v1 = {
      version: 1,
      selector: '#go',
      tag: 'button',
      text: 'Go',
      landmark: 'form',
      depth: 3,
      path: ['html', 'body', 'form', 'button'],
    };
    const fp = parseFingerprint(v1);
    expect(fp.version).toBe(FINGERPRINT_VERSION);
    expect(fp.context).toBeUndefined();
    expect(fp).toMatchObject({ selector: '#go', tag: 'button', text: 'Go', landmark: 'form' });
  });

  it('records the landmark path, heading outline and form of the target (version 2)', () => {
    const fp = fingerprintFromHtml(
      `<body><header><h1>Shop</h1></header><main><h2>Account</h2><h3>Sign in</h3>
       <form id="login"><input name="user"><button>Go</button></form>
       <h2>Newsletter</h2><form action="/subscribe?x=1"><button>Go</button></form></main></body>`,
      '#login button',
    );
    expect(fp.version).toBe(3);
    expect(fp.context).toEqual({
      landmarks: ['main', 'form'],
      headings: ['Shop', 'Account', 'Sign in'],
      form: '#login',
      container: '#login',
      groups: [],
    });
    const other = fingerprintFromHtml(
      `<main><h2>Account</h2><h3>Sign in</h3><h2>Newsletter</h2><form action="https://x.org/subscribe?x=1"><button>Go</button></form></main>`,
      'form button',
    );
    expect(other.context).toEqual({
      landmarks: ['main', 'form'],
      headings: ['Newsletter'],
      form: 'action=/subscribe',
      groups: [],
    });
  });

  it('records the entries heading the lists the target sits in (version 3)', () => {
    const menu = `<nav><ul><li><a href="/">Home</a></li><li><a href="#">Forms <i></i></a><ul>
         <li><a href="/general">General</a></li><li><a href="/editors">Editors</a></li></ul></li></ul>
       <div class="col"><p>Featured Topics</p><ul><li>x</li></ul><ul><li><a href="/shoes">Shoes</a></li></ul></div>
       <p>A paragraph far longer than any menu label would ever be, so it heads nothing.</p>
       <ul><li><a href="/long">Long</a></li></ul></nav>`;
    const groupsOf = (selector: string) => fingerprintFromHtml(menu, selector).context?.groups;
    // A submenu's parent entry; a column's title, the column's other lists passed over.
    expect(groupsOf('a[href="/editors"]')).toEqual(['Forms']);
    expect(groupsOf('a[href="/shoes"]')).toEqual(['Featured Topics']);
    // A top-level entry, and a list after a paragraph: in no headed list.
    expect(groupsOf('a[href="/"]')).toEqual([]);
    expect(groupsOf('a[href="/long"]')).toEqual([]);
  });

  it('reads a version 2 fingerprint without groups, whatever it carries: it heals as version 2 did', () => {
    const v2 = {
      version: 2,
      selector: 'a',
      tag: 'a',
      context: { landmarks: ['navigation'], headings: [], container: '#menu', groups: ['Forms'] },
    };
    const fp = parseFingerprint(v2);
    expect(fp.version).toBe(FINGERPRINT_VERSION);
    expect(fp.context).toEqual({ landmarks: ['navigation'], headings: [], container: '#menu' });
    expect(parseFingerprint({ ...v2, version: 3 }).context?.groups).toEqual(['Forms']);
  });

  it('accepts a minimal hand-written fingerprint', () => {
    expect(parseFingerprint({ version: 1, selector: '#go', tag: 'button', text: 'Go' })).toMatchObject({
      depth: 0,
      path: [],
    });
  });
});
