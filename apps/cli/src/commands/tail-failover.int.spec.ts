import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Command } from 'commander';
import { STREAMS, StepCompleted, subjects } from '@aether/contracts';
import {
  DEFAULT_STREAM_SETTINGS,
  EventStore,
  connectNats,
  ensureStreams,
  streamConfigs,
} from '@aether/event-store';
import { eventually, placeOffClient, startNatsCluster, type TestNatsCluster } from '@aether/testing';
import { registerTail } from './tail';

// Measured 4–13.5 s at load 6–10; the new consumer waits for the survivors' meta leader.
const RECOVERY_BOUND_MS = 30_000;
const step = (n: number) =>
  StepCompleted.create({
    tenantId: 'acme',
    aggregateId: 'j1',
    data: { stepKey: `s${n}`, nodeId: `s${n}`, output: { n }, durationMs: n },
  });

describe('aether tail when the node hosting its consumer dies and its own connection survives', () => {
  let cluster: TestNatsCluster;
  const connections: NatsConnection[] = [];
  let printed = '';
  let told = '';
  let out: jest.SpyInstance;
  let err: jest.SpyInstance;

  beforeAll(async () => {
    cluster = await startNatsCluster();
  }, 60_000);
  beforeEach(() => {
    out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk);
      return true;
    });
    err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      told += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    out.mockRestore();
    err.mockRestore();
  });
  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close()));
    await cluster?.stop();
  });

  const connectTo = async (servers: string) => {
    const nc = await connectNats({ servers, name: 'tail-failover' });
    connections.push(nc);
    return nc;
  };
  /**
   * Ctrl-C: calls the SIGINT listeners. `process.emit` would do under Node 20, but Jest's sandboxed
   * `process` under Node 24 dispatches nothing (the tail then never stopped).
   */
  const interrupt = () => process.listeners('SIGINT').forEach((listener) => listener('SIGINT'));
  /** `aether tail …` in this process; it runs until SIGINT. */
  const tail = (...args: string[]) => {
    const program = new Command('aether').exitOverride();
    registerTail(program);
    return program.parseAsync(['node', 'aether', 'tail', ...args]);
  };
  const sequencesPrinted = () =>
    printed
      .split('\n')
      .filter(Boolean)
      .map((line) => Number(line.split(' ')[0]));
  /** Appends with the event's id as message id, retried until acknowledged: stored exactly once. */
  const append = (store: EventStore, n: number) =>
    eventually(() => store.append(subjects.event('acme', 'job', 'j1'), [step(n)], 'any'), {
      timeoutMs: 20_000,
      what: `appending event ${n}`,
    });

  it('follows on a new consumer and prints what follows once each, in order, within 30 s', async () => {
    const admin = await connectTo(cluster.servers);
    const jsm = await jetstreamManager(admin);
    await ensureStreams(
      jsm,
      streamConfigs({ ...DEFAULT_STREAM_SETTINGS, replicas: 3 }).filter((c) => c.name === STREAMS.events),
    );
    const store = new EventStore(jetstream(admin), jsm);
    for (let n = 1; n <= 3; n++) await append(store, n);

    const { candidate, host, others } = await placeOffClient(
      cluster,
      () => jsm.consumers.list(STREAMS.events),
      // The tail's promise in an object: resolving to it would wait for the tail to end.
      (client) => {
        printed = '';
        return Promise.resolve({ running: tail('--nats', client.url, '--tenant', 'acme', '--from', '1') });
      },
      async ({ running }) => {
        interrupt();
        await running;
      },
    );
    const { running } = candidate;
    try {
      await eventually(() => (sequencesPrinted().length === 3 ? true : undefined), {
        what: 'the first three',
      });

      await host.kill();
      const killedAt = Date.now();
      const survivors = await connectTo(others);
      // No account-info check: it times out while the survivors elect a new meta leader (the
      // killed node may have been it); the appends retry until JetStream answers again.
      const survivingStore = new EventStore(
        jetstream(survivors),
        await jetstreamManager(survivors, { checkAPI: false }),
      );
      for (let n = 4; n <= 6; n++) await append(survivingStore, n);
      await eventually(() => (sequencesPrinted().length >= 6 ? true : undefined), {
        timeoutMs: RECOVERY_BOUND_MS,
        what: 'the events appended after the kill',
      });
      const recoveryMs = Date.now() - killedAt;
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // a late duplicate would show here

      expect(sequencesPrinted()).toEqual([1, 2, 3, 4, 5, 6]);
      const steps = printed
        .split('\n')
        .filter(Boolean)
        .map(
          (line) => (JSON.parse(line.split(' ').slice(2).join(' ')) as { data: { stepKey: string } }).data,
        );
      expect(steps.map((data) => data.stepKey)).toEqual(['s1', 's2', 's3', 's4', 's5', 's6']);
      expect(told).toContain('following on a new one from sequence 4');
      expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
      out.mockRestore();
      console.log(`tail printed again ${recoveryMs} ms after its consumer's node was killed`);
    } finally {
      interrupt();
      await Promise.race([
        running,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('aether tail did not stop within 10 s of SIGINT')), 10_000),
        ),
      ]);
    }
  }, 90_000);
});
