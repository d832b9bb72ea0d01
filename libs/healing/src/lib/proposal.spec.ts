import { HtmlPage, fingerprintFromHtml, healInHtml } from './html-adapter';
import { chooseProposal, firstUniqueCandidate, proposalCandidates, rankCandidates } from './proposal';

function propose(html: string, selector: string) {
  const page = HtmlPage.parse(html);
  const ranked = rankCandidates(proposalCandidates(selector, page));
  return chooseProposal(ranked, firstUniqueCandidate({ selector, candidates: ranked }, page), selector);
}

// The login form of AdminLTE 3.2 and, below, the same form after the 4.0 redesign (trimmed).
const V3 = `<html><body class="login-page"><div class="login-box"><div class="card"><div class="card-body">
<form action="../../index3.html" method="post">
  <div class="input-group mb-3"><input type="email" class="form-control" placeholder="Email"></div>
  <div class="input-group mb-3"><input type="password" class="form-control" placeholder="Password"></div>
  <div class="row">
    <div class="col-8"><div class="icheck-primary"><input type="checkbox" id="remember"><label for="remember">Remember Me</label></div></div>
    <div class="col-4"><button type="submit" class="btn btn-primary btn-block">Sign In</button></div>
  </div>
</form>
<div class="social-auth-links text-center mt-2 mb-3"><a href="#" class="btn btn-block btn-primary">Sign in using Facebook</a></div>
</div></div></div></body></html>`;
const V4 = `<html><body class="login-page bg-body-secondary"><div class="login-box"><div class="card"><div class="card-body login-card-body">
<p class="login-box-msg">Sign in to start your session</p>
<form action="../index3.html" method="post">
  <div class="input-group mb-3"><input type="email" class="form-control" placeholder="Email"><div class="input-group-text"><span class="bi bi-envelope"></span></div></div>
  <div class="input-group mb-3"><input type="password" class="form-control" placeholder="Password"><div class="input-group-text"><span class="bi bi-lock-fill"></span></div></div>
  <div class="row">
    <div class="col-8"><div class="form-check"><input class="form-check-input" type="checkbox" value="" id="flexCheckDefault"><label class="form-check-label" for="flexCheckDefault">Remember Me</label></div></div>
    <div class="col-4"><div class="d-grid gap-2"><button type="submit" class="btn btn-primary">Sign In</button></div></div>
  </div>
</form>
<div class="social-auth-links text-center mb-3 d-grid gap-2"><p>- OR -</p><a href="#" class="btn btn-primary">Sign in using Facebook</a></div>
</div></div></div></body></html>`;

describe('heal proposals', () => {
  it('proposes the redesigned login button by what it is, not by where it sits', () => {
    const fp = fingerprintFromHtml(V3, 'body > div > div > div > form > div.row > div.col-4 > button');
    const result = healInHtml(V4, fp);
    expect(result).toMatchObject({ status: 'healed', selector: 'button[type="submit"]', structural: false });
    if (result.status !== 'healed') return;
    expect(result.fragility).toBe(0);
    // The old generator's answer for the same element was a positional path.
    const page = HtmlPage.parse(V4);
    const generated = page.collect({ selector: result.selector });
    expect(generated.snapshots[generated.matched?.[0] ?? -1].selector).toMatch(/nth-of-type/);
  });

  it('prefers a test id, then a stable id, then a name over classes', () => {
    expect(
      propose(
        '<form><input id="email" name="email" class="field" data-testid="login-email"><input name="pw"></form>',
        'form > input:nth-of-type(1)',
      ).selector,
    ).toBe('[data-testid="login-email"]');
    expect(
      propose(
        '<form><input id="email" name="email" class="field"><input name="pw"></form>',
        'form > input:nth-of-type(1)',
      ).selector,
    ).toBe('#email');
    expect(
      propose(
        '<form><input id="r-83921" name="email" class="field"><input name="pw"></form>',
        'form > input:nth-of-type(1)',
      ).selector,
    ).toBe('input[name="email"]');
  });

  it('scopes a twin under its stable container instead of counting siblings', () => {
    const html = `<form id="search"><button type="submit">Go</button></form><form id="login"><button type="submit">Go</button></form>`;
    expect(propose(html, 'body > form:nth-of-type(2) > button')).toEqual({
      selector: '#login button[type="submit"]',
      fragility: 0,
      structural: false,
    });
  });

  it('falls back to the positional path, flagged, when nothing sturdier is unique', () => {
    const html = '<ul><li><span>x</span></li><li><span>x</span></li></ul>';
    const proposal = propose(html, 'html > body > ul > li:nth-of-type(2) > span');
    expect(proposal).toMatchObject({
      selector: 'html > body > ul > li:nth-of-type(2) > span',
      structural: true,
    });
    expect(proposal.fragility).toBeGreaterThan(0.3);
  });

  it('never proposes a generated id or a build-hashed class', () => {
    const html =
      '<div><button id="ember1234" class="css-1x2y3z" type="submit">Save</button><button id="ember1235" class="css-9q8w7e">Cancel</button></div>';
    expect(propose(html, 'div > button:nth-of-type(1)').selector).toBe('button[type="submit"]');
  });
});
