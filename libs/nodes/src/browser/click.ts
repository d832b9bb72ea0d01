import { randomUUID } from 'node:crypto';
import type { Frame, Locator } from 'playwright-core';
import { ClickMissedError } from '../errors';

/** Clicks sent in all before a click that keeps landing outside its frame fails the step. */
export const MAX_CLICKS = 3;

/** What the frame's window keeps while a click is on its way. */
interface ClickProbe {
  reached: boolean;
  listener?: () => void;
}

/**
 * Clicks `locator` in `frame`. Playwright checks that its target is the element at the click
 * point, and tries again when another element of the same document would take the click. It
 * cannot see a click that lands outside the target's frame: content added above an iframe
 * between Playwright's aim and its click moves the frame, and the click hits the page around it
 * without an error. So inside a frame, the frame's window reports whether a click reached its
 * document; a click that reached none is sent again, up to `MAX_CLICKS` in all, and after that
 * the step fails with `ClickMissedError` instead of passing without having clicked.
 */
export async function click(locator: Locator, frame: Frame, timeout: number): Promise<void> {
  if (frame.parentFrame() === null) {
    await locator.click({ timeout });
    return;
  }
  const deadline = Date.now() + timeout;
  const remaining = () => Math.max(100, deadline - Date.now());
  for (let sent = 1; ; sent++) {
    const probe = `__aetherClick_${randomUUID().replaceAll('-', '')}`;
    await locator.evaluate(listenForClicks, probe, { timeout: remaining() });
    await locator.click({ timeout: remaining() });
    // A click that navigated the frame or removed it took effect: there is nothing to read.
    const reached = await frame.evaluate(stopListening, probe).catch(() => true);
    if (reached) return;
    if (sent >= MAX_CLICKS)
      throw new ClickMissedError(
        `${MAX_CLICKS} clicks on the element landed outside its frame: the page keeps moving the frame under the pointer`,
      );
  }
}

/** In the element's frame: note whether a click reaches its document. */
function listenForClicks(_element: Element, probe: string): void {
  const state: ClickProbe = { reached: false };
  state.listener = () => (state.reached = true);
  window.addEventListener('click', state.listener, { capture: true });
  (window as unknown as Record<string, unknown>)[probe] = state;
}

function stopListening(probe: string): boolean {
  const view = window as unknown as Record<string, ClickProbe | undefined>;
  const state = view[probe];
  if (state === undefined) return true; // a new document: the click navigated the frame
  if (state.listener) window.removeEventListener('click', state.listener, { capture: true });
  delete view[probe];
  return state.reached;
}
