import type { RobotPresence } from '@aether/contracts';
import { ROBOT_STATES, type FleetRobot, type RobotMetrics, type RobotState } from '@aether/read-api';

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

/** What the Robot page shows of a presence record (never its session id). */
export function robotDetail(robot: RobotPresence): Pick<RobotMetrics, 'robot' | 'vitals'> {
  const { vitals } = robot;
  return {
    robot: {
      ...fleetRobot(robot),
      status: robot.status,
      ...(robot.hostname ? { hostname: robot.hostname } : {}),
      ...(robot.agentVersion ? { agentVersion: robot.agentVersion } : {}),
      cores: robot.capabilities.cores,
      memoryMb: robot.capabilities.memoryMb,
      ...(robot.heartbeatMs ? { heartbeatMs: robot.heartbeatMs } : {}),
      registeredAt: robot.registeredAt,
      ...(robot.offlineAt ? { offlineAt: robot.offlineAt } : {}),
    },
    ...(vitals
      ? {
          vitals: {
            cpuPercent: vitals.cpuPercent,
            hostCpuPercent: vitals.hostCpuPercent,
            loadAverage: vitals.loadAverage,
            rssMb: vitals.rssMb,
            freeMemoryMb: vitals.freeMemoryMb,
            browserRssMb: vitals.browserRssMb,
            diskFreeMb: vitals.diskFreeMb,
            pools: Object.entries(vitals.resources).map(([name, { used, size }]) => ({ name, used, size })),
          },
        }
      : {}),
  };
}
