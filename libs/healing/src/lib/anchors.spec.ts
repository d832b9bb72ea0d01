import { fingerprintFromHtml } from '../index';

describe('anchors chosen by stability', () => {
  const PAGE = `<!doctype html><html><body>
<nav aria-label="Sections"><h2>Friends</h2>
  <div class="row"><span class="count">27</span><p class="note">Updated daily for everyone</p>
    <div class="cell"><a href="/invite" class="btn">Invite</a></div></div>
</nav>
<main><p>Body text.</p></main>
</body></html>`;

  it('prefers a heading inside a landmark to a nearer number or paragraph', () => {
    const { anchors } = fingerprintFromHtml(PAGE, 'a.btn');
    expect(anchors?.[0]).toMatchObject({ kind: 'heading', key: 'friends' });
    expect(anchors?.map((a) => a.key)).not.toContain('27');
  });
});
