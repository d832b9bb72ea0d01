import type { BrowserContext, Dialog, Frame, Page } from 'playwright-core';

/** Which tab and frame of a job's browser context the next browser step acts on. */
export class BrowserSession {
  page: Page | undefined;
  frame: Frame | undefined;
  /** The handler `browser.dialog` armed on `page`, replaced when re-armed. */
  armedDialog: { page: Page; listener: (dialog: Dialog) => void } | undefined;
  /** How many connections the egress guard refused, and the last refusal (ADR 69). */
  egressRefusals = 0;
  lastEgressRefusal: string | undefined;

  constructor(readonly context: BrowserContext) {}

  /** The current tab; when it was closed, the most recent open one, else `fallback`. */
  currentPage(fallback?: Page): Page | undefined {
    if (this.page !== undefined && !this.page.isClosed()) return this.page;
    this.frame = undefined;
    this.page =
      this.context
        .pages()
        .filter((p) => !p.isClosed())
        .at(-1) ?? fallback;
    return this.page;
  }

  /** The current frame, or the page's main frame when none was chosen or it went away. */
  currentFrame(page: Page): Frame {
    if (this.frame !== undefined && (this.frame.isDetached() || this.frame.page() !== page))
      this.frame = undefined;
    return this.frame ?? page.mainFrame();
  }
}

const sessions = new WeakMap<BrowserContext, BrowserSession>();

/** The session of a browser context, created on first use: state lives as long as the context. */
export function sessionOf(context: BrowserContext): BrowserSession {
  let session = sessions.get(context);
  if (session === undefined) {
    session = new BrowserSession(context);
    sessions.set(context, session);
  }
  return session;
}
