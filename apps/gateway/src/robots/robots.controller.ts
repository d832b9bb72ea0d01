import {
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  ServiceUnavailableException,
} from '@nestjs/common';
import { RequestError, type NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import {
  AggregateIdSchema,
  RobotControlReplySchema,
  RobotStatusSchema,
  RobotTagSchema,
  subjects,
  type RobotControlVerb,
  type RobotPresence,
} from '@aether/contracts';
import { NATS_CONNECTION } from '@aether/service-kit';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';
import { RobotPresenceMirror } from './robot-presence';

export const ListQuery = z
  .object({ status: RobotStatusSchema.optional(), tag: RobotTagSchema.optional() })
  .strict();

/** How long a robot has to say it took a drain or stop (it answers before it acts). */
const CONTROL_TIMEOUT_MS = 5_000;

/**
 * The fleet as the registry sees it right now: presence from the `robots` KV bucket, kept live by
 * a watch; and an operator's drain or stop of one robot, asked of its process directly.
 */
@Controller('api/v1/robots')
export class RobotsController {
  constructor(
    private readonly presence: RobotPresenceMirror,
    @Inject(NATS_CONNECTION) private readonly nc: Pick<NatsConnection, 'request'>,
  ) {}

  @Get()
  async list(@Tenant() tenantId: string, @Query() query: unknown) {
    const { status, tag } = parseOr400(ListQuery, query, 'query');
    return (await this.presence.list(tenantId))
      .filter(
        (robot) => (!status || robot.status === status) && (!tag || robot.capabilities.tags.includes(tag)),
      )
      .map(view);
  }

  @Get(':robotId')
  async show(@Tenant() tenantId: string, @Param('robotId') robotId: string) {
    const robot = await this.presence.get(tenantId, parseOr400(AggregateIdSchema, robotId, 'robotId'));
    if (!robot) throw new NotFoundException(`robot ${robotId} not found`);
    return view(robot);
  }

  /** Takes no new work, finishes what it runs, then exits. */
  @Post(':robotId/drain')
  @HttpCode(202)
  drain(@Tenant() tenantId: string, @Param('robotId') robotId: string) {
    return this.control(tenantId, robotId, 'drain');
  }

  /** Releases its jobs after their current step (another robot resumes them), then exits. */
  @Post(':robotId/stop')
  @HttpCode(202)
  stop(@Tenant() tenantId: string, @Param('robotId') robotId: string) {
    return this.control(tenantId, robotId, 'stop');
  }

  private async control(tenantId: string, robotId: string, verb: RobotControlVerb) {
    const subject = subjects.robotControl(tenantId, parseOr400(AggregateIdSchema, robotId, 'robotId'), verb);
    try {
      const reply = await this.nc.request(subject, undefined, { timeout: CONTROL_TIMEOUT_MS });
      return RobotControlReplySchema.parse(reply.json());
    } catch (error) {
      if (error instanceof RequestError && error.isNoResponders())
        throw new NotFoundException(`robot ${robotId} is not connected`);
      if (error instanceof z.ZodError)
        throw new ServiceUnavailableException(`robot ${robotId} answered nonsense`);
      throw new ServiceUnavailableException(`robot ${robotId} did not answer: ${(error as Error).message}`);
    }
  }
}

function view(robot: RobotPresence) {
  const { sessionId: _session, ...rest } = robot;
  return { ...rest, currentJobs: robot.vitals?.jobs ?? [] };
}
