import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { AggregateIdSchema, RobotStatusSchema, RobotTagSchema, type RobotPresence } from '@aether/contracts';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';
import { RobotPresenceMirror } from './robot-presence';

export const ListQuery = z
  .object({ status: RobotStatusSchema.optional(), tag: RobotTagSchema.optional() })
  .strict();

/** The fleet as the registry sees it right now: presence from the `robots` KV bucket, kept live by a watch. */
@Controller('api/v1/robots')
export class RobotsController {
  constructor(private readonly presence: RobotPresenceMirror) {}

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
}

function view(robot: RobotPresence) {
  const { sessionId: _session, ...rest } = robot;
  return { ...rest, currentJobs: robot.vitals?.jobs ?? [] };
}
