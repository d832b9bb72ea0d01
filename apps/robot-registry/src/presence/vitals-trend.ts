import type { KV } from '@nats-io/kv';
import {
  RobotVitalsTrendSchema,
  foldVitals,
  type RobotVitals,
  type RobotVitalsTrend,
} from '@aether/contracts';
import type { Logger } from '@aether/service-kit';

/**
 * Keeps each robot's vitals trend (last 24 h, a point per 5 minutes) in the `robot-vitals` bucket.
 * Heartbeats are folded in memory and written at most every `writeEveryMs` per robot, and at once
 * for a robot this process has not written yet; a restart loses at most that much of a trend.
 */
export class VitalsTrendRecorder {
  private readonly trends = new Map<string, { trend: RobotVitalsTrend; writtenAt: number }>();

  constructor(
    private readonly kv: KV,
    private readonly logger: Logger,
    private readonly writeEveryMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Never throws: a trend is a view for people, not worth failing a heartbeat for. */
  async record(tenantId: string, robotId: string, vitals: RobotVitals): Promise<void> {
    const key = `${tenantId}.${robotId}`;
    try {
      const known = this.trends.get(key) ?? {
        trend: await this.load(key),
        writtenAt: Number.NEGATIVE_INFINITY,
      };
      const trend = foldVitals(known.trend, vitals, this.now());
      const due = this.now() - known.writtenAt >= this.writeEveryMs;
      if (due) await this.kv.put(key, JSON.stringify(trend));
      this.trends.set(key, { trend, writtenAt: due ? this.now() : known.writtenAt });
    } catch (error) {
      this.logger.warn({ err: error, robotId }, 'could not record the vitals trend');
    }
  }

  private async load(key: string): Promise<RobotVitalsTrend | undefined> {
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT') return undefined;
    return RobotVitalsTrendSchema.safeParse(entry.json()).data;
  }
}
