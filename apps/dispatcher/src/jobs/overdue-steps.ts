import type { RobotPresence } from '@aether/contracts';

/** A running step a heartbeat reports past its limit plus the grace: its robot's watchdog did not act. */
export interface OverdueStep {
  readonly tenantId: string;
  readonly robotId: string;
  readonly jobId: string;
  readonly stepKey: string;
  readonly nodeType: string;
  readonly elapsedMs: number;
  readonly limitMs: number;
  readonly idempotent: boolean;
}

/**
 * The steps online robots report running longer than their limit plus `graceMs` (ADR 61). A
 * robot's own watchdog acts at the limit; one still reporting the step `graceMs` later is stuck
 * in its teardown or its commit, and a service must act for it. A step reported without a limit
 * or idempotency (robots before issue 26) is left alone; so is an offline robot (failover moves
 * its jobs).
 */
export function overdueSteps(robots: readonly RobotPresence[], now: number, graceMs: number): OverdueStep[] {
  const overdue: OverdueStep[] = [];
  for (const robot of robots) {
    if (robot.status === 'offline') continue;
    for (const job of robot.vitals?.jobs ?? []) {
      const step = job.step;
      if (step?.limitMs === undefined || step.idempotent === undefined) continue;
      const elapsedMs = now - Date.parse(step.startedAt);
      if (elapsedMs <= step.limitMs + graceMs) continue;
      overdue.push({
        tenantId: robot.tenantId,
        robotId: robot.robotId,
        jobId: job.jobId,
        stepKey: step.key,
        nodeType: step.nodeType,
        elapsedMs,
        limitMs: step.limitMs,
        idempotent: step.idempotent,
      });
    }
  }
  return overdue;
}
