import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { EMPTY, auditTime, catchError, filter, switchMap } from 'rxjs';
import { LiveFeed } from '../core/live-feed';
import { polled } from '../core/polled';
import { RobotsApi } from '../core/robots-api';
import { LineChartComponent } from '../shared/charts/line-chart.component';
import { figure, trendLines } from '../shared/charts/chart-data';
import { EmptyStateComponent } from '../shared/empty-state.component';
import { StatusBadgeComponent } from '../shared/status-badge.component';
import { TimeComponent } from '../shared/time.component';
import { duration } from '../shared/time-format';
import { JobIdPipe } from '../shared/job-id.pipe';

const CPU = { 'Host CPU': 'hostCpuPercent', 'Robot CPU': 'cpuPercent' };
const MEMORY = { 'Free memory': 'freeMemoryMb', Robot: 'rssMb', Browsers: 'browserRssMb' };

/** One robot: its host, what it can do, what it runs, its last 24 hours and its latest jobs. */
@Component({
  selector: 'ae-robot-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    EmptyStateComponent,
    JobIdPipe,
    LineChartComponent,
    RouterLink,
    StatusBadgeComponent,
    TimeComponent,
  ],
  templateUrl: './robot.page.html',
  styleUrl: './robot.page.css',
})
export default class RobotPage {
  /** From the route. */
  readonly robotId = input.required<string>();
  private readonly api = inject(RobotsApi);
  private readonly live = inject(LiveFeed);
  protected readonly duration = duration;
  /** A vital as the charts' legends write it (`21,562 MiB`), a dash when the robot did not report it. */
  protected readonly now = (value: number | null | undefined, unit = ''): string =>
    value === null || value === undefined ? '—' : figure(value, unit);

  // Presence changes come as robot events (read again at once); heartbeats only by the clock.
  protected readonly state = toSignal(
    toObservable(this.robotId).pipe(
      switchMap((robotId) =>
        polled(
          () => this.api.robot(robotId),
          10_000,
          this.live.watch({ channels: ['robots'] }).pipe(
            filter((frame) => frame.event === 'robot' && frame.data.robotId === robotId),
            catchError(() => EMPTY),
            auditTime(250),
          ),
        ),
      ),
    ),
  );
  protected readonly metrics = computed(() => this.state()?.value);
  protected readonly cpu = computed(() => this.lines(CPU));
  protected readonly memory = computed(() => this.lines(MEMORY));
  protected readonly load = computed(() => this.lines({ 'Load (1 min)': 'loadAverage' }));

  private lines(figures: Record<string, string>) {
    const metrics = this.metrics();
    if (!metrics) return [];
    return trendLines(metrics.trend, figures, { at: new Date(metrics.at), bucketMs: metrics.trendBucketMs });
  }
}
