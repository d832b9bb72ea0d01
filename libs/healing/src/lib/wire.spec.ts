import { HtmlPage } from '../index';
import { packCollect, unpackCollect } from './wire';

describe('collect wire format', () => {
  it('round-trips a collect result exactly', () => {
    const page =
      HtmlPage.parse(`<nav aria-label="Top"><a href="/a" class="x y" data-testid="a">A</a><a href="/b">B</a></nav>
      <form><label>Name <input name="n" value="v" placeholder="p"></label><button title="t">Go</button></form><img alt="logo" src="/l.png">
      <ul><li><a href="#">Forms</a><ul><li><a href="/editors">Editors</a></li></ul></li></ul>`);
    const result = page.collect({ selector: 'a' });
    const back = unpackCollect(packCollect(result));
    expect(back).toEqual(result);
  });

  it('is self-contained, as it runs in the page', () => {
    const rebuilt = new Function(`return (${packCollect.toString()})`)() as typeof packCollect;
    const result = HtmlPage.parse('<a href="/x">x</a>').collect();
    expect(unpackCollect(rebuilt(result))).toEqual(result);
  });
});
