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
