import { Controller, Get, HttpException, HttpStatus, Inject, Optional } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { HEALTH_CHECKS, NATS_CONNECTION } from './tokens';

/** A named probe: resolves when healthy, throws with the reason when not. */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<void>;
}

@Controller('health')
export class HealthController {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Optional() @Inject(HEALTH_CHECKS) private readonly checks: readonly HealthCheck[] = [],
  ) {}

  /**
   * Liveness: the process answers and its NATS connection is not closed for good (nats.js never
   * reopens a closed one). Dependencies stay out: a PostgreSQL outage takes a pod out of service
   * through `/health`, where a restart would not help.
   */
  @Get('live')
  live() {
    if (this.nc.isClosed())
      throw new HttpException(
        { status: 'unhealthy', checks: { nats: 'closed' } },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    return { status: 'ok' };
  }

  @Get()
  async health() {
    const results: Record<string, string> = { nats: this.nc.isClosed() ? 'closed' : 'ok' };
    for (const probe of this.checks) {
      try {
        await probe.check();
        results[probe.name] = 'ok';
      } catch (error) {
        results[probe.name] = (error as Error).message;
      }
    }
    const ok = Object.values(results).every((value) => value === 'ok');
    const body = { status: ok ? 'ok' : 'unhealthy', checks: results };
    if (!ok) throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}
