import { Controller, Get, Inject } from '@nestjs/common';
import { FleetMetricsSchema, type FleetMetrics } from '@aether/read-api';
import type { MetricsQueries } from '@aether/read-model';
import { Tenant } from '../common/tenant';
import { METRICS } from '../common/tokens';
import { RobotPresenceMirror } from '../robots/robot-presence';
import { countByState, fleetRobot } from './fleet-view';

/** The console's aggregate reads: rollups the projector keeps, and robot presence from KV. */
@Controller('api/v1/metrics')
export class MetricsController {
  constructor(
    @Inject(METRICS) private readonly metrics: MetricsQueries,
    private readonly presence: RobotPresenceMirror,
  ) {}

  @Get('fleet')
  async fleet(@Tenant() tenantId: string): Promise<FleetMetrics> {
    const [robots, jobs] = await Promise.all([
      this.presence.list(tenantId),
      this.metrics.fleetJobs(tenantId),
    ]);
    const fleet = robots.map(fleetRobot);
    return FleetMetricsSchema.parse({
      at: new Date().toISOString(),
      robots: fleet,
      robotsByState: countByState(fleet),
      jobsByStatus: jobs.byStatus,
      queueDepth: jobs.queueDepth,
      deadLetters: jobs.deadLetters,
      needsAttention: jobs.needsAttention,
      activeJobs: jobs.activeJobs,
    });
  }
}
