import { HttpException } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { HealthController, type HealthCheck } from './health.controller';

const connection = (closed: boolean) => ({ isClosed: () => closed }) as unknown as NatsConnection;
const postgresDown: HealthCheck = {
  name: 'postgres',
  check: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
};

async function statusOf(call: () => unknown): Promise<number> {
  try {
    await call();
    return 200;
  } catch (error) {
    return (error as HttpException).getStatus();
  }
}

describe('HealthController', () => {
  it('takes a service whose dependency is down out of service, without asking for a restart', async () => {
    const controller = new HealthController(connection(false), [postgresDown]);
    expect(await statusOf(() => controller.health())).toBe(503);
    expect(await statusOf(() => controller.live())).toBe(200);
  });

  it('asks for a restart once the NATS connection is closed for good', async () => {
    const controller = new HealthController(connection(true), []);
    expect(await statusOf(() => controller.health())).toBe(503);
    expect(await statusOf(() => controller.live())).toBe(503);
  });

  it('is healthy when every check passes', async () => {
    const controller = new HealthController(connection(false), [
      { name: 'postgres', check: () => Promise.resolve() },
    ]);
    expect(await controller.health()).toEqual({ status: 'ok', checks: { nats: 'ok', postgres: 'ok' } });
    expect(controller.live()).toEqual({ status: 'ok' });
  });
});
