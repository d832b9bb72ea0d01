import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { BarChartModule, ScaleType, type Color } from '@swimlane/ngx-charts';
import { figure, figureTick, type BarDatum } from './chart-data';

const SCHEME: Color = {
  name: 'aether',
  selectable: false,
  group: ScaleType.Ordinal,
  domain: ['#c2410c', '#2f5fc4', '#64748b', '#1f7a4a'],
};

/** Horizontal bars (ngx-charts), their figures rounded as the axis's, also as text for screen readers. */
@Component({
  selector: 'ae-bar-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [BarChartModule],
  template: `
    <div class="chart" role="img" [attr.aria-label]="label() + ': ' + summary()">
      <ngx-charts-bar-horizontal
        [results]="data()"
        [scheme]="scheme"
        [xAxis]="true"
        [yAxis]="true"
        [showDataLabel]="true"
        [animations]="false"
        [roundDomains]="true"
        [dataLabelFormatting]="figure"
        [xAxisTickFormatting]="figureTick"
      />
    </div>
  `,
  styles: `
    .chart {
      height: 160px;
    }
  `,
})
export class BarChartComponent {
  readonly data = input.required<BarDatum[]>();
  readonly label = input.required<string>();
  protected readonly scheme = SCHEME;
  protected readonly figure = (value: number) => figure(value);
  protected readonly figureTick = figureTick;
  protected summary(): string {
    return this.data()
      .map((d) => `${d.name} ${figure(d.value)}`)
      .join(', ');
  }
}
