import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  Query,
} from '@nestjs/common';
import { AggregateIdSchema, QueueNameSchema, VITALS_TREND } from '@aether/contracts';
import {
  AnalyticsQuerySchema,
  AnalyticsSchema,
  type Analytics,
  FleetMetricsSchema,
  RobotMetricsSchema,
  type RobotMetrics,
  JobsPageSchema,
  JobsQuerySchema,
  QueueItemListSchema,
  QueueItemsQuerySchema,
  QueueMetricsSchema,
  type FleetMetrics,
  type JobsPage,
  type QueueItemList,
  type QueueMetrics,
} from '@aether/read-api';
import { InvalidCursorError, type MetricsQueries, type QueueQueries } from '@aether/read-model';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';
import { METRICS, QUEUE_METRICS } from '../common/tokens';
import { RobotPresenceMirror } from '../robots/robot-presence';
import { RobotVitalsTrends } from '../robots/robot-vitals';
import { countByState, fleetRobot, robotDetail } from './fleet-view';

/** The console's aggregate reads: rollups the projector keeps, and robot presence from KV. */
@Controller('api/v1/metrics')
export class MetricsController {
  constructor(
    @Inject(METRICS) private readonly metrics: MetricsQueries,
    @Inject(QUEUE_METRICS) private readonly queueMetrics: QueueQueries,
    private readonly presence: RobotPresenceMirror,
    private readonly trends: RobotVitalsTrends,
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
      queueDepthHistory: jobs.queueDepthHistory,
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

  /** The Robot page: presence, the last heartbeat's figures, the 24-hour trend and its latest jobs. */
  @Get('robots/:robotId')
  async robot(@Tenant() tenantId: string, @Param('robotId') robotId: string): Promise<RobotMetrics> {
    const id = parseOr400(AggregateIdSchema, robotId, 'robotId');
    const robot = await this.presence.get(tenantId, id);
    if (!robot) throw new NotFoundException(`robot ${robotId} not found`);
    const [trend, jobs] = await Promise.all([
      this.trends.points(tenantId, id),
      this.metrics.jobs(tenantId, JobsQuerySchema.parse({ robotId: id, limit: 20 })),
    ]);
    return RobotMetricsSchema.parse({
      at: new Date().toISOString(),
      ...robotDetail(robot),
      trend,
      trendBucketMs: VITALS_TREND.bucketMs,
      recentJobs: jobs.items,
    });
  }

  /** The Queues page: every work queue's items per status, deadline flags and SLA; flagged jobs. */
  @Get('queues')
  async queues(@Tenant() tenantId: string): Promise<QueueMetrics> {
    const [queues, jobs] = await Promise.all([
      this.queueMetrics.queues(tenantId),
      this.queueMetrics.jobDeadlines(tenantId),
    ]);
    return QueueMetricsSchema.parse({ at: new Date().toISOString(), queues, jobs });
  }

  @Get('queues/:queue/items')
  async queueItems(
    @Tenant() tenantId: string,
    @Param('queue') queue: string,
    @Query() query: unknown,
  ): Promise<QueueItemList> {
    const name = parseOr400(QueueNameSchema, queue, 'queue');
    const parsed = parseOr400(QueueItemsQuerySchema, query, 'query');
    if (!(await this.queueMetrics.queueExists(tenantId, name)))
      throw new NotFoundException(`queue ${name} not found`);
    return QueueItemListSchema.parse({
      queue: name,
      items: await this.queueMetrics.items(tenantId, name, parsed),
    });
  }

  /** The Analytics page: throughput, success, durations, errors, retries and heals over a range. */
  @Get('analytics')
  async analytics(@Tenant() tenantId: string, @Query() query: unknown): Promise<Analytics> {
    const { from, to, bucket } = parseOr400(AnalyticsQuerySchema, query, 'query');
    const end = to ? new Date(to) : new Date();
    const start = from ? new Date(from) : new Date(end.getTime() - 7 * DAY_MS);
    if (start >= end || end.getTime() - start.getTime() > 93 * DAY_MS)
      throw new BadRequestException({
        problems: [{ path: 'query.from', message: 'from must be before to, at most 93 days apart' }],
      });
    return AnalyticsSchema.parse(await this.metrics.analytics(tenantId, { from: start, to: end, bucket }));
  }
}

const DAY_MS = 86_400_000;
