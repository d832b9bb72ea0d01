import { errors, type Frame, type Locator, type Page } from 'playwright-core';
import type { NodeContext } from '../contract';
import { ElementNotFoundError, HttpError, NodeTimeoutError } from '../errors';
import { DEFAULT_STEP_TIMEOUT_MS, raceAbort } from '../shared/abort';
import { sessionOf, type BrowserSession } from './browser-session';

export interface BrowserTarget {
  readonly page: Page;
  readonly frame: Frame;
  readonly session: BrowserSession;
  /** Timeout for one Playwright call: a little under the step's, so its error wins the race with the step's signal. */
  readonly timeout: number;
}

export async function browserTarget(context: NodeContext): Promise<BrowserTarget> {
  const jobPage = await raceAbort(context.page(), context.signal);
  const session = sessionOf(jobPage.context());
  const page = session.currentPage(jobPage) ?? jobPage;
  const budget = context.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  return { page, frame: session.currentFrame(page), session, timeout: Math.max(100, budget - Math.min(1000, budget * 0.1)) };
}

export function isPlaywrightTimeout(error: unknown): boolean {
  return error instanceof errors.TimeoutError;
}

/**
 * Runs `action` on the element `selector` names and turns Playwright's failures into node
 * errors: nothing matched (or several, for strict actions) → `ElementNotFoundError`, found
 * but never actionable → `NodeTimeoutError`.
 */
export async function onElement<T>(
  context: NodeContext,
  target: BrowserTarget,
  selector: string,
  action: (locator: Locator, timeout: number) => Promise<T>,
  locate: (frame: Frame) => Locator = (frame) => frame.locator(selector),
): Promise<T> {
  const locator = locate(target.frame);
  try {
    return await raceAbort(action(locator, target.timeout), context.signal);
  } catch (error) {
    const strict = error instanceof Error && error.message.includes('strict mode violation');
    if (!strict && !isPlaywrightTimeout(error)) throw error;
    const count = await locator.count().catch(() => 0);
    if (strict || count !== 1) throw new ElementNotFoundError(selector, count, { cause: error });
    throw new NodeTimeoutError(`"${selector}" was found but did not become ready: ${firstLine(error)}`, { cause: error });
  }
}

/** Playwright navigation failures as node errors: timeouts retryable, `net::ERR_*` a network `HttpError`. */
export function navigationError(url: string, error: unknown): unknown {
  if (isPlaywrightTimeout(error)) return new NodeTimeoutError(`Loading ${url} timed out`, { cause: error });
  if (error instanceof Error && /net::ERR_/.test(error.message)) {
    return new HttpError(`Loading ${url} failed: ${/net::ERR_[A-Z_]+/.exec(error.message)?.[0] ?? firstLine(error)}`, undefined, {
      cause: error,
    });
  }
  return error;
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
