import { startDemoSite, type DemoSite } from './index';
import { countMatches, get, openingTag, placeOrder, signIn, textOf, VALID_ORDER } from './test-support';

describe('order pages', () => {
  let site: DemoSite;
  let cookie: string;
  beforeAll(async () => {
    site = await startDemoSite({ pageSize: 10 });
    cookie = await signIn(site);
  });
  afterAll(() => site.close());

  it('renders every field type of the v1 order form', async () => {
    const html = await (await get(`${site.url}/orders/new`, cookie)).text();
    expect(openingTag(html, 'customer')).toMatch(/type="text".*required/);
    expect(openingTag(html, 'email')).toMatch(/type="email".*required/);
    expect(openingTag(html, 'product')).toMatch(/^<select/);
    for (const product of ['widget', 'gadget', 'gizmo', 'doohickey'])
      expect(html).toContain(`<option value="${product}">`);
    expect(openingTag(html, 'quantity')).toMatch(/type="number".*min="1" max="999"/);
    expect(openingTag(html, 'delivery-date')).toContain('type="date"');
    expect(openingTag(html, 'shipping-standard')).toMatch(/type="radio".*name="shipping"/);
    expect(openingTag(html, 'shipping-express')).toMatch(/type="radio".*name="shipping"/);
    expect(openingTag(html, 'gift-wrap')).toContain('type="checkbox"');
    expect(openingTag(html, 'notes')).toMatch(/^<textarea/);
    expect(textOf(html, 'submit-order')).toBe('Place order');
  });

  it('answers 422 listing every invalid field', async () => {
    const response = await placeOrder(site, cookie, {});
    const html = await response.text();
    expect(response.status).toBe(422);
    const invalid = [...html.matchAll(/<span class="field-error" data-field="(\w+)"/g)].map(
      (match) => match[1],
    );
    expect(invalid).toEqual(['customer', 'email', 'product', 'quantity', 'deliveryDate', 'shipping']);
    expect(site.orders()).toHaveLength(0);
  });

  it('keeps entered values, escaped, when re-rendering with errors', async () => {
    const entered = {
      ...VALID_ORDER,
      customer: 'Bob <b>"Bold"</b>',
      email: 'not-an-email',
      quantity: '1000',
      notes: 'a < b',
    };
    const response = await placeOrder(site, cookie, entered);
    const html = await response.text();
    expect(response.status).toBe(422);
    expect(openingTag(html, 'customer')).toContain('value="Bob &lt;b&gt;&quot;Bold&quot;&lt;/b&gt;"');
    expect(openingTag(html, 'email')).toContain('value="not-an-email"');
    expect(html).toContain('data-field="email" id="email-error">Enter a valid email address<');
    expect(html).toContain(
      'data-field="quantity" id="quantity-error">Quantity must be a whole number from 1 to 999<',
    );
    expect(openingTag(html, 'email')).toContain('aria-invalid="true"');
    expect(html).toContain('<option value="gizmo" selected>');
    expect(openingTag(html, 'shipping-express')).toContain('checked');
    expect(openingTag(html, 'gift-wrap')).toContain('checked');
    expect(textOf(html, 'notes')).toBe('a &lt; b');
    expect(countMatches(html, /class="field-error"/)).toBe(2);
  });

  it('places a valid order and shows its confirmation number', async () => {
    const response = await placeOrder(site, cookie);
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/orders\/[^/]+\/confirmation$/);

    const html = await (await get(`${site.url}${location}`, cookie)).text();
    const confirmationNumber = textOf(html, 'confirmation-number');
    expect(confirmationNumber).toMatch(/^AE-[A-Z0-9]{8}$/);
    expect(textOf(html, 'summary-customer')).toBe('Ada Lovelace');
    expect(textOf(html, 'summary-gift-wrap')).toBe('Yes');
    expect(openingTag(html, 'orders-link')).toContain('href="/orders"');
    expect(openingTag(html, 'new-order-link')).toContain('href="/orders/new"');

    const [order] = site.orders().slice(-1);
    expect(order).toMatchObject({
      confirmationNumber,
      customer: 'Ada Lovelace',
      email: 'ada@example.com',
      product: 'gizmo',
      quantity: 3,
      deliveryDate: '2031-05-17',
      shipping: 'express',
      giftWrap: true,
      notes: 'Leave at the door',
    });
    const api = (await (await get(`${site.url}/api/orders`)).json()) as unknown[];
    expect(api).toContainEqual(order);
  });

  it('answers 404 for an unknown confirmation', async () => {
    expect((await get(`${site.url}/orders/nope/confirmation`, cookie)).status).toBe(404);
  });
});

describe('orders table', () => {
  let site: DemoSite;
  let cookie: string;
  beforeAll(async () => {
    site = await startDemoSite({ pageSize: 10 });
    cookie = await signIn(site);
    for (let index = 1; index <= 25; index++) {
      await placeOrder(site, cookie, {
        ...VALID_ORDER,
        customer: `Customer ${index}`,
        notes: index === 1 ? 'Ring twice, "loudly",\nplease' : '',
      });
    }
  });
  afterAll(() => site.close());

  async function ordersPage(query: string): Promise<string> {
    return (await get(`${site.url}/orders${query}`, cookie)).text();
  }

  it('shows the first page with a next link only', async () => {
    const html = await ordersPage('');
    expect(textOf(html, 'orders-count')).toBe('25');
    expect(countMatches(html, /<tr class="order-row"/)).toBe(10);
    expect(html).toMatch(
      /<th scope="col">Confirmation<\/th><th scope="col">Customer<\/th><th scope="col">Product<\/th><th scope="col">Quantity<\/th><th scope="col">Shipping<\/th><th scope="col">Created<\/th>/,
    );
    expect(html).toContain('<a class="page-next" rel="next" href="/orders?page=2">');
    expect(html).not.toContain('page-prev');
    expect(openingTag(html, 'export-csv')).toContain('href="/orders/export.csv"');
  });

  it('shows the remaining 5 orders on page 3 with a previous link only', async () => {
    const html = await ordersPage('?page=3');
    expect(countMatches(html, /<tr class="order-row"/)).toBe(5);
    expect(html).toContain(`data-order-id="${site.orders()[20].id}"`);
    expect(html).toContain('<a class="page-prev" rel="prev" href="/orders?page=2">');
    expect(html).not.toContain('page-next');
  });

  it('clamps pages that do not exist', async () => {
    expect(textOf(await ordersPage('?page=99'), 'page-number')).toBe('3');
    expect(textOf(await ordersPage('?page=abc'), 'page-number')).toBe('1');
  });

  it('exports every order as a CSV attachment', async () => {
    const response = await get(`${site.url}/orders/export.csv`, cookie);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="orders.csv"');
    const csv = await response.text();
    const [first] = site.orders();
    expect(
      csv.startsWith(
        'id,confirmationNumber,customer,email,product,quantity,deliveryDate,shipping,giftWrap,notes,createdAt\r\n',
      ),
    ).toBe(true);
    expect(csv).toContain(
      `${first.id},${first.confirmationNumber},Customer 1,ada@example.com,gizmo,3,2031-05-17,express,true,"Ring twice, ""loudly"",\nplease",${first.createdAt}\r\n`,
    );
    expect(csv.split('\r\n').filter((line) => line !== '')).toHaveLength(26);
  });
});
