import type { DataSource } from 'typeorm';
import type { Analytics, AnalyticsQuery } from '@aether/read-api';

/** Buckets of the duration histogram (see migration AnalyticsRollups): four per doubling of ms. */
export const DURATION_BUCKETS = 128;
const PER_DOUBLING = 4;

/** A duration histogram as stored (`duration_counts`): its non-zero buckets, `{"<bucket>": count}`. */
export type Histogram = Readonly<Record<string, number>>;

/**
 * The `q`-quantile (0–1) of a duration histogram, in ms: the geometric middle of the bucket that
 * holds it (within 19 % of the exact value); 0 for an empty histogram.
 */
export function histogramQuantile(histogram: Histogram, q: number): number {
  return quantiles(histogram, [q])[0] ?? 0;
}

function quantiles(histogram: Histogram, qs: readonly number[]): number[] {
  const buckets = Object.keys(histogram)
    .map(Number)
    .sort((a, b) => a - b);
  const total = buckets.reduce((sum, bucket) => sum + (histogram[bucket] ?? 0), 0);
  return qs.map((q) => {
    if (total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (const bucket of buckets) {
      seen += histogram[bucket] ?? 0;
      if (seen >= rank) return Math.round(2 ** ((bucket + 0.5) / PER_DOUBLING));
    }
    return Math.round(2 ** ((DURATION_BUCKETS - 0.5) / PER_DOUBLING));
  });
}

/** Adds `histogram` into `sum`, bucket by bucket. */
export function addInto(sum: Record<string, number>, histogram: Histogram): void {
  for (const bucket in histogram) sum[bucket] = (sum[bucket] ?? 0) + (histogram[bucket] ?? 0);
}

const percentiles = (histogram: Histogram) => {
  const [p50Ms = 0, p90Ms = 0, p99Ms = 0] = quantiles(histogram, [0.5, 0.9, 0.99]);
  return { p50Ms, p90Ms, p99Ms };
};

/** Every bucket start from `from` to before `to`, UTC. */
export function bucketStarts(from: Date, to: Date, bucket: AnalyticsQuery['bucket']): string[] {
  const step = bucket === 'hour' ? 3_600_000 : 86_400_000;
  const starts: string[] = [];
  for (let at = Math.floor(from.getTime() / step) * step; at < to.getTime(); at += step)
    starts.push(new Date(at).toISOString());
  return starts;
}

const iso = (value: Date | string) => new Date(value).toISOString();

/** The Analytics page's figures, from the hourly rollups only (never the jobs table). */
export class AnalyticsQueries {
  constructor(private readonly dataSource: DataSource) {}

  async analytics(
    tenantId: string,
    range: { from: Date; to: Date; bucket: AnalyticsQuery['bucket'] },
  ): Promise<Analytics> {
    const { from, to, bucket } = range;
    const at = `date_trunc('${bucket === 'hour' ? 'hour' : 'day'}', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;
    const where = `tenant_id = $1 AND hour >= utc_hour($2) AND hour < $3`;
    const params = [tenantId, from, to];
    const [jobs, steps, heals] = await Promise.all([
      this.dataSource.query(
        `SELECT ${at} AS at, workflow_id, completed, failed, cancelled, rejected, duration_counts
           FROM job_hourly WHERE ${where}`,
        params,
      ) as Promise<
        {
          at: Date;
          workflow_id: string;
          completed: string;
          failed: string;
          cancelled: string;
          rejected: string;
          duration_counts: Histogram;
        }[]
      >,
      this.dataSource.query(
        `SELECT ${at} AS at, node_type, outcome, error_code, sum(steps)::bigint AS steps, sum(retries)::bigint AS retries
           FROM step_hourly WHERE ${where} GROUP BY 1, 2, 3, 4`,
        params,
      ) as Promise<
        { at: Date; node_type: string; outcome: string; error_code: string; steps: string; retries: string }[]
      >,
      this.dataSource.query(
        `SELECT ${at} AS at, sum(heals)::bigint AS heals, sum(applied)::bigint AS applied
           FROM heal_hourly WHERE ${where} GROUP BY 1 ORDER BY 1`,
        params,
      ) as Promise<{ at: Date; heals: string; applied: string }[]>,
    ]);

    const throughput = new Map(
      bucketStarts(from, to, bucket).map((start) => [
        start,
        { at: start, completed: 0, failed: 0, cancelled: 0 },
      ]),
    );
    const totals = { completed: 0, failed: 0, cancelled: 0, rejected: 0 };
    const perWorkflow = new Map<
      string,
      { jobs: number; all: Record<string, number>; byBucket: Map<string, Record<string, number>> }
    >();
    for (const row of jobs) {
      const start = iso(row.at);
      const point = throughput.get(start) ?? { at: start, completed: 0, failed: 0, cancelled: 0 };
      point.completed += Number(row.completed);
      point.failed += Number(row.failed);
      point.cancelled += Number(row.cancelled);
      throughput.set(start, point);
      totals.completed += Number(row.completed);
      totals.failed += Number(row.failed);
      totals.cancelled += Number(row.cancelled);
      totals.rejected += Number(row.rejected);
      const workflow = perWorkflow.get(row.workflow_id) ?? { jobs: 0, all: {}, byBucket: new Map() };
      workflow.jobs += Number(row.completed) + Number(row.failed);
      addInto(workflow.all, row.duration_counts);
      const inBucket = workflow.byBucket.get(start) ?? {};
      addInto(inBucket, row.duration_counts);
      workflow.byBucket.set(start, inBucket);
      perWorkflow.set(row.workflow_id, workflow);
    }
    const durations = [...perWorkflow.entries()]
      .filter(([, w]) => w.jobs > 0)
      .map(([workflowId, w]) => ({
        workflowId,
        jobs: w.jobs,
        ...percentiles(w.all),
        series: [...w.byBucket.entries()]
          .filter(([, histogram]) => Object.keys(histogram).length > 0)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([start, histogram]) => ({ at: start, ...percentiles(histogram) })),
      }))
      .sort((a, b) => b.p90Ms - a.p90Ms || a.workflowId.localeCompare(b.workflowId));

    const errors = new Map<string, { nodeType: string; errorCode: string; failures: number }>();
    const stepTotals = { completed: 0, failed: 0, retries: 0 };
    const stepSeries = new Map<string, { at: string; retries: number; failed: number }>();
    for (const row of steps) {
      const count = Number(row.steps);
      const start = iso(row.at);
      const point = stepSeries.get(start) ?? { at: start, retries: 0, failed: 0 };
      point.retries += Number(row.retries);
      stepTotals.retries += Number(row.retries);
      if (row.outcome === 'failed') {
        stepTotals.failed += count;
        point.failed += count;
        const key = `${row.node_type}\u0000${row.error_code}`;
        const error = errors.get(key) ?? { nodeType: row.node_type, errorCode: row.error_code, failures: 0 };
        error.failures += count;
        errors.set(key, error);
      } else stepTotals.completed += count;
      stepSeries.set(start, point);
    }

    const ended = totals.completed + totals.failed;
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      bucket,
      throughput: [...throughput.values()].sort((a, b) => a.at.localeCompare(b.at)),
      totals: { ...totals, successRate: ended > 0 ? totals.completed / ended : null },
      durations,
      errors: [...errors.values()]
        .sort((a, b) => b.failures - a.failures || a.nodeType.localeCompare(b.nodeType))
        .slice(0, 20),
      steps: { ...stepTotals, series: [...stepSeries.values()].sort((a, b) => a.at.localeCompare(b.at)) },
      healing: heals.map((row) => ({
        at: iso(row.at),
        heals: Number(row.heals),
        applied: Number(row.applied),
      })),
    };
  }
}
