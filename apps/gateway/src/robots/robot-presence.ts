import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS, RobotPresenceSchema, type RobotPresence } from '@aether/contracts';
import { KvMirror, onReconnect, openBucket } from '@aether/kv-state';
import { NATS_CONNECTION } from '@aether/service-kit';

/** The `robots` KV bucket as the registry keeps it, mirrored in memory by a watch; opened on first use. */
@Injectable()
export class RobotPresenceMirror {
  private mirror?: Promise<KvMirror<RobotPresence>>;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /** A tenant's robots, by id. */
  async list(tenantId: string): Promise<RobotPresence[]> {
    return (await this.open())
      .values()
      .filter((robot) => robot.tenantId === tenantId)
      .sort((a, b) => a.robotId.localeCompare(b.robotId));
  }

  async get(tenantId: string, robotId: string): Promise<RobotPresence | undefined> {
    return (await this.open()).get(`${tenantId}.${robotId}`);
  }

  private open(): Promise<KvMirror<RobotPresence>> {
    this.mirror ??= openBucket(this.nc, KV_BUCKETS.robots).then(async (kv) => {
      const mirror = await KvMirror.start(kv, {
        parse: (value) => RobotPresenceSchema.safeParse(value).data,
      });
      onReconnect(this.nc, () => void mirror.restart().catch(() => (this.mirror = undefined)));
      return mirror;
    });
    this.mirror.catch(() => (this.mirror = undefined));
    return this.mirror;
  }
}
