import { cpuByProcess } from './cost';

describe('cpuByProcess', () => {
  it('sums the robots, names each process as a JSON key and adds PostgreSQL and the total', () => {
    const line = cpuByProcess(
      [
        { name: 'dispatcher', ms: 0.1 },
        { name: 'robot-1', ms: 0.07 },
        { name: 'robot-2', ms: 0.08 },
        { name: 'robot-registry', ms: 0.001 },
        { name: 'nats-server', ms: 0.25 },
      ],
      0.12,
    );
    expect(line).toEqual({
      dispatcher: 0.1,
      robots: 0.15,
      robot_registry: 0.001,
      nats_server: 0.25,
      postgres: 0.12,
      total: 0.621,
    });
  });

  it('rounds to the microsecond', () => {
    expect(cpuByProcess([{ name: 'bench', ms: 0.04449 }], 0)).toEqual({
      bench: 0.044,
      postgres: 0,
      total: 0.044,
    });
  });
});
