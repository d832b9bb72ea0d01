import { BadRequestException, Controller, Get, Inject, Query } from '@nestjs/common';
import {
  FleetMetricsSchema,
  JobsPageSchema,
  JobsQuerySchema,
  type FleetMetrics,
  type JobsPage,
} from '@aether/read-api';
import { InvalidCursorError, type MetricsQueries } from '@aether/read-model';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';
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

  /** The Jobs page: one page of the tenant's jobs, filtered and sorted, by cursor. */
  @Get('jobs')
  async jobs(@Tenant() tenantId: string, @Query() query: unknown): Promise<JobsPage> {
    const parsed = parseOr400(JobsQuerySchema, query, 'query');
    try {
      return JobsPageSchema.parse(await this.metrics.jobs(tenantId, parsed));
    } catch (error) {
      if (error instanceof InvalidCursorError)
        throw new BadRequestException({ problems: [{ path: 'query.cursor', message: error.message }] });
      throw error;
    }
  }
}
