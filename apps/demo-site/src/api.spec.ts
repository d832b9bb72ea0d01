import { startDemoSite, type DemoSite } from './index';
import { get, postJson } from './test-support';

describe('JSON API', () => {
  let site: DemoSite;
  beforeAll(async () => {
    site = await startDemoSite();
  });
  afterAll(() => site.close());

  it('reports health', async () => {
    const response = await get(`${site.url}/api/health`);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ ok: true });
  });

  it('counts side effects per key until reset', async () => {
    expect(await (await postJson(`${site.url}/api/side-effects`, { key: 'send-invoice' })).json()).toEqual({
      key: 'send-invoice',
      count: 1,
    });
    expect(await (await postJson(`${site.url}/api/side-effects`, { key: 'send-invoice' })).json()).toEqual({
      key: 'send-invoice',
      count: 2,
    });
    await postJson(`${site.url}/api/side-effects`, { key: 'charge-card' });

    expect(await (await get(`${site.url}/api/side-effects`)).json()).toEqual({
      'send-invoice': 2,
      'charge-card': 1,
    });
    expect(site.sideEffects()).toEqual({ 'send-invoice': 2, 'charge-card': 1 });

    expect((await postJson(`${site.url}/api/side-effects/reset`, {})).status).toBe(200);
    expect(site.sideEffects()).toEqual({});
  });

  it('applies an effect once per idempotency key, and counts every request that reached it', async () => {
    const post = (idempotencyKey?: string) =>
      postJson(`${site.url}/api/side-effects`, {
        key: 'charge',
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
    expect(await (await post('order-7')).json()).toEqual({ key: 'charge', count: 1, applied: true });
    expect(await (await post('order-7')).json()).toEqual({ key: 'charge', count: 2, applied: false });
    await post('order-8');
    await post();

    expect(site.sideEffects()).toMatchObject({ charge: 4 });
    expect(site.appliedEffects()).toMatchObject({ charge: 3 });
    await postJson(`${site.url}/api/side-effects/reset`, {});
    expect(await (await post('order-7')).json()).toMatchObject({ applied: true });
    expect(site.appliedEffects()).toEqual({ charge: 1 });
  });

  it.each([{}, { key: '' }, { key: 42 }, ['key'], { key: 'k', idempotencyKey: 7 }])(
    'rejects side effect body %j with 400',
    async (value) => {
      const response = await postJson(`${site.url}/api/side-effects`, value);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: expect.any(String) });
    },
  );

  it('rejects a body that is not JSON', async () => {
    const response = await fetch(`${site.url}/api/side-effects`, { method: 'POST', body: '{nope' });
    expect(response.status).toBe(400);
  });

  it('lists orders as JSON', async () => {
    expect(await (await get(`${site.url}/api/orders`)).json()).toEqual([]);
  });
});
