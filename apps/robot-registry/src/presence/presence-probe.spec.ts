import pino from 'pino';
import type { RobotPresence } from '@aether/contracts';
import { PresenceProbe, type ProbeAnswer, type ProbeTransport } from './presence-probe';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const GRACE_MS = 3_000;

const robot = (robotId: string, registeredAt = T0): RobotPresence => ({
  robotId,
  tenantId: 'default',
  pool: 'default',
  capabilities: {
    platform: 'linux',
    browsers: ['chromium'],
    desktop: false,
    maxConcurrentJobs: 1,
    cores: 2,
    memoryMb: 2048,
    tags: [],
  },
  status: 'online',
  sessionId: `s-${robotId}`,
  registeredAt: new Date(registeredAt).toISOString(),
  lastSeenAt: new Date(registeredAt).toISOString(),
});

/** A fleet whose probes answer as told, on a connection the test can "reconnect". */
function given(robots: RobotPresence[]) {
  const answers = new Map<string, ProbeAnswer>();
  const declared: string[] = [];
  let connection = 'server-a/1';
  let now = T0;
  const transport: ProbeTransport = {
    ask: async (subject) => answers.get(subject.split('.')[4]) ?? 'answered',
    connection: () => connection,
  };
  const registry = {
    present: () => robots.filter((r) => !declared.includes(r.robotId)),
    disconnected: async (seen: RobotPresence) => {
      declared.push(seen.robotId);
      return true;
    },
  };
  const probe = new PresenceProbe(
    registry,
    transport,
    { timeoutMs: 100, graceMs: GRACE_MS },
    pino({ level: 'silent' }),
    () => now,
  );
  return {
    probe,
    declared,
    answer: (robotId: string, answer: ProbeAnswer) => answers.set(robotId, answer),
    reconnect: () => {
      connection = 'server-b/1';
      probe.noticeReconnect();
    },
    advance: (ms: number) => (now += ms),
  };
}

describe('PresenceProbe decides from "no responders" only where the robot could have answered', () => {
  it('given a robot that answered on this connection, when its probe meets no responders, then it is declared at once', async () => {
    const fleet = given([robot('r1'), robot('r2')]);
    expect(await fleet.probe.probeAll()).toEqual([]);
    fleet.answer('r1', 'no-responders');
    expect(await fleet.probe.probeAll()).toEqual(['r1']);
    expect(fleet.declared).toEqual(['r1']);
  });

  it('given a probe that times out (a frozen robot keeps its socket), then nothing is declared, not even after the grace', async () => {
    const fleet = given([robot('r1')]);
    await fleet.probe.probeAll();
    fleet.answer('r1', 'no-answer');
    fleet.advance(GRACE_MS * 10);
    expect(await fleet.probe.probeAll()).toEqual([]);
  });

  it('given the registry reconnected, then an answer from before the reconnect proves nothing until the grace has passed', async () => {
    const fleet = given([robot('r1')]);
    await fleet.probe.probeAll();
    fleet.advance(GRACE_MS * 2);
    fleet.reconnect();
    fleet.answer('r1', 'no-responders'); // robots may still be reconnecting
    expect(await fleet.probe.probeAll()).toEqual([]);
    fleet.advance(GRACE_MS);
    expect(await fleet.probe.probeAll()).toEqual(['r1']);
  });

  it('given the registry reconnected, then a robot that answered on the new connection is declared at once', async () => {
    const fleet = given([robot('r1')]);
    fleet.reconnect();
    await fleet.probe.probeAll();
    fleet.answer('r1', 'no-responders');
    expect(await fleet.probe.probeAll()).toEqual(['r1']);
  });

  it('given a robot that never answered, then it is declared only once its registration is older than the grace', async () => {
    const fleet = given([robot('r1', T0 + GRACE_MS)]);
    fleet.answer('r1', 'no-responders');
    fleet.advance(GRACE_MS + 1_000);
    expect(await fleet.probe.probeAll()).toEqual([]);
    fleet.advance(GRACE_MS);
    expect(await fleet.probe.probeAll()).toEqual(['r1']);
  });

  it('given a probe lost with the dying process, then the next probe still declares it while the first waits', async () => {
    const pending: ((answer: ProbeAnswer) => void)[] = [];
    let state: 'up' | 'dying' | 'gone' = 'up';
    const transport: ProbeTransport = {
      ask: async (): Promise<ProbeAnswer> => {
        if (state === 'up') return 'answered';
        if (state === 'gone') return 'no-responders';
        return new Promise((resolve) => pending.push(resolve));
      },
      connection: () => 'server-a/1',
    };
    const declared: string[] = [];
    const registry = {
      present: () => (declared.length ? [] : [robot('r1')]),
      disconnected: async (seen: RobotPresence) => (declared.push(seen.robotId), true),
    };
    const probe = new PresenceProbe(
      registry,
      transport,
      { timeoutMs: 100, graceMs: GRACE_MS },
      pino({ level: 'silent' }),
    );
    expect(await probe.probeAll()).toEqual([]);
    state = 'dying';
    const lost = probe.probeAll(); // on its way when the robot dies: it will time out
    state = 'gone';
    expect(await probe.probeAll()).toEqual(['r1']);
    pending.forEach((resolve) => resolve('no-answer'));
    expect(await lost).toEqual([]);
    expect(declared).toEqual(['r1']);
  });

  it('keeps at most a few probes of a frozen robot waiting at once', async () => {
    let asked = 0;
    const pending: ((answer: ProbeAnswer) => void)[] = [];
    const transport: ProbeTransport = {
      ask: () => {
        asked++;
        return new Promise((resolve) => pending.push(resolve));
      },
      connection: () => 'server-a/1',
    };
    const registry = { present: () => [robot('r1')], disconnected: async () => true };
    const probe = new PresenceProbe(
      registry,
      transport,
      { timeoutMs: 100, graceMs: GRACE_MS },
      pino({ level: 'silent' }),
    );
    const rounds = Array.from({ length: 10 }, () => probe.probeAll());
    expect(asked).toBe(4);
    pending.forEach((resolve) => resolve('no-answer'));
    await Promise.all(rounds);
  });

  it('skips sessions whose ids cannot be spelled as a subject (they rely on heartbeats)', async () => {
    const fleet = given([{ ...robot('r1'), sessionId: 'a.b' }]);
    fleet.answer('r1', 'no-responders');
    fleet.advance(GRACE_MS * 2);
    expect(await fleet.probe.probeAll()).toEqual([]);
  });
});
