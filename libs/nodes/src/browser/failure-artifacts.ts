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
