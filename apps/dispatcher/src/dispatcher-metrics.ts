import { Gauge, type Registry } from 'prom-client';

interface DispatcherStats {
  readonly ready: boolean;
  readonly queuedByBand: Readonly<Record<string, number>>;
  readonly phases: Record<string, number>;
  readonly withoutCapableRobot: number;
}

/** The dispatcher's view of open work, read at each scrape. */
export function registerDispatcherMetrics(
  registry: Registry,
  stats: () => DispatcherStats | undefined,
): void {
  new Gauge({
    name: 'aether_dispatcher_jobs',
    help: 'Open jobs the dispatcher tracks, by phase (waiting: for a capable robot or a retry time)',
    labelNames: ['phase'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [phase, count] of Object.entries(stats()?.phases ?? {})) this.set({ phase }, count);
    },
  });
  new Gauge({
    name: 'aether_dispatcher_queue_depth',
    help: 'Jobs queued for placement, by priority band (high 14–20, normal 7–13, low 0–6)',
    labelNames: ['band'],
    registers: [registry],
    collect() {
      for (const [band, count] of Object.entries(stats()?.queuedByBand ?? {})) this.set({ band }, count);
    },
  });
  new Gauge({
    name: 'aether_dispatcher_jobs_without_capable_robot',
    help: 'Queued jobs no robot of the fleet can run (rejected once the grace period passes)',
    registers: [registry],
    collect() {
      this.set(stats()?.withoutCapableRobot ?? 0);
    },
  });
  new Gauge({
    name: 'aether_dispatcher_ready',
    help: '1 once the dispatcher has caught up with the job events and decides',
    registers: [registry],
    collect() {
      this.set(stats()?.ready ? 1 : 0);
    },
  });
}
