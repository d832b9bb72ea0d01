import { HtmlPage, fingerprintFromHtml, healInHtml } from '../index';
import type { HealResult } from '../index';

/** The `data-which` mark of the one element a result picks (`unmarked` without one), or `refused`. */
function picked(html: string, result: HealResult): string {
  if (result.status === 'refused') return 'refused';
  const page = HtmlPage.parse(html);
  const hits = page.querySelectorAll(result.selector);
  expect(hits).toHaveLength(1);
  return hits[0].getAttribute('data-which') ?? 'unmarked';
}

function heal(original: string, selector: string, changed: string): string {
  const fingerprint = fingerprintFromHtml(original, selector);
  return picked(changed, healInHtml(changed.replace(/ data-which="[^"]*"/g, ''), fingerprint));
}

describe('twins told apart by position alone stay refused (ADR 130: its held-in-place rule withdrawn)', () => {
  const field = (placeholder: string, which = '') =>
    `<div class="input-group mb-3"><input type="password" class="form-control" placeholder="${placeholder}"${which}>` +
    `<div class="input-group-append"><span class="fas fa-lock"></span></div></div>`;
  const page = (first: string, second: string) => `<!doctype html><html><body>
<div class="login-box"><div class="card"><div class="card-body">
  <p class="login-box-msg">You are only one step away from your new password.</p>
  <form action="login.html" method="post">
    ${first}
    ${second}
    <div class="row"><div class="col-12"><button type="submit" class="btn btn-primary">Change password</button></div></div>
  </form>
</div></div></div></body></html>`;
  const original = page(field('Password'), field('Confirm Password'));
  const recorded = 'form > div:nth-child(2) > input';
  const copy =
    '<input type="password" class="form-control" placeholder="Confirm Password" data-which="copy">';

  it('refuses when a copy of it appears in the field before: a copy put there as a field of its own would hold the place', () => {
    const changed = page(
      field('Password').replace('<input', `${copy}<input`),
      field('Confirm Password', ' data-which="target"'),
    );
    expect(heal(original, recorded, changed)).toBe('refused');
  });

  it('still refuses a copy put right before the target under its own parent: it took the target’s place', () => {
    const changed = page(
      field('Password'),
      field('Confirm Password', ' data-which="target"').replace('<input', `${copy}<input`),
    );
    expect(heal(original, recorded, changed)).toBe('refused');
  });

  it('still refuses a copy put right after the target under its own parent: the mirror of the one before', () => {
    const changed = page(
      field('Password'),
      field('Confirm Password', ' data-which="target"').replace(
        '<div class="input-group-append">',
        `${copy}<div class="input-group-append">`,
      ),
    );
    expect(heal(original, recorded, changed)).toBe('refused');
  });
});

describe('a stranger does not rival a best that keeps its context (ADR 130)', () => {
  // readability's base-url.html, shortened: a run of paragraphs, each one link named `link`.
  const hrefs = [
    'foo/bar/baz.html',
    './foo/bar/baz.html',
    '/foo/bar/baz.html',
    '#foo',
    'baz.html#foo',
    '/x#foo',
  ];
  const page = (intro: string, target: string) => `<!doctype html><html><body><article>
<h1>Lorem</h1>
<div>Lorem ipsum dolor sit amet, consectetur adipisicing elit.${intro}</div>
<p>Links</p>
${hrefs.map((h) => (h === 'baz.html#foo' ? `<p>${target}</p>` : `<p><a href="${h}">link</a></p>`)).join('\n')}
<h2>Foo</h2>
<div>Tempor incididunt ut labore et dolore magna aliqua.</div>
</article></body></html>`;
  const original = page('', '<a href="baz.html#foo">link</a>');
  const recorded = 'body > article > p:nth-child(8) > a';
  const twinSection = `<section class="region-a1b2"><h3>Market report</h3><div class="panel-c3d4"><p>Other words entirely.</p><a href="baz.html#foo" data-which="copy">link</a></div></section>`;

  it('heals the target whose nearest heading became the heading of a twin’s section put before it', () => {
    const changed = page(
      twinSection,
      '<span class="wrap-e5f6"><a href="baz.html#foo" data-which="target">link</a></span>',
    );
    expect(heal(original, recorded, changed)).toBe('target');
  });

  it('still refuses when the target was deleted and only its copy in the twin’s section is left', () => {
    const changed = page(twinSection, 'no link any more');
    expect(heal(original, recorded, changed)).toBe('refused');
  });
});
