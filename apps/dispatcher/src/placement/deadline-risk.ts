import { JobQueue, type Queued } from './job-queue';

/** A waiting job as the deadline forecast sees it. */
export interface ForecastJob extends Queued {
  readonly workflowId: string;
}

/**
 * When each robot slot becomes free (epoch ms), for the forecast: a free slot now, a busy one when
 * its job is predicted to finish (`busyUntil`, never before now). Draining and offline robots
 * take no new work: no slots.
 */
export function slotTimes(
  robots: readonly {
    readonly robotId: string;
    readonly status: string;
    readonly capabilities: { readonly maxConcurrentJobs: number };
  }[],
  busyUntil: (robotId: string) => readonly number[],
  now: number,
): number[] {
  const slots: number[] = [];
  for (const robot of robots) {
    if (robot.status !== 'online') continue;
    const busy = busyUntil(robot.robotId).slice(0, robot.capabilities.maxConcurrentJobs);
    for (const until of busy) slots.push(Math.max(now, until));
    for (let free = busy.length; free < robot.capabilities.maxConcurrentJobs; free++) slots.push(now);
  }
  return slots;
}

export interface DeadlineForecast<T extends ForecastJob> {
  readonly job: T;
  /** When it would start and finish (epoch ms) if placed in queue order on the slots given. */
  readonly predictedStart: number;
  readonly predictedFinish: number;
}

/**
 * Plays the queue's order forward on `slots` (each robot slot's time of becoming free, epoch ms):
 * each job takes the earliest free slot and holds it for its workflow's measured duration
 * (`durationMs`, e.g. the p95 from the projection). The jobs whose predicted finish passes their
 * deadline are at risk: `JobAtRisk` lets an operator or a rule add robots before it is missed.
 * Pure: no clock, no IO.
 */
export function forecastDeadlines<T extends ForecastJob>(
  ordered: Iterable<T>,
  slots: readonly number[],
  durationMs: (job: T) => number,
): { forecasts: DeadlineForecast<T>[]; atRisk: DeadlineForecast<T>[] } {
  const free = [...slots].sort((a, b) => a - b);
  const forecasts: DeadlineForecast<T>[] = [];
  if (free.length === 0) return { forecasts, atRisk: [] };
  for (const job of ordered) {
    const predictedStart = free.shift() as number;
    const predictedFinish = predictedStart + durationMs(job);
    insertSorted(free, predictedFinish);
    forecasts.push({ job, predictedStart, predictedFinish });
  }
  const atRisk = forecasts.filter(
    ({ job, predictedFinish }) => job.deadline !== undefined && predictedFinish > job.deadline,
  );
  return { forecasts, atRisk };
}

/** Orders `jobs` as the dispatcher's queue does at `now` (band with aging, then EDF, then age). */
export function queueOrder<T extends ForecastJob>(jobs: readonly T[], now: number, agingMs: number): T[] {
  const queue = new JobQueue<T>();
  for (const job of jobs) queue.add(job);
  return [...queue.inOrder(now, agingMs)];
}

/** Strict priority then age, deadlines ignored: what the queue did before deadlines were inputs. */
export function strictPriorityOrder<T extends ForecastJob>(jobs: readonly T[]): T[] {
  return [...jobs].sort((a, b) => b.priority - a.priority || a.enqueuedAt - b.enqueuedAt);
}

/** Share of the jobs with a deadline that finish by it, in %, when run in `order` on `slots`. */
export function deadlineHitPct<T extends ForecastJob>(
  order: readonly T[],
  slots: readonly number[],
  durationMs: (job: T) => number,
): number {
  const { forecasts, atRisk } = forecastDeadlines(order, slots, durationMs);
  const withDeadline = forecasts.filter(({ job }) => job.deadline !== undefined).length;
  return withDeadline === 0 ? 100 : (100 * (withDeadline - atRisk.length)) / withDeadline;
}

function insertSorted(values: number[], value: number): void {
  let at = values.findIndex((existing) => existing > value);
  if (at < 0) at = values.length;
  values.splice(at, 0, value);
}
