import { errors, type Frame, type Locator, type Page } from 'playwright-core';
import type { NodeContext } from '../contract';
import { HttpError, NodeTimeoutError, StepTimeoutError, selectorMismatch } from '../errors';
import { DEFAULT_STEP_TIMEOUT_MS, raceAbort } from '../shared/abort';
import { sessionOf, type BrowserSession } from './browser-session';

export interface BrowserTarget {
  readonly page: Page;
  readonly frame: Frame;
  readonly session: BrowserSession;
  /**
   * Timeout for the next Playwright call: what is left of the step's time, less a margin, so the
   * node's own finding (not found, not ready) comes before the robot's stall limit (ADR 82).
   */
  readonly timeout: number;
}

export async function browserTarget(context: NodeContext): Promise<BrowserTarget> {
  // The step's clock runs while the page is made ready (a browser context may be opening): that
  // wait comes out of every call's time, as it does out of the step's. At least 250 ms back: on a
  // busy machine Playwright's own timeout error can arrive that much after it fired.
  const budget = context.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  const deadline = Date.now() + budget - Math.min(1000, Math.max(250, budget * 0.1));
  const jobPage = await raceAbort(context.page(), context.signal);
  const session = sessionOf(jobPage.context());
  const page = session.currentPage(jobPage) ?? jobPage;
  return {
    page,
    frame: session.currentFrame(page),
    session,
    get timeout() {
      return Math.max(100, deadline - Date.now());
    },
  };
}

export function isPlaywrightTimeout(error: unknown): boolean {
  return error instanceof errors.TimeoutError;
}

/**
 * How long an element step with healing on waits for its selector to match before it asks
 * for a heal, in milliseconds: long enough for a page that is still rendering, short enough
 * that a broken selector is healed instead of waiting out the step's timeout.
 */
export const HEAL_PROBE_MS = 2_000;

/**
 * Runs `action` on the element `selector` names and turns Playwright's failures into node
 * errors: nothing matched → `ElementNotFoundError`, several (a strict action) → `AmbiguousSelectorError`, found
 * but never actionable → `NodeTimeoutError`. With the default `locate`, the step's healing
 * policy applies (`NodeContext.healing`): a broken selector is healed before the action, and
 * the element a working selector found is reported through `recordTarget` before the action.
 */
export async function onElement<T>(
  context: NodeContext,
  target: BrowserTarget,
  selector: string,
  action: (locator: Locator, timeout: number) => Promise<T>,
  locate?: (frame: Frame) => Locator,
): Promise<T> {
  const deadline = Date.now() + target.timeout;
  const resolved = locate === undefined ? await healedSelector(context, target, selector) : selector;
  const locator = locate === undefined ? target.frame.locator(resolved) : locate(target.frame);
  try {
    if (locate === undefined && resolved === selector && context.recordTarget !== undefined) {
      await recordTarget(context, target, locator, selector, deadline);
    }
    return await raceAbort(action(locator, Math.max(100, deadline - Date.now())), context.signal);
  } catch (error) {
    const strict = error instanceof Error && error.message.includes('strict mode violation');
    if (!strict && !isPlaywrightTimeout(error)) throw error;
    const count = await locator.count().catch(() => 0);
    if (strict || count !== 1)
      throw selectorMismatch(resolved, strict ? Math.max(count, 2) : count, { cause: error });
    throw new NodeTimeoutError(`"${resolved}" was found but did not become ready: ${firstLine(error)}`, {
      cause: error,
    });
  }
}

/**
 * Reports the element `selector` found to `recordTarget` before the action changes the page
 * (a click may navigate away): once it is attached and the only match. A missing element
 * times out here as it would in the action.
 */
async function recordTarget(
  context: NodeContext,
  target: BrowserTarget,
  locator: Locator,
  selector: string,
  deadline: number,
): Promise<void> {
  await raceAbort(
    locator.first().waitFor({ state: 'attached', timeout: Math.max(100, deadline - Date.now()) }),
    context.signal,
  );
  if ((await locator.count()) !== 1) return;
  await context
    .recordTarget?.({ selector, frame: target.frame })
    .catch((error: unknown) =>
      context.log.warn('could not record the element fingerprint', { selector, error: firstLine(error) }),
    );
}

/**
 * The selector to act on: `selector` itself when healing is off or it matches exactly one
 * element within `HEAL_PROBE_MS`; otherwise the one the `heal` hook returns.
 */
async function healedSelector(
  context: NodeContext,
  target: BrowserTarget,
  selector: string,
): Promise<string> {
  const policy = context.healing ?? 'off';
  if (policy === 'off' || context.heal === undefined) return selector;
  const locator = target.frame.locator(selector);
  const probe = Math.min(HEAL_PROBE_MS, target.timeout);
  await raceAbort(locator.first().waitFor({ state: 'attached', timeout: probe }), context.signal).catch(
    (error: unknown) => {
      if (!isPlaywrightTimeout(error)) throw error;
    },
  );
  const count = await locator.count();
  if (count === 1) return selector;
  const outcome = await raceAbort(
    context.heal({
      selector,
      frame: target.frame,
      problem: count === 0 ? 'not-found' : 'ambiguous',
      matchCount: count,
      policy,
    }),
    context.signal,
  );
  if (outcome.status === 'healed') return outcome.selector;
  throw selectorMismatch(selector, count, { message: outcome.message });
}

/** Playwright navigation failures as node errors: timeouts retryable, `net::ERR_*` a network `HttpError`. */
export function navigationError(url: string, error: unknown): unknown {
  if (isPlaywrightTimeout(error)) return new StepTimeoutError(`Loading ${url} timed out`, { cause: error });
  if (error instanceof Error && /net::ERR_/.test(error.message)) {
    return new HttpError(
      `Loading ${url} failed: ${/net::ERR_[A-Z_]+/.exec(error.message)?.[0] ?? firstLine(error)}`,
      undefined,
      {
        cause: error,
      },
    );
  }
  return error;
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
