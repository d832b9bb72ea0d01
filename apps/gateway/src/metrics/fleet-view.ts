import type { RobotPresence } from '@aether/contracts';
import { ROBOT_STATES, type FleetRobot, type RobotState } from '@aether/read-api';

export function robotState(robot: RobotPresence): RobotState {
  if (robot.status === 'offline') return 'offline';
  if (robot.status === 'draining') return 'draining';
  return (robot.vitals?.jobs.length ?? 0) > 0 ? 'busy' : 'idle';
}

export function fleetRobot(robot: RobotPresence): FleetRobot {
  const { platform, browsers, desktop, maxConcurrentJobs, tags } = robot.capabilities;
  return {
    robotId: robot.robotId,
    pool: robot.pool,
    state: robotState(robot),
    currentJobs: robot.status === 'offline' ? [] : (robot.vitals?.jobs ?? []),
    capabilities: { platform, browsers, desktop, maxConcurrentJobs, tags },
    lastSeenAt: robot.lastSeenAt,
  };
}

export function countByState(robots: readonly FleetRobot[]): Record<RobotState, number> {
  const counts = Object.fromEntries(ROBOT_STATES.map((state) => [state, 0])) as Record<RobotState, number>;
  for (const robot of robots) counts[robot.state]++;
  return counts;
}
