import type { DispatchPolicy, Placement, RobotPresence } from '@aether/contracts';
import type { JobTracker, TrackedJob } from '../jobs/job-tracker';
import {
  isCapable,
  mergePlacement,
  NO_NEEDS,
  pickRobot,
  requirementsOf,
  type Candidate,
  type Requirements,
} from './placement';

/** A placement round's view of the world besides the tracked jobs. */
export interface RoundContext {
  readonly tracker: JobTracker;
  readonly robots: readonly RobotPresence[];
  readonly now: number;
  readonly agingMs: number;
  /** Work messages a robot may hold beyond its `maxConcurrentJobs`. */
  readonly prefetch: number;
  /** Robots whose queue is being purged: no placement on them meanwhile. */
  readonly failingOver: ReadonlySet<string>;
  policy(tenantId: string, workflowId: string): DispatchPolicy | undefined;
  /** The robot a session is bound to (with the binding's revision), if any. */
  session(tenantId: string, key: string): { robotId: string; revision: number } | undefined;
  /** When each robot was last given a job (spreads ties); a round writes it. */
  readonly lastPlacedAt: Map<string, number>;
  /** Session bindings chosen and not yet stored, `<tenant>.<key>` → robot; a round writes it. */
  readonly sessionsInFlight: Map<string, string>;
}

/** A job to place on a robot; `binding`: a session affinity to bind to it first (compare-and-set). */
export interface PlacementChoice {
  readonly job: TrackedJob;
  readonly robotId: string;
  readonly binding?: { readonly key: string; readonly revision?: number };
}

/** Jobs one round looks at before it yields to the event loop (and asks for another round). */
const SCAN_LIMIT = 20_000;

/**
 * One placement round over the robots with a free slot and the jobs waiting, in queue order
 * (priority with aging): hard constraints and affinity filter, soft scoring picks, workflow
 * limits hold back. Each choice takes its robot's slot in `tracker` at once, so the rest of the
 * round sees it. `more`: the round stopped at its scan limit with jobs left to look at.
 */
export function placementRound(context: RoundContext): { choices: PlacementChoice[]; more: boolean } {
  const { tracker, now } = context;
  const free = new Map<string, { robot: RobotPresence; slots: number }>();
  for (const robot of context.robots) {
    if (robot.status !== 'online' || context.failingOver.has(robot.robotId)) continue;
    const slots = robot.capabilities.maxConcurrentJobs + context.prefetch - tracker.inFlight(robot.robotId);
    if (slots > 0) free.set(robot.robotId, { robot, slots });
  }
  const choices: PlacementChoice[] = [];
  if (free.size === 0 || tracker.queue.size === 0) return { choices, more: false };
  let scanned = 0;
  for (const job of tracker.queue.inOrder(now, context.agingMs)) {
    if (++scanned > SCAN_LIMIT) return { choices, more: true };
    if (job.busy || job.stale || job.cancelRequested || !job.needs) continue;
    const limit = context.policy(job.tenantId, job.workflowId)?.maxConcurrentJobs;
    if (limit !== undefined && tracker.runningOf(job.tenantId, job.workflowId) >= limit) continue;
    const placement = placementOf(job, context.policy);
    const requirements = requirementsFor(job, placement);
    let eligible = [...free.values()].filter(
      ({ robot }) => robot.robotId !== job.avoid && isCapable(robot, requirements),
    );
    let binding: PlacementChoice['binding'];
    const affinity = placement.affinity;
    if (affinity?.kind === 'hard') {
      eligible = eligible.filter(({ robot }) => robot.robotId === affinity.robotId);
    } else if (affinity?.kind === 'session') {
      const bound = boundRobot(context, job.tenantId, affinity.key);
      if (bound.robotId && isOnline(context.robots, bound.robotId)) {
        eligible = eligible.filter(({ robot }) => robot.robotId === bound.robotId);
      } else {
        binding = {
          key: affinity.key,
          ...(bound.revision !== undefined ? { revision: bound.revision } : {}),
        };
      }
    }
    if (eligible.length === 0) continue;
    const chosen = pickRobot(
      eligible.map(({ robot }) => candidate(context, robot)),
      placement,
    );
    if (!chosen) continue;
    const slot = free.get(chosen.robotId);
    if (slot && --slot.slots <= 0) free.delete(chosen.robotId);
    if (binding) context.sessionsInFlight.set(`${job.tenantId}.${binding.key}`, chosen.robotId);
    tracker.placing(job, chosen.robotId);
    context.lastPlacedAt.set(chosen.robotId, now);
    choices.push({ job, robotId: chosen.robotId, ...(binding ? { binding } : {}) });
    if (free.size === 0) break;
  }
  return { choices, more: false };
}

/**
 * Waiting jobs that no registered robot could ever run (hard constraints and hard affinity,
 * whatever the robots' status and load): rejected as `NoCapableRobot` once their grace is over.
 */
export function incapableJobs(
  context: Pick<RoundContext, 'tracker' | 'robots' | 'now' | 'agingMs' | 'policy'>,
): { job: TrackedJob; requirements: Requirements; placement: Placement }[] {
  const found: { job: TrackedJob; requirements: Requirements; placement: Placement }[] = [];
  for (const job of context.tracker.queue.inOrder(context.now, context.agingMs)) {
    if (job.busy || job.stale || !job.needs) continue;
    const placement = placementOf(job, context.policy);
    const requirements = requirementsFor(job, placement);
    const capable = context.robots.some(
      (robot) =>
        isCapable(robot, requirements) &&
        (placement.affinity?.kind !== 'hard' || placement.affinity.robotId === robot.robotId),
    );
    if (!capable) found.push({ job, requirements, placement });
  }
  return found;
}

/** The job's own placement merged over its workflow's dispatch policy. */
export function placementOf(job: TrackedJob, policy: RoundContext['policy']): Placement {
  return mergePlacement(policy(job.tenantId, job.workflowId)?.placement, job.placement);
}

function requirementsFor(job: TrackedJob, placement: Placement): Requirements {
  return requirementsOf(job.tenantId, placement, job.needs ?? NO_NEEDS);
}

function boundRobot(
  context: RoundContext,
  tenantId: string,
  key: string,
): { robotId?: string; revision?: number } {
  const inFlight = context.sessionsInFlight.get(`${tenantId}.${key}`);
  if (inFlight) return { robotId: inFlight };
  return context.session(tenantId, key) ?? {};
}

function isOnline(robots: readonly RobotPresence[], robotId: string): boolean {
  return robots.some((robot) => robot.robotId === robotId && robot.status !== 'offline');
}

function candidate(context: RoundContext, robot: RobotPresence): Candidate {
  return {
    robotId: robot.robotId,
    capabilities: robot.capabilities,
    inFlight: context.tracker.inFlight(robot.robotId),
    ...(robot.vitals ? { vitals: robot.vitals } : {}),
    lastPlacedAt: context.lastPlacedAt.get(robot.robotId) ?? 0,
  };
}
