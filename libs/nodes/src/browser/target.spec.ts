import type { Page } from 'playwright-core';
import type { NodeContext } from '../contract';
import { browserTarget } from './target';

/** A page as far as `browserTarget` looks at one: its context's tabs and its main frame. */
function fakePage(): Page {
  const page = {
    isClosed: () => false,
    mainFrame: () => ({}),
    context: () => context,
  } as unknown as Page;
  const context = { pages: () => [page] };
  return page;
}

function contextWith(timeoutMs: number, pageAfterMs: number): NodeContext {
  const page = fakePage();
  return {
    timeoutMs,
    signal: new AbortController().signal,
    page: () => new Promise((resolve) => setTimeout(() => resolve(page), pageAfterMs)),
  } as unknown as NodeContext;
}

describe('browserTarget', () => {
  it('leaves a Playwright call a margin under the step timeout', async () => {
    const target = await browserTarget(contextWith(3_000, 0));
    expect(target.timeout).toBeLessThanOrEqual(2_700);
    expect(target.timeout).toBeGreaterThan(2_500);
  });

  it('keeps at least 250 ms back from a short step, at most a second from a long one', async () => {
    expect((await browserTarget(contextWith(800, 0))).timeout).toBeLessThanOrEqual(550);
    expect((await browserTarget(contextWith(60_000, 0))).timeout).toBeGreaterThan(58_900);
  });

  it('counts the wait for the page against the step: a call still ends before the step limit', async () => {
    const target = await browserTarget(contextWith(3_000, 600));
    // 2,700 if the wait did not count; a timer may fire a millisecond before Date.now() says 600 ms.
    expect(target.timeout).toBeLessThanOrEqual(2_105);
  });

  it('gives each later call only what is left of the step', async () => {
    const target = await browserTarget(contextWith(3_000, 0));
    const first = target.timeout;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(target.timeout).toBeLessThanOrEqual(first - 290);
  });

  it('never gives a call less than 100 ms', async () => {
    expect((await browserTarget(contextWith(300, 0))).timeout).toBe(100);
    expect((await browserTarget(contextWith(500, 600))).timeout).toBe(100);
  });
});
