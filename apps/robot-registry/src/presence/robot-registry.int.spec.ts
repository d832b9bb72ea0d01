import { jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import pino from 'pino';
import { RegisterRobot, RobotHeartbeat, STREAMS, subjects } from '@aether/contracts';
import { QUARANTINE_HEADERS } from '@aether/event-store';
import { ConsumerHost } from '@aether/service-kit';
import { eventually } from '@aether/testing';
import { robotPresenceRoute } from './presence.route';
import type { RobotRegistry } from './robot-registry';
import { capabilities, startRegistryOnNats, type RegistryOnNats } from './testing/registry-on-nats';

const vitals = { cpuPercent: 3, loadAverage: 0.5, rssMb: 90, freeMemoryMb: 1000, jobs: [], resources: {} };

describe('RobotRegistry on a real nats-server', () => {
  let fixture: RegistryOnNats;
  let registry: RobotRegistry;
  let now = Date.parse('2026-01-01T00:00:00Z');

  beforeAll(async () => {
    fixture = await startRegistryOnNats('registry-test', () => now);
    registry = fixture.registry;
  });
  afterAll(() => fixture?.stop());

  const presence = (robotId: string) => fixture.presence(robotId);
  const history = (robotId: string) => fixture.history(robotId);
  const register = (robotId: string, sessionId: string) =>
    RegisterRobot.create({
      tenantId: 'default',
      aggregateId: robotId,
      data: { pool: 'default', sessionId, capabilities, heartbeatMs: 1_000 },
    });
  const beat = (robotId: string, sessionId: string) =>
    RobotHeartbeat.create({
      tenantId: 'default',
      aggregateId: robotId,
      data: { sessionId, state: 'running', vitals },
    });

  it('given a registration and heartbeats, then presence is online with the latest vitals', async () => {
    await registry.handle(register('r1', 's1'));
    now += 500;
    await registry.handle(beat('r1', 's1'));
    expect(await presence('r1')).toMatchObject({
      status: 'online',
      capabilities,
      vitals,
      heartbeatMs: 1_000,
    });
    expect((await history('r1')).map((e) => e.type)).toEqual(['RobotRegistered']);
  });

  it('given heartbeats, then the vitals trend holds their mean per 5 minutes, written at most once a minute', async () => {
    const hot = (cpuPercent: number) =>
      RobotHeartbeat.create({
        tenantId: 'default',
        aggregateId: 'r1',
        data: { sessionId: 's1', state: 'running', vitals: { ...vitals, cpuPercent, hostCpuPercent: 50 } },
      });
    expect((await fixture.trend('r1'))?.points).toEqual([
      expect.objectContaining({ samples: 1, cpuPercent: 3 }),
    ]);
    await registry.handle(hot(9));
    expect((await fixture.trend('r1'))?.points[0]?.samples).toBe(1); // folded, not written yet
    now += 60_000;
    await registry.handle(hot(12));
    expect((await fixture.trend('r1'))?.points).toEqual([
      expect.objectContaining({ samples: 3, cpuPercent: 8, hostCpuPercent: 50 }),
    ]);
    expect(await fixture.trend('nobody')).toBeUndefined();
  });

  it('given three missed heartbeats, then it is declared offline once; a heartbeat brings it back', async () => {
    await registry.handle(beat('r1', 's1'));
    now += 2_900;
    await eventually(async () => ((await registry.sweep()) === 0 ? true : undefined)); // mirror catches up; not yet silent
    now += 200;
    expect(await registry.sweep()).toBe(1);
    expect(await registry.sweep()).toBe(0);
    expect(await presence('r1')).toMatchObject({ status: 'offline' });
    await registry.handle(beat('r1', 's1'));
    expect(await presence('r1')).toMatchObject({ status: 'online' });
    const types = (await history('r1')).map((e) => e.type);
    expect(types).toEqual(['RobotRegistered', 'RobotWentOffline', 'RobotCameBackOnline']);
  });

  it('given a restart under a new session, then the old session goes offline and old heartbeats are ignored', async () => {
    await registry.handle(register('r1', 's2'));
    const events = await history('r1');
    expect(events.at(-2)).toMatchObject({
      type: 'RobotWentOffline',
      data: { reason: 'restarted', sessionId: 's1' },
    });
    expect(events.at(-1)).toMatchObject({ type: 'RobotRegistered', data: { sessionId: 's2' } });
    const before = await presence('r1');
    await registry.handle(beat('r1', 's1'));
    expect(await presence('r1')).toEqual(before);
  });

  it('quarantines presence commands that fail validation', async () => {
    const { js, nc } = fixture;
    const host = new ConsumerHost(js, await jetstreamManager(nc), pino({ level: 'silent' }));
    await host.start([robotPresenceRoute(registry)]);
    let kept: JsMsg;
    try {
      await js.publish(
        subjects.robotPresence('default'),
        new TextEncoder().encode('{"type":"RobotHeartbeat"}'),
      );
      kept = await eventually(async () => {
        const consumer = await js.consumers.get(STREAMS.quarantine, {
          filter_subjects: subjects.quarantine('registry-robot-presence'),
        });
        const message = await consumer.next({ expires: 1_000 });
        return message ?? undefined;
      });
    } finally {
      await host.stop(); // a running host keeps jest alive
    }
    expect(kept.headers?.get(QUARANTINE_HEADERS.reason)).toMatch(/invalid envelope/);
  });
});
