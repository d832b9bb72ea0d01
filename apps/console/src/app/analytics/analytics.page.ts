import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { switchMap } from 'rxjs';
import { AnalyticsApi } from '../core/analytics-api';
import { polled } from '../core/polled';
import { BarChartComponent } from '../shared/charts/bar-chart.component';
import { LineChartComponent } from '../shared/charts/line-chart.component';
import { EmptyStateComponent } from '../shared/empty-state.component';
import {
  durationLines,
  errorBars,
  healingLines,
  retryLines,
  slowestBars,
  throughputLines,
} from './analytics-charts';

const RANGES = {
  day: { label: 'Last 24 hours', ms: 86_400_000, bucket: 'hour' },
  week: { label: 'Last 7 days', ms: 7 * 86_400_000, bucket: 'hour' },
  month: { label: 'Last 30 days', ms: 30 * 86_400_000, bucket: 'day' },
} as const;
type Range = keyof typeof RANGES;

/** How the work went: throughput, success, durations per workflow, errors, retries and heals. */
@Component({
  selector: 'ae-analytics-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [BarChartComponent, EmptyStateComponent, FormsModule, LineChartComponent, RouterLink],
  templateUrl: './analytics.page.html',
  styleUrl: './analytics.page.css',
})
export default class AnalyticsPage {
  private readonly api = inject(AnalyticsApi);
  protected readonly ranges = Object.entries(RANGES) as [Range, (typeof RANGES)[Range]][];
  protected readonly range = signal<Range>('week');
  protected readonly state = toSignal(
    toObservable(this.range).pipe(
      switchMap((range) =>
        polled(() => {
          const to = new Date();
          const { ms, bucket } = RANGES[range];
          return this.api.analytics({
            from: new Date(to.getTime() - ms).toISOString(),
            to: to.toISOString(),
            bucket,
          });
        }, 60_000),
      ),
    ),
  );
  protected readonly figures = computed(() => this.state()?.value);
  protected readonly chosen = signal<string | undefined>(undefined);
  /** The workflow whose durations are drawn: the one picked, else the slowest. */
  protected readonly workflow = computed(() => {
    const durations = this.figures()?.durations ?? [];
    const picked = this.chosen();
    return durations.some((d) => d.workflowId === picked) ? picked : durations[0]?.workflowId;
  });
  protected readonly ended = computed(() => {
    const totals = this.figures()?.totals;
    return totals ? totals.completed + totals.failed + totals.cancelled + totals.rejected : 0;
  });
  protected readonly throughput = computed(() => this.chart(throughputLines));
  protected readonly slowest = computed(() => this.chart(slowestBars));
  protected readonly errors = computed(() => this.chart(errorBars));
  protected readonly retries = computed(() => this.chart(retryLines));
  protected readonly healing = computed(() => this.chart(healingLines));
  protected readonly durations = computed(() => {
    const figures = this.figures();
    const workflow = this.workflow();
    return figures && workflow ? durationLines(figures, workflow) : [];
  });
  protected readonly percent = (rate: number | null) =>
    rate === null ? '—' : `${Math.round(rate * 1000) / 10} %`;

  private chart<T>(adapt: (figures: NonNullable<ReturnType<typeof this.figures>>) => T[]): T[] {
    const figures = this.figures();
    return figures ? adapt(figures) : [];
  }
}
