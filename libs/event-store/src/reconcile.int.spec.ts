import { RetentionPolicy } from '@nats-io/jetstream';
import { STREAMS } from '@aether/contracts';
import { DEFAULT_STREAM_SETTINGS, ensureStreams, nanos, reconcileStream, streamConfigs } from './streams';
import { startJetStream, type TestJetStream } from './test-support';

describe('stream topology from configuration, on a real nats-server', () => {
  let nats: TestJetStream;

  beforeAll(async () => {
    nats = await startJetStream('reconcile-test');
  });
  afterAll(() => nats?.close());

  const events = (settings = {}) =>
    streamConfigs({ ...DEFAULT_STREAM_SETTINGS, ...settings }).find((c) => c.name === STREAMS.events)!;

  it('changes nothing when the streams already have their configuration', async () => {
    const reports = await ensureStreams(nats.jsm);
    expect(reports.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });

  it('updates the limits of an existing stream in place', async () => {
    const reports = await ensureStreams(
      nats.jsm,
      streamConfigs({
        ...DEFAULT_STREAM_SETTINGS,
        limits: { EVENTS: { maxAgeMs: 3_600_000, maxBytes: 1 << 30 }, WORK: { maxBytes: 1 << 20 } },
      }),
    );
    expect(reports.filter((r) => r.outcome === 'updated')).toEqual([
      { stream: 'EVENTS', outcome: 'updated', changed: ['max_age', 'max_bytes'] },
      { stream: 'WORK', outcome: 'updated', changed: ['max_bytes', 'discard'] },
    ]);
    const info = await nats.jsm.streams.info(STREAMS.events);
    expect(info.config.max_age).toBe(nanos(3_600_000));
    expect(info.config.max_bytes).toBe(1 << 30);
    // a full work queue refuses new work instead of dropping the oldest
    expect((await nats.jsm.streams.info(STREAMS.work)).config.discard).toBe('new');
  });

  it('leaves settings that were not configured as they are', async () => {
    expect((await reconcileStream(nats.jsm, { ...events(), name: STREAMS.events })).outcome).toBe(
      'unchanged',
    );
    expect((await nats.jsm.streams.info(STREAMS.events)).config.max_age).toBe(nanos(3_600_000));
  });

  it('reports, on every start, replicas a single server records but does not keep', async () => {
    const wanted = { ...events({ replicas: 3 }), name: STREAMS.events };
    const reason = 'the server is not clustered: it keeps one copy although num_replicas is 3';
    expect(await reconcileStream(nats.jsm, wanted)).toEqual({
      stream: 'EVENTS',
      outcome: 'refused',
      changed: ['num_replicas'],
      reason,
    });
    expect(await reconcileStream(nats.jsm, wanted)).toMatchObject({ outcome: 'refused', reason });
    await reconcileStream(nats.jsm, { ...events({ replicas: 1 }), name: STREAMS.events });
  });

  it('reports a setting JetStream cannot change in place, naming it with both values', async () => {
    const report = await reconcileStream(nats.jsm, {
      ...events(),
      name: STREAMS.events,
      retention: RetentionPolicy.Workqueue,
    });
    expect(report).toMatchObject({ outcome: 'refused', changed: ['retention'] });
    expect(report.outcome === 'refused' && report.reason).toBe(
      'JetStream cannot change retention of an existing stream (retention: "limits" → "workqueue")',
    );
  });
});
