import type { Analytics } from '@aether/read-api';
import { trendLines, type BarDatum, type LineSeries } from '../shared/charts/chart-data';

/** Each point spans its bucket: the last one holds until the end of the range. */
const until = (figures: Analytics) => ({
  at: new Date(figures.to),
  bucketMs: figures.bucket === 'hour' ? 3_600_000 : 86_400_000,
});

/** Jobs that ended per bucket, one line per end. */
export function throughputLines(figures: Analytics): LineSeries[] {
  return trendLines(
    figures.throughput,
    { Completed: 'completed', Failed: 'failed', Cancelled: 'cancelled' },
    until(figures),
  );
}

/** The five slowest workflows by p90, in seconds. */
export function slowestBars(figures: Analytics): BarDatum[] {
  return figures.durations
    .slice(0, 5)
    .map((d) => ({ name: d.workflowId, value: Math.round(d.p90Ms / 100) / 10 }));
}

/** Failed steps per node type and error code, most first. */
export function errorBars(figures: Analytics): BarDatum[] {
  return figures.errors
    .slice(0, 8)
    .map((e) => ({ name: `${e.nodeType} · ${e.errorCode}`, value: e.failures }));
}

/** One workflow's p50 / p90 / p99 per bucket, in seconds. */
export function durationLines(figures: Analytics, workflowId: string): LineSeries[] {
  const workflow = figures.durations.find((d) => d.workflowId === workflowId);
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  const points = (workflow?.series ?? []).map((p) => ({
    at: p.at,
    p50: seconds(p.p50Ms),
    p90: seconds(p.p90Ms),
    p99: seconds(p.p99Ms),
  }));
  return trendLines(points, { p50: 'p50', p90: 'p90', p99: 'p99' }, until(figures));
}

/**
 * Retried and failed steps per bucket, over the whole range: the API lists only the buckets that
 * had steps, so the others are put back as zeros on the throughput's grid (which has every bucket),
 * or a week with steps in one hour would draw as that hour alone.
 */
export function retryLines(figures: Analytics): LineSeries[] {
  const counted = new Map(figures.steps.series.map((point) => [Date.parse(point.at), point]));
  const points = figures.throughput.map(
    ({ at }) => counted.get(Date.parse(at)) ?? { at, retries: 0, failed: 0 },
  );
  return trendLines(points, { 'Retried steps': 'retries', 'Failed steps': 'failed' }, until(figures));
}

/** Share of heals applied per bucket, in %. */
export function healingLines(figures: Analytics): LineSeries[] {
  const points = figures.healing.map((p) => ({
    at: p.at,
    rate: p.heals > 0 ? Math.round((p.applied / p.heals) * 1000) / 10 : undefined,
  }));
  return trendLines(points, { 'Heals applied %': 'rate' }, until(figures));
}
