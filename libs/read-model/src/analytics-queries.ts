import type { DataSource } from 'typeorm';
import type { Analytics, AnalyticsQuery } from '@aether/read-api';

/** Buckets of the duration histogram per doubling of ms (see migration AnalyticsRollups). */
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

/** A duration bucket's value in ms: the geometric middle of its bounds. */
const bucketMs = (bucket: number) => Math.round(2 ** ((bucket + 0.5) / PER_DOUBLING));

/**
 * The `qs` (ascending) quantiles of `histogram`, in one pass over its buckets. Migration
 * HourlyDurationQuantiles computes the same buckets in PostgreSQL (`duration_quantile_buckets`).
 */
function quantiles(histogram: Histogram, qs: readonly number[]): number[] {
  // Integer-like keys enumerate in ascending numeric order (OrdinaryOwnPropertyKeys): no sort.
  let total = 0;
  for (const bucket in histogram) total += histogram[bucket] ?? 0;
  if (total === 0) return qs.map(() => 0);
  const found: number[] = [];
  let seen = 0;
  for (const bucket in histogram) {
    seen += histogram[bucket] ?? 0;
    while (found.length < qs.length && seen >= Math.max(1, Math.ceil((qs[found.length] ?? 1) * total)))
      found.push(bucketMs(Number(bucket)));
  }
  return found;
}

const isEmpty = (histogram: Histogram) => {
  for (const _ in histogram) return false;
  return true;
};

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

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
type Span = readonly [from: Date, to: Date];

/**
 * Where a range's job ends are read when they are summed by day or over the whole range: whole UTC
 * days from `job_daily`, the partial days at either end from `job_hourly`. The hours counted are
 * those from the one holding `from` to the last that starts before `to`.
 */
export function rollupSpans(from: Date, to: Date): { hourly: Span[]; daily?: Span } {
  const fromHour = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS;
  const wholeFrom = Math.ceil(fromHour / DAY_MS) * DAY_MS;
  const wholeTo = Math.floor(to.getTime() / DAY_MS) * DAY_MS;
  if (wholeFrom >= wholeTo) return { hourly: [[new Date(fromHour), to]] };
  const hourly: Span[] = [];
  if (fromHour < wholeFrom) hourly.push([new Date(fromHour), new Date(wholeFrom)]);
  if (wholeTo < to.getTime()) hourly.push([new Date(wholeTo), to]);
  return { hourly, daily: [new Date(wholeFrom), new Date(wholeTo)] };
}

/**
 * The spans' rows of `job_hourly` and `job_daily` as one `SELECT … UNION ALL …` (`$1` the tenant):
 * `select(column)` names what each row gives, `column` being `hour` or `day`.
 */
function spanRows(spans: { hourly: Span[]; daily?: Span }, select: (column: string) => string) {
  const params: Date[] = [];
  const parts = [
    ...spans.hourly.map((span) => ['job_hourly', 'hour', span] as const),
    ...(spans.daily ? [['job_daily', 'day', spans.daily] as const] : []),
  ].map(([table, column, [spanFrom, spanTo]]) => {
    params.push(spanFrom, spanTo);
    return `SELECT ${select(column)} FROM ${table}
             WHERE tenant_id = $1 AND ${column} >= $${params.length} AND ${column} < $${params.length + 1}`;
  });
  return { sql: parts.join(' UNION ALL '), params };
}

type Point = Analytics['throughput'][number];
type Durations = Analytics['durations'];
type Totals = Omit<Analytics['totals'], 'successRate'>;

/** What the range's job ends come to: throughput per bucket start (ms), totals, per workflow durations. */
interface JobFigures {
  throughput: Map<number, Point>;
  totals: Totals;
  durations: Durations;
}

/** A bucket's ends, as the statement gives them: `[startMs, completed, failed, cancelled, rejected]`. */
type Ends = readonly [atMs: number, completed: number, failed: number, cancelled: number, rejected: number];

