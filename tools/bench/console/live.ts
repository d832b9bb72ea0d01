import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Page } from 'playwright-core';
import { STREAMS, subjects } from '@aether/contracts';

/** A job's statuses in the order one run without retries passes through them, and the events that set them. */
const STATUS_ORDER = ['pending', 'queued', 'running', 'completed'] as const;
type RowStatus = (typeof STATUS_ORDER)[number];
const STATUS_OF: Partial<Record<string, RowStatus>> = {
  JobRequested: 'pending',
  JobDispatched: 'queued',
  JobStarted: 'running',
  JobCompleted: 'completed',
};

interface JobEnvelope {
  readonly type: string;
  readonly aggregateId: string;
}

export interface Appended {
  readonly jobId: string;
  readonly status: RowStatus;
  /** When JetStream stored the event (epoch ms, the server's clock: this machine's). */
  readonly at: number;
}

/** Records, from now on, when each status-changing job event of the default tenant was appended. */
export async function recordAppends(
  natsUrl: string,
): Promise<{ appended: Appended[]; stop(): Promise<void> }> {
  const nc = await connect({ servers: natsUrl, name: 'bench-console-appends' });
  const consumer = await jetstream(nc).consumers.get(STREAMS.events, {
    filter_subjects: subjects.eventsOf('job', 'default'),
    deliver_policy: DeliverPolicy.New,
  });
  const messages = await consumer.consume();
  const appended: Appended[] = [];
  const done = (async () => {
    for await (const m of messages) {
      // A commit is one message holding several events (ADR 22); they were appended together.
      const body = m.json<JobEnvelope | JobEnvelope[]>();
      for (const event of Array.isArray(body) ? body : [body]) {
        const status = STATUS_OF[event.type];
        if (status) appended.push({ jobId: event.aggregateId, status, at: m.info.timestampNanos / 1e6 });
      }
    }
  })();
  return {
    appended,
    async stop() {
      await messages.close();
      await done;
      await nc.close();
    },
  };
}

/**
 * Watches the Jobs page's rows: each time a row first shows a status, the time of the next frame
 * (the frame that paints it) is recorded in `window.__rowsShown` as [jobId, status, epoch ms].
 * Only the rows the mutations touch are read, so watching costs the page little.
 */
export async function watchRows(page: Page): Promise<void> {
  await page.evaluate(() => {
    const shown: [string, string, number][] = [];
    const last = new Map<string, string>();
    (window as unknown as { __rowsShown: typeof shown }).__rowsShown = shown;
    const rowOf = (node: Node): Element | null =>
      (node instanceof Element ? node : node.parentElement)?.closest('tr[aria-label^="Job "]') ?? null;
    new MutationObserver((records) => {
      const rows = new Set<Element>();
      for (const record of records) {
        const row = rowOf(record.target);
        if (row) rows.add(row);
        for (const added of Array.from(record.addedNodes)) {
          if (added instanceof Element && added.matches('tr[aria-label^="Job "]')) rows.add(added);
        }
      }
      const changed: [string, string][] = [];
      for (const row of rows) {
        const jobId = (row.getAttribute('aria-label') ?? '').slice('Job '.length);
        const status = row.querySelector('.badge')?.textContent?.trim() ?? '';
        if (status && last.get(jobId) !== status) {
          last.set(jobId, status);
          changed.push([jobId, status]);
        }
      }
      if (changed.length === 0) return;
      requestAnimationFrame(() => {
        const at = performance.timeOrigin + performance.now();
        for (const [jobId, status] of changed) shown.push([jobId, status, at]);
      });
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}

export async function rowsShown(page: Page): Promise<[string, string, number][]> {
  return page.evaluate(() => (window as unknown as { __rowsShown: [string, string, number][] }).__rowsShown);
}

/**
 * Appended → visible for each appended update: the first frame in which its row showed its status
 * or a later one (a frame may carry two updates of a job at once, and then shows only the later).
 * Updates never shown are returned apart.
 */
export function liveLatencies(
  appended: readonly Appended[],
  shown: readonly [string, string, number][],
): { latenciesMs: number[]; unseen: number } {
  const firstShown = new Map<string, Map<string, number>>();
  for (const [jobId, status, at] of shown) {
    const byStatus = firstShown.get(jobId) ?? new Map<string, number>();
    if (!byStatus.has(status)) byStatus.set(status, at);
    firstShown.set(jobId, byStatus);
  }
  const latenciesMs: number[] = [];
  let unseen = 0;
  for (const update of appended) {
    const byStatus = firstShown.get(update.jobId);
    const times = STATUS_ORDER.slice(STATUS_ORDER.indexOf(update.status))
      .map((status) => byStatus?.get(status))
      .filter((at): at is number => at !== undefined);
    if (times.length === 0) unseen++;
    else latenciesMs.push(Math.min(...times) - update.at);
  }
  return { latenciesMs, unseen };
}
