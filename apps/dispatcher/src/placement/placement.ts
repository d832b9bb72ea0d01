import type { Placement, RobotCapabilities, RobotPresence, RobotVitals } from '@aether/contracts';

/** What a workflow's nodes need from a robot, found by scanning its node types. */
export interface WorkflowNeeds {
  readonly browser: boolean;
  readonly desktop: boolean;
}

export const NO_NEEDS: WorkflowNeeds = { browser: false, desktop: false };

/** The hard constraints of one job: the union of its placement, its workflow's policy and its nodes. */
export interface Requirements {
  readonly tenantId: string;
  readonly platform?: string;
  readonly browsers: readonly string[];
  readonly desktop: boolean;
  readonly tags: readonly string[];
  readonly pool?: string;
}

/** The job's own placement wins over the workflow policy's, field by field. */
export function mergePlacement(policy: Placement | undefined, job: Placement | undefined): Placement {
  return {
    requires: { ...policy?.requires, ...job?.requires },
    ...((job?.prefers ?? policy?.prefers) ? { prefers: job?.prefers ?? policy?.prefers } : {}),
    ...((job?.affinity ?? policy?.affinity) ? { affinity: job?.affinity ?? policy?.affinity } : {}),
  };
}

export function requirementsOf(tenantId: string, placement: Placement, needs: WorkflowNeeds): Requirements {
  const requires = placement.requires ?? {};
  const browsers = new Set<string>(requires.browsers ?? []);
  if (needs.browser && browsers.size === 0) browsers.add('chromium');
  return {
    tenantId,
    ...(requires.platform ? { platform: requires.platform } : {}),
    browsers: [...browsers],
    desktop: Boolean(requires.desktop) || needs.desktop,
    tags: requires.tags ?? [],
    ...(requires.pool ? { pool: requires.pool } : {}),
  };
}

/** Hard constraints only: could this robot ever run the job (whatever its status and load)? */
export function isCapable(
  robot: Pick<RobotPresence, 'tenantId' | 'pool' | 'capabilities'>,
  needs: Requirements,
): boolean {
  const caps: RobotCapabilities = robot.capabilities;
  if (robot.tenantId !== needs.tenantId) return false;
  if (needs.pool && robot.pool !== needs.pool) return false;
  if (needs.platform && caps.platform !== needs.platform) return false;
  if (needs.desktop && !caps.desktop) return false;
  if (!needs.browsers.every((engine) => (caps.browsers as readonly string[]).includes(engine))) return false;
  return needs.tags.every((tag) => caps.tags.includes(tag));
}

/** Why no robot can run the job, for the `NoCapableRobot` rejection. */
export function describeRequirements(needs: Requirements): string {
  const parts = [
    needs.platform && `platform=${needs.platform}`,
    needs.browsers.length > 0 && `browsers=${needs.browsers.join('+')}`,
    needs.desktop && 'desktop',
    needs.tags.length > 0 && `tags=${needs.tags.join('+')}`,
    needs.pool && `pool=${needs.pool}`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'any robot';
}

/** A robot that could take a job now, with what scoring needs to know about it. */
export interface Candidate {
  readonly robotId: string;
  readonly capabilities: RobotCapabilities;
  /** Jobs the dispatcher has placed on it that have not ended. */
  readonly inFlight: number;
  readonly vitals?: RobotVitals;
  /** When the dispatcher last placed a job on it (ms); spreads ties. */
  readonly lastPlacedAt: number;
}

/**
 * Soft scoring among capable robots with a free slot: the soft-affinity robot wins outright,
 * then preferred tags, then the lower load (own slots used, then the CPU it reports), then
 * the robot that waited longest for work.
 */
export function score(candidate: Candidate, placement: Placement): number {
  let points = 0;
  if (placement.affinity?.kind === 'soft' && placement.affinity.robotId === candidate.robotId)
    points += 10_000;
  for (const tag of placement.prefers?.tags ?? [])
    if (candidate.capabilities.tags.includes(tag)) points += 100;
  points -= (candidate.inFlight / candidate.capabilities.maxConcurrentJobs) * 50;
  const cpu = candidate.vitals ? candidate.vitals.cpuPercent / Math.max(1, candidate.capabilities.cores) : 0;
  points -= Math.min(100, cpu) / 10;
  return points;
}

export function pickRobot(candidates: readonly Candidate[], placement: Placement): Candidate | undefined {
  let best: Candidate | undefined;
  let bestScore = -Infinity;
  for (const candidate of candidates) {
    const points = score(candidate, placement);
    if (
      points > bestScore ||
      (points === bestScore && best !== undefined && candidate.lastPlacedAt < best.lastPlacedAt)
    ) {
      best = candidate;
      bestScore = points;
    }
  }
  return best;
}

/**
 * Priority with aging: one level more for every `agingMs` waited, so a priority-0 job waiting
 * `20 × agingMs` outranks a fresh priority-20 one and no priority starves.
 */
export function effectivePriority(priority: number, waitedMs: number, agingMs: number): number {
  return priority + Math.max(0, Math.floor(waitedMs / agingMs));
}
