import { OrderStore, ordersToCsv, validateOrder, type OrderInput } from './orders';

const VALID: OrderInput = {
  customer: ' Ada ',
  email: 'ada@example.com',
  product: 'widget',
  quantity: '2',
  deliveryDate: '2030-02-28',
  shipping: 'standard',
  notes: '',
};

describe('validateOrder', () => {
  it('accepts a complete order, trimming text and reading the checkbox by presence', () => {
    expect(validateOrder(VALID)).toEqual({
      ok: true,
      draft: {
        customer: 'Ada',
        email: 'ada@example.com',
        product: 'widget',
        quantity: 2,
        deliveryDate: '2030-02-28',
        shipping: 'standard',
        giftWrap: false,
        notes: '',
      },
    });
    expect(validateOrder({ ...VALID, giftWrap: 'yes' })).toMatchObject({
      ok: true,
      draft: { giftWrap: true },
    });
  });

  it.each<[OrderInput, string, string]>([
    [{ customer: '   ' }, 'customer', 'Customer name is required'],
    [{ customer: 'x'.repeat(101) }, 'customer', 'Customer name must be at most 100 characters'],
    [{ email: 'ada@example' }, 'email', 'Enter a valid email address'],
    [{ product: 'spaceship' }, 'product', 'Choose a product'],
    [{ quantity: '0' }, 'quantity', 'Quantity must be a whole number from 1 to 999'],
    [{ quantity: '1.5' }, 'quantity', 'Quantity must be a whole number from 1 to 999'],
    [{ quantity: '1000' }, 'quantity', 'Quantity must be a whole number from 1 to 999'],
    [{ deliveryDate: '2030-02-30' }, 'deliveryDate', 'Enter a valid date as YYYY-MM-DD'],
    [{ deliveryDate: '17/05/2030' }, 'deliveryDate', 'Enter a valid date as YYYY-MM-DD'],
    [{ shipping: 'teleport' }, 'shipping', 'Choose a shipping method'],
    [{ notes: 'x'.repeat(1001) }, 'notes', 'Notes must be at most 1000 characters'],
  ])('rejects %j', (change, field, message) => {
    expect(validateOrder({ ...VALID, ...change })).toEqual({ ok: false, errors: { [field]: message } });
  });
});

describe('OrderStore', () => {
  const draft = {
    customer: 'Ada',
    email: 'a@b.co',
    product: 'widget',
    quantity: 1,
    deliveryDate: '2030-01-01',
    shipping: 'standard' as const,
    giftWrap: false,
    notes: '',
  };

  it('gives every order a distinct confirmation number', () => {
    const store = new OrderStore();
    const numbers = new Set(Array.from({ length: 500 }, () => store.place(draft).confirmationNumber));
    expect(numbers.size).toBe(500);
    for (const number of numbers) expect(number).toMatch(/^AE-[A-Z0-9]{8}$/);
  });

  it('pages in placement order and reports one empty page when there are no orders', () => {
    const store = new OrderStore();
    expect(store.page(1, 10)).toEqual({ rows: [], page: 1, totalPages: 1, total: 0 });
    for (let index = 0; index < 12; index++) store.place({ ...draft, customer: `C${index}` });
    expect(store.page(2, 5).rows.map((order) => order.customer)).toEqual(['C5', 'C6', 'C7', 'C8', 'C9']);
    expect(store.page(0, 5).page).toBe(1);
  });

  it('writes CSV with CRLF line ends and quotes only where needed', () => {
    const store = new OrderStore();
    const order = store.place(
      { ...draft, customer: 'Smith, Jane', notes: 'say "hi"' },
      new Date('2030-01-01T00:00:00Z'),
    );
    expect(ordersToCsv([order]).split('\r\n')[1]).toBe(
      `1,${order.confirmationNumber},"Smith, Jane",a@b.co,widget,1,2030-01-01,standard,false,"say ""hi""",2030-01-01T00:00:00.000Z`,
    );
  });
});