/** Counts a bucket's ends into its point and the totals; the point. */
function countEnds(figures: JobFigures, [atMs, completed, failed, cancelled, rejected]: Ends): Point {
  let point = figures.throughput.get(atMs);
  if (!point) {
    point = { at: new Date(atMs).toISOString(), completed: 0, failed: 0, cancelled: 0 };
    figures.throughput.set(atMs, point);
  }
  point.completed += completed;
  point.failed += failed;
  point.cancelled += cancelled;
  figures.totals.completed += completed;
  figures.totals.failed += failed;
  figures.totals.cancelled += cancelled;
  figures.totals.rejected += rejected;
  return point;
}

/** A timestamp (UTC, without zone) as `Date.toISOString` writes it. */
const isoSql = (at: string) => `to_char(${at}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** Milliseconds since the epoch of a timestamp (UTC, without zone), as a JSON integer. */
const msSql = (at: string) => `(extract(epoch FROM ${at}) * 1000)::bigint`;

/** `job_hourly`'s rows of the range in hour order, column by column (each null when there are none). */
interface HourColumns {
  atMs: number[] | null;
  workflowId: string[];
  completed: number[];
  failed: number[];
  cancelled: number[];
  rejected: number[];
  p50: (number | null)[];
  p90: (number | null)[];
  p99: (number | null)[];
}

/** By day, the span rows; each histogram parsed afresh per query: the fold adds into it. */
type DayRow = [
  dayStartMs: number,
  workflowId: string,
  ...ends: [completed: number, failed: number, cancelled: number, rejected: number],
  histogram: Record<string, number>,
];

/** The steps' and heals' statement's columns. */
interface StepFigures {
  steps: Analytics['steps'] & { errors: Analytics['errors'] };
  healing: Analytics['healing'];
}

/** The range's steps (CTE `s`, by bucket) and heals by bucket, as the columns of `StepFigures`. */
const stepsAndHeals = (bucket: AnalyticsQuery['bucket']) => `
  (SELECT json_build_object(
     'completed', coalesce(sum(steps) FILTER (WHERE outcome <> 'failed'), 0)::bigint,
     'failed', coalesce(sum(steps) FILTER (WHERE outcome = 'failed'), 0)::bigint,
     'retries', coalesce(sum(retries), 0)::bigint,
     'series', (SELECT coalesce(json_agg(json_build_object('at', ${isoSql('at')}, 'retries', retries,
                                                             'failed', failed) ORDER BY at), '[]')
                  FROM (SELECT at, sum(retries)::bigint AS retries,
                               coalesce(sum(steps) FILTER (WHERE outcome = 'failed'), 0)::bigint AS failed
                          FROM s GROUP BY at) AS p),
     'errors', (SELECT coalesce(json_agg(json_build_object('nodeType', node_type, 'errorCode', error_code,
                                                             'failures', failures)), '[]')
                  FROM (SELECT node_type, error_code, sum(steps)::bigint AS failures
                          FROM s WHERE outcome = 'failed' GROUP BY 1, 2) AS e))
     FROM s) AS steps,
  (SELECT coalesce(json_agg(json_build_object('at', ${isoSql('at')}, 'heals', heals, 'applied', applied)
                            ORDER BY at), '[]')
     FROM (SELECT date_trunc('${bucket}', hour AT TIME ZONE 'UTC') AS at, sum(heals)::bigint AS heals,
                  sum(applied)::bigint AS applied
             FROM heal_hourly WHERE tenant_id = $1 AND hour >= utc_hour($2) AND hour < $3 GROUP BY 1) AS h) AS healing`;

/**
 * The range's `job_hourly` rows as one JSON value of columns: the driver parses it with one
 * `JSON.parse` rather than 1,680 rows of nine fields one by one for seven days (ADR 81).
 */
const HOUR_COLUMNS = `
  SELECT json_build_object(
           'atMs', array_agg(${msSql("hour AT TIME ZONE 'UTC'")}), 'workflowId', array_agg(workflow_id),
           'completed', array_agg(completed), 'failed', array_agg(failed), 'cancelled', array_agg(cancelled),
           'rejected', array_agg(rejected), 'p50', array_agg(p50_bucket), 'p90', array_agg(p90_bucket),
           'p99', array_agg(p99_bucket)) AS columns
    FROM (SELECT * FROM job_hourly WHERE tenant_id = $1 AND hour >= utc_hour($2) AND hour < $3 ORDER BY hour) AS j`;

/** Each workflow's histogram over the whole range, summed from whole days and partial days' hours (`spans`). */
const histograms = (spans: string) => `
  SELECT coalesce(json_object_agg(workflow_id, histogram), '{}') AS histograms
    FROM (SELECT workflow_id, jsonb_object_agg(key, n) AS histogram
            FROM (SELECT r.workflow_id, e.key, sum(e.value::bigint) AS n
                    FROM (${spans}) AS r, jsonb_each_text(r.duration_counts) AS e GROUP BY 1, 2) AS sums
           GROUP BY 1) AS h`;

/** By day, the span rows as they are: each workflow's histograms are summed per day in the gateway. */
const byDay = (spans: string) => `
  SELECT coalesce(json_agg(json_build_array(${msSql("date_trunc('day', at AT TIME ZONE 'UTC')")}, workflow_id,
                                            completed, failed, cancelled, rejected, duration_counts)), '[]') AS days
    FROM (${spans}) AS r`;

/** The Analytics page's figures, from the hourly and daily rollups only (never the jobs table). */
export class AnalyticsQueries {
  constructor(private readonly dataSource: DataSource) {}

  /** The steps' and heals' statement beside the jobs' statements, each answering one row of JSON (ADR 81). */
  async analytics(
    tenantId: string,
    range: { from: Date; to: Date; bucket: AnalyticsQuery['bucket'] },
  ): Promise<Analytics> {
    const { from, to, bucket } = range;
    const figures: JobFigures = {
      throughput: new Map(
        bucketStarts(from, to, bucket).map((start) => [
          Date.parse(start),
          { at: start, completed: 0, failed: 0, cancelled: 0 },
        ]),
      ),
      totals: { completed: 0, failed: 0, cancelled: 0, rejected: 0 },
      durations: [],
    };
    const [{ steps: stepFigures, healing }] = await Promise.all([
      this.one<StepFigures>(
        `WITH s AS (SELECT date_trunc('${bucket}', hour AT TIME ZONE 'UTC') AS at, node_type, outcome,
                           error_code, steps, retries
                      FROM step_hourly WHERE tenant_id = $1 AND hour >= utc_hour($2) AND hour < $3)
         SELECT ${stepsAndHeals(bucket)}`,
        [tenantId, from, to],
      ),
      bucket === 'hour'
        ? this.jobsByHour(tenantId, from, to, figures)
        : this.jobsByDay(tenantId, from, to, figures),
    ]);

    const { totals } = figures;
    const ended = totals.completed + totals.failed;
    const { errors, ...steps } = stepFigures;
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      bucket,
      throughput: [...figures.throughput.values()].sort((a, b) => a.at.localeCompare(b.at)),
      totals: { ...totals, successRate: ended > 0 ? totals.completed / ended : null },
      durations: figures.durations.sort(
        (a, b) => b.p90Ms - a.p90Ms || a.workflowId.localeCompare(b.workflowId),
      ),
      errors: errors
        .sort((a, b) => b.failures - a.failures || a.nodeType.localeCompare(b.nodeType))
        .slice(0, 20),
      steps,
      healing,
    };
  }

  /**
   * By hour, each series point is one `job_hourly` row with its quantiles kept
   * (HourlyDurationQuantiles); each workflow's histogram over the whole range is summed in
   * PostgreSQL from whole days and partial days' hours.
   */
  private async jobsByHour(tenantId: string, from: Date, to: Date, figures: JobFigures): Promise<void> {
    const spans = spanRows(rollupSpans(from, to), () => 'workflow_id, duration_counts');
    const [{ columns }, { histograms: sums }] = await Promise.all([
      this.one<{ columns: HourColumns }>(HOUR_COLUMNS, [tenantId, from, to]),
      this.one<{ histograms: Record<string, Histogram> }>(histograms(spans.sql), [tenantId, ...spans.params]),
    ]);
    hourFigures(figures, columns, sums);
  }

  /**
   * By day, whole days come from `job_daily` and the partial days at the range's ends from
   * `job_hourly`; each workflow's histograms are summed per day here.
   */
  private async jobsByDay(tenantId: string, from: Date, to: Date, figures: JobFigures): Promise<void> {
    const spans = spanRows(
      rollupSpans(from, to),
      (column) => `${column} AS at, workflow_id, completed, failed, cancelled, rejected, duration_counts`,
    );
    dayFigures(
      figures,
      (await this.one<{ days: DayRow[] }>(byDay(spans.sql), [tenantId, ...spans.params])).days,
    );
  }

  /** A statement's one row. */
  private async one<T>(sql: string, params: unknown[]): Promise<T> {
    const [row] = (await this.dataSource.query(sql, params)) as T[];
    if (!row) throw new Error('an analytics statement answered no row');
    return row;
  }
}

/** Each workflow's series points as they are, its histogram over the range as summed. */
function hourFigures(figures: JobFigures, rows: HourColumns, histograms: Record<string, Histogram>): void {
  const perWorkflow = new Map<string, { jobs: number; series: Durations[number]['series'] }>();
  const { atMs, workflowId, completed, failed, cancelled, rejected, p50, p90, p99 } = rows;
  if (!atMs) return;
  for (let i = 0; i < atMs.length; i++) {
    const id = workflowId[i] as string;
    const ends = [completed[i], failed[i], cancelled[i], rejected[i]] as [number, number, number, number];
    const point = countEnds(figures, [atMs[i] as number, ...ends]);
    let workflow = perWorkflow.get(id);
    if (!workflow) perWorkflow.set(id, (workflow = { jobs: 0, series: [] }));
    workflow.jobs += ends[0] + ends[1];
    const [q50, q90, q99] = [p50[i], p90[i], p99[i]];
    if (q50 != null && q90 != null && q99 != null)
      workflow.series.push({
        at: point.at,
        p50Ms: bucketMs(q50),
        p90Ms: bucketMs(q90),
        p99Ms: bucketMs(q99),
      });
  }
  for (const [id, { jobs, series }] of perWorkflow)
    if (jobs > 0)
      figures.durations.push({ workflowId: id, jobs, ...percentiles(histograms[id] ?? {}), series });
}

/** Each workflow's histograms summed per day, and over the range. */
function dayFigures(figures: JobFigures, days: DayRow[]): void {
  const perWorkflow = new Map<string, { jobs: number; byBucket: Map<number, Record<string, number>> }>();
  for (const [atMs, workflowId, completed, failed, cancelled, rejected, histogram] of days) {
    countEnds(figures, [atMs, completed, failed, cancelled, rejected]);
    let workflow = perWorkflow.get(workflowId);
    if (!workflow) perWorkflow.set(workflowId, (workflow = { jobs: 0, byBucket: new Map() }));
    workflow.jobs += completed + failed;
    const inBucket = workflow.byBucket.get(atMs);
    if (inBucket) addInto(inBucket, histogram);
    else workflow.byBucket.set(atMs, histogram);
  }
  for (const [workflowId, w] of perWorkflow) {
    if (w.jobs === 0) continue;
    const all: Record<string, number> = {};
    const series = [...w.byBucket.entries()]
      .filter(([, histogram]) => !isEmpty(histogram))
      .sort(([a], [b]) => a - b)
      .map(([start, histogram]) => {
        addInto(all, histogram);
        return { at: new Date(start).toISOString(), ...percentiles(histogram) };
      });
    figures.durations.push({ workflowId, jobs: w.jobs, ...percentiles(all), series });
  }
}
