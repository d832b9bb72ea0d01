import type { NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { RegisterRobot, subjects } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import { eventually } from '@aether/testing';
import { PresenceProbe, natsProbeTransport } from './presence-probe';
import type { RobotRegistry } from './robot-registry';
import { capabilities, startRegistryOnNats, type RegistryOnNats } from './testing/registry-on-nats';

const PROBE_INTERVAL_MS = 250;
const HEARTBEAT_MS = 5_000;
/** Longer than production's 1 s, so that "declared before a lost probe timed out" has margin on a loaded machine. */
const PROBE_TIMEOUT_MS = 4_000;
/** Several probe periods, yet under both the probe timeout and one heartbeat. */
const DETECTED_WITHIN_MS = 2_500;

describe('PresenceProbe on a real nats-server', () => {
  let fixture: RegistryOnNats;
  let registry: RobotRegistry;
  let probe: PresenceProbe;
  /** Added to the registry's clock to stand in for heartbeats missed. */
  let skewMs = 0;
  const now = () => Date.now() + skewMs;
  const robots: NatsConnection[] = [];

  beforeAll(async () => {
    fixture = await startRegistryOnNats('registry-probe-test', now);
    registry = fixture.registry;
    probe = new PresenceProbe(
      registry,
      natsProbeTransport(fixture.nc),
      { timeoutMs: PROBE_TIMEOUT_MS, graceMs: 3_000 },
      pino({ level: 'silent' }),
      now,
    );
  });
  afterAll(async () => {
    for (const robot of robots) if (!robot.isClosed()) await robot.close();
    await fixture?.stop();
  });

  const presence = (robotId: string) => fixture.presence(robotId);
  const history = (robotId: string) => fixture.history(robotId);

  /** A robot process: its own connection, subscribed to its probe (answering or, frozen, not), then registered. */
  async function startRobot(
    robotId: string,
    answers: (connection: NatsConnection) => boolean = () => true,
  ): Promise<NatsConnection> {
    const connection = await connectNats({ servers: fixture.server.url, name: robotId });
    robots.push(connection);
    const sessionId = `${robotId}-session`;
    connection.subscribe(subjects.robotProbe('default', robotId, sessionId), {
      callback: (error, message) => {
        if (!error && answers(connection)) message.respond();
      },
    });
    await connection.flush();
    await registry.handle(
      RegisterRobot.create({
        tenantId: 'default',
        aggregateId: robotId,
        data: { pool: 'default', sessionId, capabilities, heartbeatMs: HEARTBEAT_MS },
      }),
    );
    await eventually(async () => (registry.present().some((p) => p.robotId === robotId) ? true : undefined));
    return connection;
  }

  /**
   * Probes on the production period, rounds overlapping as the registry's timer does, until
   * `robotId` is declared: answers when that happened (epoch ms), `undefined` when it did not.
   */
  async function probeUntilDeclared(robotId: string, timeoutMs: number): Promise<number | undefined> {
    const rounds: Promise<string[]>[] = [];
    const declaredAt = await new Promise<number | undefined>((resolve) => {
      const round = () => {
        const next = probe.probeAll();
        rounds.push(next);
        void next.then((robotIds) => robotIds.includes(robotId) && finish(Date.now()));
      };
      const timer = setInterval(round, PROBE_INTERVAL_MS);
      const deadline = setTimeout(() => finish(undefined), timeoutMs);
      const finish = (at: number | undefined) => {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve(at);
      };
      round();
    });
    await Promise.all(rounds); // a probe lost with the robot waits out its timeout
    return declaredAt;
  }

  it('given a robot whose connection closes (its process died), then it is declared offline within a probe period or two', async () => {
    const robot = await startRobot('killed');
    expect(await probe.probeAll()).toEqual([]);
    const closedAt = Date.now();
    await robot.close();
    const declaredAt = await probeUntilDeclared('killed', 6_000);
    expect(declaredAt).toBeDefined();
    expect((declaredAt ?? Infinity) - closedAt).toBeLessThan(DETECTED_WITHIN_MS);
    expect(await presence('killed')).toMatchObject({ status: 'offline' });
    expect((await history('killed')).at(-1)).toMatchObject({
      type: 'RobotWentOffline',
      data: { reason: 'disconnected', sessionId: 'killed-session' },
    });
  });

  it('given a robot that dies holding a probe it never answered, then the next probe declares it', async () => {
    let dying = false;
    await startRobot('dying', (connection) => {
      if (dying) void connection.close(); // the process dies with this probe unanswered
      return !dying;
    });
    expect(await probe.probeAll()).toEqual([]);
    dying = true;
    const diedAround = Date.now();
    const declaredAt = await probeUntilDeclared('dying', 6_000);
    expect(declaredAt).toBeDefined();
    // sooner than the lost probe's own timeout: the next probe met "no responders"
    expect((declaredAt ?? Infinity) - diedAround).toBeLessThan(DETECTED_WITHIN_MS);
  });

  it('given a robot that stays connected but does not answer (frozen), then only its missed heartbeats declare it', async () => {
    await startRobot('frozen', () => false);
    expect(await probeUntilDeclared('frozen', 1_500)).toBeUndefined();
    skewMs += 3_000 + 500; // past the probe grace, still within three heartbeats
    expect(await probe.probeAll()).toEqual([]);
    expect(await registry.sweep()).toBe(0);
    expect(await presence('frozen')).toMatchObject({ status: 'online' });
    skewMs += 3 * HEARTBEAT_MS;
    expect(await registry.sweep()).toBe(1);
    expect((await history('frozen')).at(-1)).toMatchObject({
      type: 'RobotWentOffline',
      data: { reason: 'missed-heartbeats' },
    });
  });

  it('given a robot that registered but never answered, then "no responders" waits out the grace', async () => {
    const sessionId = 'ghost-session';
    await registry.handle(
      RegisterRobot.create({
        tenantId: 'default',
        aggregateId: 'ghost',
        data: { pool: 'default', sessionId, capabilities, heartbeatMs: HEARTBEAT_MS },
      }),
    );
    await eventually(async () => (registry.present().some((p) => p.robotId === 'ghost') ? true : undefined));
    expect(await probe.probeAll()).toEqual([]);
    expect(await presence('ghost')).toMatchObject({ status: 'online' });
    skewMs += 3_000;
    expect(await probe.probeAll()).toEqual(['ghost']);
  });
});
