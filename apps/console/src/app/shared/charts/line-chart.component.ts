import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { LineChartModule, ScaleType, type Color } from '@swimlane/ngx-charts';
import { countTicks, figure, figureTick, timeTick, type LineSeries } from './chart-data';

const COLOURS = ['#2f5fc4', '#c2410c', '#1f7a4a', '#7c3aed', '#64748b'];
const SCHEME: Color = { name: 'aether-lines', selectable: false, group: ScaleType.Ordinal, domain: COLOURS };

/**
 * Lines over time (ngx-charts); the legend is ours, in the page's colours, with each line's latest
 * figure, and the whole also as text for screen readers. Legend, tooltips and that text write
 * figures as the axis does (ngx-charts' tooltips would write `18,714.4` and a 12-hour date).
 */
@Component({
  selector: 'ae-line-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [LineChartModule],
  template: `
    <figure>
      <figcaption>{{ label() }}</figcaption>
      <div class="chart" role="img" [attr.aria-label]="label() + ': ' + summary()">
        <ngx-charts-line-chart
          [results]="mutable()"
          [scheme]="scheme"
          [xAxis]="true"
          [yAxis]="true"
          [yAxisLabel]="unit()"
          [showYAxisLabel]="!!unit()"
          [animations]="false"
          [autoScale]="false"
          [xAxisTickFormatting]="timeTick"
          [yAxisTickFormatting]="figureTick"
          [yAxisTicks]="$any(yTicks())"
          [yScaleMax]="$any(yTicks()?.at(-1))"
        >
          <ng-template #seriesTooltipTemplate let-model="model">
            <div class="tip">
              <div>{{ timeTick(model[0]?.name) }}</div>
              @for (item of model; track item.series) {
                <div>
                  <span class="swatch" [style.background]="item.color"></span>{{ item.series }}
                  <strong>{{ shown(item.value) }}</strong>
                </div>
              }
            </div>
          </ng-template>
          <ng-template #tooltipTemplate let-model="model">
            <div class="tip">
              {{ model.series }} · {{ timeTick(model.name) }} <strong>{{ shown(model.value) }}</strong>
            </div>
          </ng-template>
        </ngx-charts-line-chart>
      </div>
      <ul class="legend" aria-hidden="true">
        @for (line of data(); track line.name; let i = $index) {
          <li>
            <span class="swatch" [style.background]="colours[i % colours.length]"></span>{{ line.name }}
            <strong>{{ shown(line.series.at(-1)?.value) }}</strong>
          </li>
        }
      </ul>
    </figure>
  `,
  styles: `
    figure {
      margin: 0;
    }
    figcaption {
      font-weight: 600;
      font-size: 0.9rem;
    }
    .chart {
      height: 180px;
    }
    .legend {
      list-style: none;
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem 1rem;
      padding: 0;
      margin: 0.25rem 0 0;
      font-size: 0.85rem;
    }
    .tip {
      text-align: left;
      padding: 0.15rem 0;
    }
    .swatch {
      display: inline-block;
      width: 0.7rem;
      height: 0.7rem;
      border-radius: 2px;
      margin-right: 0.35rem;
    }
  `,
})
export class LineChartComponent {
  readonly data = input.required<LineSeries[]>();
  readonly label = input.required<string>();
  readonly unit = input('');
  /** The lines count things (jobs, steps): whole-number ticks only. Unset ticks (`undefined`) are ngx-charts' own. */
  readonly counts = input(false);
  protected readonly scheme = SCHEME;
  protected readonly timeTick = timeTick;
  protected readonly figureTick = figureTick;
  protected readonly yTicks = computed(() =>
    this.counts()
      ? countTicks(Math.max(0, ...this.data().flatMap((line) => line.series.map((point) => point.value))))
      : undefined,
  );
  protected readonly colours = COLOURS;
  // ngx-charts' input types are mutable arrays; ours are read-only.
  protected readonly mutable = computed(() =>
    this.data().map((line) => ({ name: line.name, series: line.series.map((p) => ({ ...p })) })),
  );
  protected summary(): string {
    return this.data()
      .map((line) => `${line.name} latest ${this.shown(line.series.at(-1)?.value)}`)
      .join(', ');
  }
  /** A figure with the chart's unit; a count's unit is the axis label's alone (`Completed 4`, not `4 jobs`). */
  protected shown(value: number | undefined): string {
    return value === undefined ? '—' : figure(value, this.counts() ? '' : this.unit());
  }
}
