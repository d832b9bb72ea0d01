/** ngx-charts' data shapes, and adapters from the read API's figures to them. */
export interface BarDatum {
  readonly name: string;
  readonly value: number;
}

export interface LineSeries {
  readonly name: string;
  readonly series: readonly { readonly name: Date; readonly value: number }[];
}

/** Queue depth per priority band, highest band first, as bars labelled for people. */
export function queueDepthBars(depth: readonly { band: string; jobs: number }[]): BarDatum[] {
  return depth.map(({ band, jobs }) => ({
    name: `${band[0].toUpperCase()}${band.slice(1)} priority`,
    value: jobs,
  }));
}

/** One figure of a robot's trend point, by name; absent figures leave a gap in their line. */
interface TrendPoint {
  readonly at: string;
  readonly [figure: string]: number | string | undefined;
}

/**
 * A robot's trend as lines: one series per figure named in `figures` (label → field), points in
 * time order; a figure the robot never reported gives no series at all. Each point is the mean of
 * the bucket starting at its time, so the last one also holds until `until` (the end of its bucket
 * at most): a trend of one point draws as a segment rather than nothing.
 */
export function trendLines(
  points: readonly TrendPoint[],
  figures: Readonly<Record<string, string>>,
  until?: { readonly at: Date; readonly bucketMs: number },
): LineSeries[] {
  return Object.entries(figures)
    .map(([name, field]) => {
      const series = points
        .filter((point) => typeof point[field] === 'number')
        .map((point) => ({ name: new Date(point.at), value: point[field] as number }));
      const last = series.at(-1);
      if (last && until) {
        const end = Math.min(until.at.getTime(), last.name.getTime() + until.bucketMs);
        if (end > last.name.getTime()) series.push({ name: new Date(end), value: last.value });
      }
      return { name, series };
    })
    .filter((line) => line.series.length > 0);
}
