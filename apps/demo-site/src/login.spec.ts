import { startDemoSite, type DemoSite } from './index';
import { get, openingTag, postForm, signIn, textOf } from './test-support';

describe('login and sessions', () => {
  let site: DemoSite;
  beforeAll(async () => {
    site = await startDemoSite();
  });
  afterAll(() => site.close());

  it('redirects the root to the login page', async () => {
    const response = await get(`${site.url}/`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
  });

  it('renders the v1 login form', async () => {
    const html = await (await get(`${site.url}/login`)).text();
    expect(openingTag(html, 'login-form')).toContain('method="post"');
    expect(openingTag(html, 'username')).toContain('name="username"');
    expect(openingTag(html, 'password')).toContain('type="password"');
    expect(openingTag(html, 'login-button')).toContain('type="submit"');
    expect(textOf(html, 'login-button')).toBe('Sign in');
    expect(html).toContain('<label for="username">');
  });

  it('rejects wrong credentials with 401, an error and the username kept', async () => {
    const response = await postForm(`${site.url}/login`, { username: 'demo', password: 'wrong' });
    const html = await response.text();
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(html).toMatch(/<div class="alert alert-error" role="alert">Invalid username or password<\/div>/);
    expect(openingTag(html, 'username')).toContain('value="demo"');
  });

  it('signs in with an HttpOnly cookie and redirects to the order form', async () => {
    const response = await postForm(`${site.url}/login`, { username: 'demo', password: 'demo-password' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/orders/new');
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(/^demo_session=[\w-]+; .*HttpOnly/);

    const form = await get(`${site.url}/orders/new`, cookie.split(';')[0]);
    expect(form.status).toBe(200);
    expect(openingTag(await form.text(), 'order-form')).toBeDefined();
  });

  it.each(['/orders/new', '/orders', '/orders/export.csv', '/orders/1/confirmation'])(
    'requires a session for %s',
    async (path) => {
      for (const cookie of [undefined, 'demo_session=forged']) {
        const response = await get(`${site.url}${path}`, cookie);
        expect(response.status).toBe(303);
        expect(response.headers.get('location')).toBe('/login');
      }
    },
  );

  it('requires a session to post an order', async () => {
    const response = await postForm(`${site.url}/orders/new`, { customer: 'x' });
    expect(response.status).toBe(303);
    expect(site.orders()).toHaveLength(0);
  });

  it('ends the session on logout', async () => {
    const cookie = await signIn(site);
    const response = await postForm(`${site.url}/logout`, {}, cookie);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
    expect(response.headers.getSetCookie()[0]).toContain('Max-Age=0');
    expect((await get(`${site.url}/orders`, cookie)).status).toBe(303);
  });
});
