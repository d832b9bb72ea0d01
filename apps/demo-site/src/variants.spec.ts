import { startDemoSite, type DemoSite, type DemoVariant } from './index';
import {
  countMatches,
  get,
  openingTag,
  placeOrder,
  postForm,
  postJson,
  signIn,
  textOf,
  VALID_ORDER,
} from './test-support';

const V2_ORDER = {
  cust_name: VALID_ORDER.customer,
  contact_email: VALID_ORDER.email,
  item: VALID_ORDER.product,
  qty: VALID_ORDER.quantity,
  ship_date: VALID_ORDER.deliveryDate,
  ship_method: VALID_ORDER.shipping,
  wrap: 'yes',
  comments: VALID_ORDER.notes,
};

/** The `<form>...</form>` element with this id. */
function formMarkup(html: string, id: string): string {
  return new RegExp(`<form id="${id}"[\\s\\S]*?</form>`).exec(html)?.[0] ?? '';
}

describe('markup variants', () => {
  let site: DemoSite;
  beforeAll(async () => {
    site = await startDemoSite({ variant: 'v2-renamed' });
  });
  afterEach(() => site.setVariant('v2-renamed'));
  afterAll(() => site.close());

  async function loginPage(): Promise<string> {
    return (await get(`${site.url}/login`)).text();
  }

  it('renames the login form in v2 and adds a look-alike decoy in the header', async () => {
    const html = await loginPage();
    for (const id of ['login-form', 'username', 'password', 'login-button'])
      expect(openingTag(html, id)).toBeUndefined();
    expect(html).toContain('<div class="c-field-0b7d"><label for="user-login-x7f3">Username</label>');
    expect(openingTag(html, 'user-login-x7f3')).toContain('name="user_login"');
    expect(openingTag(html, 'btn-3a9c')).toContain('type="submit"');
    expect(textOf(html, 'btn-3a9c')).toBe('Log in');
    expect(formMarkup(html, 'frm-8e21')).toContain('id="btn-3a9c"');

    const header = /<header>[\s\S]*?<\/header>/.exec(html)?.[0] ?? '';
    expect(header).toContain(
      '<button type="button" id="btn-sso-5d1b" class="c-btn-3a9c c-btn--ghost-71fa">Sign in with SSO</button>',
    );
  });

  it('still signs in through the renamed v2 field names', async () => {
    const cookie = await signIn(site, { user_login: 'demo', user_secret: 'demo-password' });
    expect((await get(`${site.url}/orders/new`, cookie)).status).toBe(200);
  });

  it('shows v2 login errors under a regenerated class', async () => {
    const response = await postForm(`${site.url}/login`, { user_login: 'demo', user_secret: 'nope' });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain(
      '<div class="c-alert-4f0e c-alert--danger-91ab" role="alert">Invalid username or password</div>',
    );
  });

  it('renames the order form in v2 and accepts its field names', async () => {
    const cookie = await signIn(site);
    const html = await (await get(`${site.url}/orders/new`, cookie)).text();
    for (const id of ['order-form', 'customer', 'email', 'delivery-date', 'gift-wrap', 'submit-order'])
      expect(openingTag(html, id)).toBeUndefined();
    expect(html).toContain('<label for="fld-1a7e">Customer name</label>');
    expect(textOf(html, 'btn-77e0')).toBe('Submit order');

    const invalid = await placeOrder(site, cookie, { ...V2_ORDER, contact_email: 'nope' });
    expect(invalid.status).toBe(422);
    expect(await invalid.text()).toContain(
      '<span class="c-err-6d3f" data-field="email" id="fld-5b20-error">',
    );

    expect((await placeOrder(site, cookie, V2_ORDER)).status).toBe(303);
    expect(site.orders().at(-1)).toMatchObject({
      customer: 'Ada Lovelace',
      shipping: 'express',
      giftWrap: true,
    });
  });

  it('removes the v3 login submit button and leaves two buttons that do not submit', async () => {
    site.setVariant('v3-broken');
    const form = formMarkup(await loginPage(), 'frm-8e21');
    expect(countMatches(form, /type="submit"/)).toBe(0);
    expect(form).toContain(
      '<button type="button" id="btn-guest-2c6e" class="c-btn-3a9c c-btn--primary-e2d0">Sign in as guest</button>',
    );
    expect(form).toContain(
      '<button type="button" id="btn-sso-9f40" class="c-btn-3a9c c-btn--primary-e2d0">Sign in with SSO</button>',
    );
    expect(form).toContain('<label for="user-login-x7f3">Username</label>');
  });

  it('switches variants across processes through POST /__variant', async () => {
    expect(await (await postJson(`${site.url}/__variant`, { variant: 'v1' })).json()).toEqual({
      variant: 'v1',
    });
    expect(openingTag(await loginPage(), 'login-button')).toBeDefined();
    expect(await (await get(`${site.url}/__variant`)).json()).toEqual({ variant: 'v1' });
    expect((await postJson(`${site.url}/__variant`, { variant: 'v4' })).status).toBe(400);
  });

  it('accepts posts made under another variant than the one now served', async () => {
    site.setVariant('v1');
    expect(
      (await postForm(`${site.url}/login`, { user_login: 'demo', user_secret: 'demo-password' })).status,
    ).toBe(303);
  });

  it('refuses unknown variants', async () => {
    expect(() => site.setVariant('v9' as DemoVariant)).toThrow(RangeError);
    await expect(startDemoSite({ variant: 'nope' as DemoVariant })).rejects.toThrow(RangeError);
  });
});
