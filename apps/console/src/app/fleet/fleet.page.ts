import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import type { FleetMetrics } from '@aether/read-api';
import { EMPTY, auditTime, catchError } from 'rxjs';
import { FleetApi } from '../core/fleet-api';
import { LiveFeed } from '../core/live-feed';
import { polled } from '../core/polled';
import { BarChartComponent } from '../shared/charts/bar-chart.component';
import { queueDepthBars, trendLines } from '../shared/charts/chart-data';
import { LineChartComponent } from '../shared/charts/line-chart.component';
import { EmptyStateComponent } from '../shared/empty-state.component';
import { StatusBadgeComponent } from '../shared/status-badge.component';
import { TimeComponent } from '../shared/time.component';
import { fleetTiles } from './fleet-tiles';
import { JobIdPipe } from '../shared/job-id.pipe';

/** The fleet at a glance: robots, what they run, what waits, what needs a person. */
@Component({
  selector: 'ae-fleet-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    BarChartComponent,
    EmptyStateComponent,
    JobIdPipe,
    LineChartComponent,
    RouterLink,
    StatusBadgeComponent,
    TimeComponent,
  ],
  templateUrl: './fleet.page.html',
  styleUrl: './fleet.page.css',
})
export default class FleetPage {
  private readonly api = inject(FleetApi);
  // Robots and the queue change with events (read again at once); heartbeats only by the clock.
  private readonly changes = inject(LiveFeed)
    .watch({ channels: ['robots', 'queue'] })
    .pipe(
      catchError(() => EMPTY),
      auditTime(250),
    );
  protected readonly state = toSignal(polled(() => this.api.fleet(), 5000, this.changes));
  protected readonly fleet = computed<FleetMetrics | undefined>(() => this.state()?.value);
  protected readonly tiles = computed(() => {
    const fleet = this.fleet();
    return fleet ? fleetTiles(fleet) : [];
  });
  protected readonly depth = computed(() => queueDepthBars(this.fleet()?.queueDepth ?? []));
  protected readonly waiting = computed(() => this.depth().reduce((sum, bar) => sum + bar.value, 0));
  protected readonly depthLines = computed(() =>
    trendLines(this.fleet()?.queueDepthHistory ?? [], { High: 'high', Normal: 'normal', Low: 'low' }),
  );
  protected readonly waitedThisHour = computed(
    () =>
      this.waiting() > 0 ||
      (this.fleet()?.queueDepthHistory ?? []).some((p) => p.high + p.normal + p.low > 0),
  );
}
