import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BrowserPool } from '@aether/nodes';
import type { StepHealing } from './healing/step-healing';
import type { WorkLoop } from './jobs/work-loop';
import type { JobProgress } from './presence/job-progress';

export interface RobotMetricsSources {
  readonly activeJobs: () => number;
  /** Jobs it runs at once at most: utilisation is active jobs over this. */
  readonly jobSlots: number;
  readonly browsers: Pick<BrowserPool, 'usage'>;
  readonly progress: Pick<JobProgress, 'observeSteps'>;
  readonly claims: Pick<WorkLoop, 'observeClaims'>;
  readonly healing: Pick<StepHealing, 'observe'>;
}

/** The robot's claims, steps, heals, its load and its browser pool. */
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
  const claims = new Counter({
    name: 'aether_robot_claims_total',
    help:
      "Claims of a job's work message by how they ended (fenced: another holder's commit came first) and delivery " +
      '(redelivered: an earlier lease on it lapsed or was given back)',
    labelNames: ['outcome', 'delivery'],
    registers: [registry],
  });
  sources.claims.observeClaims((outcome, delivery) =>
    claims.inc({ outcome, delivery: delivery > 1 ? 'redelivered' : 'first' }),
  );
  const heals = new Counter({
    name: 'aether_healing_attempts_total',
    help: 'Heal attempts of broken selectors by outcome and by the tier that healed (none when nothing healed)',
    labelNames: ['outcome', 'tier'],
    registers: [registry],
  });
  sources.healing.observe((outcome, tier) =>
    heals.inc({ outcome, tier: tier === undefined ? 'none' : String(tier) }),
  );
  new Gauge({
    name: 'aether_robot_job_slots',
    help: 'Jobs this robot runs at once at most (utilisation: aether_robot_active_jobs over this)',
    registers: [registry],
    collect() {
      this.set(sources.jobSlots);
    },
  });
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
