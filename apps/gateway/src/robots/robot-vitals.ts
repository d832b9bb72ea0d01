import { Inject, Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { KV_BUCKETS, RobotVitalsTrendSchema, type RobotVitalsPoint } from '@aether/contracts';
import { openBucket } from '@aether/kv-state';
import { NATS_CONNECTION } from '@aether/service-kit';

/** Robots' vitals trends as the registry writes them to the `robot-vitals` bucket; read per request. */
@Injectable()
export class RobotVitalsTrends {
  private bucket?: Promise<KV>;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /** The robot's points of the last 24 hours, oldest first; none when it has not heartbeated yet. */
  async points(tenantId: string, robotId: string): Promise<RobotVitalsPoint[]> {
    this.bucket ??= openBucket(this.nc, KV_BUCKETS.robotVitals);
    this.bucket.catch(() => (this.bucket = undefined));
    const entry = await (await this.bucket).get(`${tenantId}.${robotId}`);
    if (!entry || entry.operation !== 'PUT') return [];
    return RobotVitalsTrendSchema.safeParse(entry.json()).data?.points ?? [];
  }
}
