import { Gauge, Histogram, type Registry } from 'prom-client';
import type { BrowserPool } from '@aether/nodes';
import type { JobProgress } from './presence/job-progress';

export interface RobotMetricsSources {
  readonly activeJobs: () => number;
  readonly browsers: Pick<BrowserPool, 'usage'>;
  readonly progress: Pick<JobProgress, 'observeSteps'>;
}

/** The robot's steps, its load and its browser pool. */
export function registerRobotMetrics(registry: Registry, sources: RobotMetricsSources): void {
  const steps = new Histogram({
    name: 'aether_step_duration_seconds',
    help: "Time a step's node handler ran, by node type and outcome",
    labelNames: ['node_type', 'outcome'],
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  sources.progress.observeSteps((nodeType, seconds, outcome) =>
    steps.observe({ node_type: nodeType, outcome }, seconds),
  );
  new Gauge({
    name: 'aether_robot_active_jobs',
    help: 'Jobs this robot is running',
    registers: [registry],
    collect() {
      this.set(sources.activeJobs());
    },
  });
  new Gauge({
    name: 'aether_browser_pool',
    help: 'Browser pool: leased contexts, their capacity, open pages and jobs waiting for a context',
    labelNames: ['figure'],
    registers: [registry],
    collect() {
      const usage = sources.browsers.usage();
      this.set({ figure: 'leases' }, usage.leases);
      this.set({ figure: 'max_jobs' }, usage.maxJobs);
      this.set({ figure: 'pages' }, usage.pages);
      this.set({ figure: 'waiting' }, usage.waiting);
    },
  });
}
