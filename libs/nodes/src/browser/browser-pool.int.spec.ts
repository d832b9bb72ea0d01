import { eventually } from '@aether/testing';
import { BrowserPool, BrowserUnavailableError } from './browser-pool';

jest.setTimeout(60_000);

describe('BrowserPool on real Chromium', () => {
  let clock = 0;
  let pool: BrowserPool;

  beforeAll(() => {
    pool = new BrowserPool({ maxJobs: 2, maxPagesPerJob: 2, leaseTtlMs: 1000, now: () => clock });
  });
  afterAll(() => pool.close());

  it('gives each job its own context and the same lease on every acquire', async () => {
    const a = await pool.acquire('a');
    const b = await pool.acquire('b');
    expect(await pool.acquire('a')).toBe(a);
    expect(a.context).not.toBe(b.context);
    await a.context.addCookies([{ name: 'who', value: 'a', url: 'http://127.0.0.1' }]);
    expect(await b.context.cookies()).toEqual([]);
    expect(await a.page()).toBe(await a.page());
    expect(pool.usage()).toMatchObject({
      browserRunning: true,
      leases: 2,
      maxJobs: 2,
      pages: 1,
      waiting: 0,
      launches: 1,
    });
    await Promise.all([a.release(), b.release(), a.release()]);
    expect(pool.usage()).toMatchObject({ leases: 0, pages: 0 });
    await expect(a.page()).rejects.toBeInstanceOf(BrowserUnavailableError);
  });

  it('makes a job wait for a free slot, and lets it give up', async () => {
    const a = await pool.acquire('a');
    const b = await pool.acquire('b');
    const waiting = pool.acquire('c');
    const givingUp = new AbortController();
    const impatient = pool.acquire('d', { signal: givingUp.signal });
    expect(pool.usage().waiting).toBe(2);
    givingUp.abort();
    await expect(impatient).rejects.toBeInstanceOf(BrowserUnavailableError);
    await a.release();
    const c = await waiting;
    expect(pool.usage()).toMatchObject({ leases: 2, waiting: 0 });
    await Promise.all([b.release(), c.release()]);
  });

  it('closes tabs beyond the per-job limit', async () => {
    const lease = await pool.acquire('tabs');
    const page = await lease.page();
    await page.setContent('<p>x</p>');
    for (let i = 0; i < 3; i++) await page.evaluate(() => void window.open('about:blank'));
    await eventually(() => (lease.context.pages().length === 2 ? true : undefined), { what: 'two pages' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lease.context.pages()).toHaveLength(2);
    await lease.release();
  });

  it('force-releases leases that outlive their TTL unless renewed', async () => {
    const stale = await pool.acquire('stale');
    const busy = await pool.acquire('busy');
    clock += 800;
    busy.renew();
    clock += 500;
    await expect(pool.releaseExpired()).resolves.toBe(1);
    await expect(stale.page()).rejects.toThrow(/expired and was force-released/);
    expect((await busy.page()).isClosed()).toBe(false);
    expect(pool.usage()).toMatchObject({ leases: 1, forcedReleases: 1 });
    await busy.release();
  });

  it('relaunches the browser after it crashed', async () => {
    const lease = await pool.acquire('crash');
    const page = await lease.page();
    const browser = page.context().browser();
    if (browser === null) throw new Error('the lease has no browser');
    const cdp = await browser.newBrowserCDPSession();
    await cdp.send('Browser.crash').catch(() => undefined);
    await eventually(() => (pool.usage().browserRunning ? undefined : true), { what: 'the browser closed' });
    await expect(lease.page()).rejects.toThrow(/crashed/);
    expect(pool.usage().leases).toBe(0);

    const fresh = await pool.acquire('crash');
    expect(fresh).not.toBe(lease);
    const again = await fresh.page();
    await again.setContent('<p id="ok">alive</p>');
    expect(await again.textContent('#ok')).toBe('alive');
    expect(pool.usage()).toMatchObject({ browserRunning: true, launches: 2 });
    await fresh.release();
  });
});
