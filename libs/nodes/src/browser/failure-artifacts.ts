import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { ArtifactStore } from '../artifacts/artifact-store';

export interface FailureArtifact {
  readonly kind: 'screenshot' | 'dom';
  readonly ref: string;
}

/**
 * Best effort evidence of a failed browser step: a screenshot and the DOM as HTML. Never
 * throws (the step's own error is what matters); whatever could not be captured is left
 * out. `name` prefixes both artifacts, e.g. `<tenant>/<job>/<stepKey>/attempt-2`.
 */
export async function captureFailureArtifacts(
  page: Page,
  store: ArtifactStore,
  options: { name?: string; timeoutMs?: number } = {},
): Promise<FailureArtifact[]> {
  const name = options.name ?? `failures/${randomUUID()}`;
  const timeout = options.timeoutMs ?? 5000;
  if (page.isClosed()) return [];
  const [screenshot, dom] = await Promise.allSettled([
    page
      .screenshot({ timeout, fullPage: false })
      .then((bytes) => store.put('screenshot', `${name}/screenshot.png`, bytes)),
    withTimeout(page.content(), timeout).then((html) =>
      store.put('dom', `${name}/dom.html`, Buffer.from(html, 'utf8')),
    ),
  ]);
  const artifacts: FailureArtifact[] = [];
  if (screenshot.status === 'fulfilled') artifacts.push({ kind: 'screenshot', ref: screenshot.value });
  if (dom.status === 'fulfilled') artifacts.push({ kind: 'dom', ref: dom.value });
  return artifacts;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A screenshot of a page that may be stuck mid-navigation (a stalled step, ADR 61). A capture
 * waits for the pending navigation and times out on a page that never loads (5 s measured, either
 * way), so the navigation is stopped over CDP first: the page is torn down next anyway. Chromium
 * only. Never throws: `[]` when nothing came.
 */
export async function captureStalledPage(
  page: Page,
  store: ArtifactStore,
  options: { name: string; timeoutMs?: number },
): Promise<FailureArtifact[]> {
  if (page.isClosed()) return [];
  try {
    const session = await page.context().newCDPSession(page);
    await withTimeout(session.send('Page.stopLoading'), options.timeoutMs ?? 3000);
    const shot = (await withTimeout(
      session.send('Page.captureScreenshot', { format: 'png' }),
      options.timeoutMs ?? 3000,
    )) as { data: string };
    await session.detach().catch(() => undefined);
    const ref = await store.put(
      'screenshot',
      `${options.name}/screenshot.png`,
      Buffer.from(shot.data, 'base64'),
    );
    return [{ kind: 'screenshot', ref }];
  } catch {
    return [];
  }
}
