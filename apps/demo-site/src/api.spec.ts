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

  it.each([{}, { key: '' }, { key: 42 }, ['key']])('rejects side effect body %j with 400', async (value) => {
    const response = await postJson(`${site.url}/api/side-effects`, value);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.any(String) });
  });

  it('rejects a body that is not JSON', async () => {
    const response = await fetch(`${site.url}/api/side-effects`, { method: 'POST', body: '{nope' });
    expect(response.status).toBe(400);
  });

  it('lists orders as JSON', async () => {
    expect(await (await get(`${site.url}/api/orders`)).json()).toEqual([]);
  });
});
