import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import {
  AggregateIdSchema,
  KV_BUCKETS,
  RobotPresenceSchema,
  RobotStatusSchema,
  RobotTagSchema,
  type RobotPresence,
} from '@aether/contracts';
import { KvMirror, onReconnect, openBucket } from '@aether/kv-state';
import { NATS_CONNECTION } from '@aether/service-kit';
import { Tenant } from '../common/tenant';
import { parseOr400 } from '../common/validation';

const ListQuery = z.object({ status: RobotStatusSchema.optional(), tag: RobotTagSchema.optional() }).strict();

/** The fleet as the registry sees it right now: presence from the `robots` KV bucket, kept live by a watch. */
@Controller('api/v1/robots')
export class RobotsController {
  private presence?: Promise<KvMirror<RobotPresence>>;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  @Get()
  async list(@Tenant() tenantId: string, @Query() query: unknown) {
    const { status, tag } = parseOr400(ListQuery, query, 'query');
    return (await this.robots())
      .values()
      .filter(
        (robot) =>
          robot.tenantId === tenantId &&
          (!status || robot.status === status) &&
          (!tag || robot.capabilities.tags.includes(tag)),
      )
      .sort((a, b) => a.robotId.localeCompare(b.robotId))
      .map(view);
  }

  @Get(':robotId')
  async show(@Tenant() tenantId: string, @Param('robotId') robotId: string) {
    const robot = (await this.robots()).get(
      `${tenantId}.${parseOr400(AggregateIdSchema, robotId, 'robotId')}`,
    );
    if (!robot) throw new NotFoundException(`robot ${robotId} not found`);
    return view(robot);
  }

  private robots(): Promise<KvMirror<RobotPresence>> {
    this.presence ??= openBucket(this.nc, KV_BUCKETS.robots).then(async (kv) => {
      const mirror = await KvMirror.start(kv, {
        parse: (value) => RobotPresenceSchema.safeParse(value).data,
      });
      onReconnect(this.nc, () => void mirror.restart().catch(() => (this.presence = undefined)));
      return mirror;
    });
    this.presence.catch(() => (this.presence = undefined));
    return this.presence;
  }
}

function view(robot: RobotPresence) {
  const { sessionId: _session, ...rest } = robot;
  return { ...rest, currentJobs: robot.vitals?.jobs ?? [] };
}
