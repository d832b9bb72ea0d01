import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD, demoVariables } from '@aether/platform';

/** One bare run: its whole time and each step's, in ms. */
export interface BareRun {
  readonly ms: number;
  readonly stepMs: readonly number[];
}

/**
 * The demo order-entry workflow's 15 steps as a person would script them in Playwright, on a
 * browser that is already running: a fresh context per run (as the robot leases one per job,
 * with the robot's context options), the same selectors and values, each step the Playwright
 * call its node makes. Timed from the first step, which opens the context, to the extracted
 * confirmation number (the robot closes its context after the job's outcome).
 */
export async function runBareScript(browser: Browser, siteUrl: string): Promise<BareRun> {
  const v = demoVariables(siteUrl);
  const started = performance.now();
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  const steps: ((page: Page) => Promise<unknown>)[] = [
    (p) => p.goto(`${v.siteUrl}/login`),
    (p) => p.locator('#username').fill(v.username),
    (p) => p.locator('#password').fill(DEMO_PASSWORD),
    (p) => p.locator('#login-button').click(),
    (p) => p.locator('#order-form').waitFor({ state: 'visible' }),
    (p) => p.locator('#customer').fill(v.customer),
    (p) => p.locator('#email').fill(v.email),
    (p) => p.locator('#product').selectOption([{ value: v.product }]),
    (p) => p.locator('#quantity').fill(String(v.quantity)),
    (p) => p.locator('#delivery-date').fill(v.deliveryDate),
    (p) => p.locator(`#shipping-${v.shipping}`).setChecked(true),
    (p) => p.locator('#gift-wrap').setChecked(v.giftWrap),
    (p) => p.locator('#notes').fill(v.notes),
    (p) => p.locator('#submit-order').click(),
    (p) => p.locator('#confirmation-number').innerText(),
  ];
  try {
    const stepMs: number[] = [];
    let confirmation = '';
    for (const step of steps) {
      const at = performance.now();
      // The robot, too, leases its context and opens the page within the first step.
      context ??= await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
      page ??= await context.newPage();
      const result = await step(page);
      stepMs.push(performance.now() - at);
      if (typeof result === 'string') confirmation = result;
    }
    const ms = performance.now() - started;
    if (!/^AE-/.test(confirmation.trim()))
      throw new Error(`the bare script read "${confirmation}" as confirmation`);
    return { ms, stepMs };
  } finally {
    await context?.close();
  }
}
