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

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });
const CLOCK = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const CLOCK_SECONDS = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
const FIGURE = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });

/**
 * A time axis tick in the viewer's zone, on the 24-hour clock every other time in the console
 * uses: `20:05`, and the date alone at midnight (`7 Dec`). ngx-charts' default is d3's 12-hour
 * `08:05` and `08 PM`. A time within a minute keeps its seconds (`20:05:30`): a robot registered a
 * minute ago has a trend whose every tick would otherwise read the same minute.
 */
export function timeTick(value: Date | string | number): string {
  const at = new Date(value);
  if (at.getSeconds() !== 0) return CLOCK_SECONDS.format(at);
  const midnight = at.getHours() === 0 && at.getMinutes() === 0;
  return midnight ? DAY.format(at) : CLOCK.format(at);
}

/** A value axis tick without padding zeros: `0`, `0.5`, `20,000` (d3 writes `0.000000` for an all-zero line). */
export function figureTick(value: number | string): string {
  return FIGURE.format(Number(value));
}

/**
 * Whole-number ticks from 0 to at least `max` (1 when nothing was counted), at most five: a
 * count of jobs or steps has no half.
 */
export function countTicks(max: number): number[] {
  const step = Math.max(1, Math.ceil(max / 4));
  const top = Math.max(step, Math.ceil(max / step) * step);
  return Array.from({ length: top / step + 1 }, (_, index) => index * step);
}

const WHOLE = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const TENTHS = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });

/**
 * A chart's figure for people (legend, tooltip, screen-reader text), as its axis writes numbers:
 * three significant digits at most and whole from 100 up (`18,714`, `28.9`, `1.25`, the means a
 * trend holds are not `18714.4`), and the unit after a space (`18,714 MiB`, `12.3 %`).
 */
export function figure(value: number, unit = ''): string {
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? WHOLE : magnitude >= 10 ? TENTHS : FIGURE;
  return unit ? `${digits.format(value)} ${unit}` : digits.format(value);
}
