import { chromium, type Browser } from 'playwright-core';
import { startDemoSite, type DemoSite } from './index';

describe('demo site in a real browser', () => {
  let site: DemoSite;
  let browser: Browser;
  beforeAll(async () => {
    site = await startDemoSite();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('signs in, fills every field type of the order form and reads the confirmation number', async () => {
    const page = await browser.newPage();
    await page.goto(site.url);
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.fill('#username', 'demo');
    await page.fill('#password', 'demo-password');
    await Promise.all([page.waitForURL('**/orders/new'), page.click('#login-button')]);

    await page.fill('#customer', 'Grace Hopper');
    await page.fill('#email', 'grace@example.com');
    await page.selectOption('#product', 'doohickey');
    await page.fill('#quantity', '7');
    await page.fill('#delivery-date', '2031-12-24');
    await page.check('#shipping-express');
    await page.check('#gift-wrap');
    await page.fill('#notes', 'Fragile,\nhandle with "care"');
    await Promise.all([page.waitForURL('**/orders/*/confirmation'), page.click('#submit-order')]);

    const confirmationNumber = await page.textContent('#confirmation-number');
    expect(confirmationNumber).toMatch(/^AE-[A-Z0-9]{8}$/);
    expect(site.orders()).toEqual([
      expect.objectContaining({
        confirmationNumber,
        customer: 'Grace Hopper',
        email: 'grace@example.com',
        product: 'doohickey',
        quantity: 7,
        deliveryDate: '2031-12-24',
        shipping: 'express',
        giftWrap: true,
        notes: 'Fragile,\r\nhandle with "care"',
      }),
    ]);
  }, 60_000);
});
