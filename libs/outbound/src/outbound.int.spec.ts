import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { DeliverPolicy } from '@nats-io/jetstream';
import {
  JobCompleted,
  JobRequested,
  JobStarted,
  STREAMS,
  StepCompleted,
  StepStarted,
  subjects,
  subscriptionConsumerName,
  type Envelope,
} from '@aether/contracts';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { EgressPolicy, type Resolver } from '@aether/egress';
import { eventually, freePort } from '@aether/testing';
import { KvSecretVault, MasterKeyring } from '@aether/vault';
import { OutboundDeliveries, Subscriptions, type DeliveryOptions } from './index';
import { TestSubscriber, acceptedByJob } from './testing/subscriber';

const TENANT = 'acme';
const logger = pino({ level: 'silent' });
const localOnly = EgressPolicy.parse('127.0.0.1', { mode: 'public' });

/** Each job's messages as they were stored: the order every subscriber must see. */
async function appendJobs(
  js: TestJetStream,
  jobIds: readonly string[],
  steps: number,
  workflowId = 'orders',
): Promise<Map<string, number[]>> {
  const stored = new Map<string, number[]>(jobIds.map((id) => [id, []]));
  const timeline: ((jobId: string) => Envelope[])[] = [
    (jobId) => [
      JobRequested.create({
        tenantId: TENANT,
        aggregateId: jobId,
        data: { workflowId, workflowVersion: 1, variables: {}, priority: 10, trigger: { kind: 'api' } },
      }),
    ],
    (jobId) => [
      JobStarted.create({
        tenantId: TENANT,
        aggregateId: jobId,
        data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0 },
      }),
    ],
    ...Array.from({ length: steps }, (_, i) => (jobId: string) => [
      StepStarted.create({
        tenantId: TENANT,
        aggregateId: jobId,
        data: { stepKey: `s${i}`, nodeId: `s${i}`, nodeType: 'data.set', robotId: 'r1', attempt: 1 },
      }),
      StepCompleted.create({
        tenantId: TENANT,
        aggregateId: jobId,
        data: { stepKey: `s${i}`, nodeId: `s${i}`, output: { i }, durationMs: 1 },
      }),
    ]),
    (jobId) => [
      JobCompleted.create({ tenantId: TENANT, aggregateId: jobId, data: { outputs: {}, robotId: 'r1' } }),
    ],
  ];
  // Interleaved: every job's first event, then every job's second, and so on.
  for (const next of timeline)
    for (const jobId of jobIds) {
      const result = await js.store.append(subjects.event(TENANT, 'job', jobId), next(jobId), 'any');
      stored.get(jobId)!.push(result.lastSequence);
    }
  return stored;
}

describe('outbound subscriptions against a real nats-server and HTTP subscriber', () => {
  let js: TestJetStream;
  let vault: KvSecretVault;
  let subscriptions: Subscriptions;
  let deliveries: OutboundDeliveries;
  let subscriber: TestSubscriber;
  const options: DeliveryOptions = {
    timeoutMs: 1_000,
    maxAttempts: 10_000,
    backoff: { baseMs: 50, capMs: 400 },
    egress: localOnly,
  };
  const ackWaitMs = 3_000;

  beforeAll(async () => {
    js = await startJetStream('outbound-spec');
    vault = await KvSecretVault.open(js.nc, MasterKeyring.fromBase64(randomBytes(32).toString('base64')));
    subscriptions = await Subscriptions.open(js.nc, vault, {
      allowHttpHosts: ['127.0.0.1'],
      egress: localOnly,
      ackWaitMs,
    });
    subscriber = new TestSubscriber(await freePort());
    deliveries = await OutboundDeliveries.start(js.nc, vault, logger, options);
  });

  afterAll(async () => {
    await deliveries?.stop();
    await subscriber?.down();
    await js?.close();
  });

  it('refuses plain http to a host not allowed, and credentials in the URL', async () => {
    await expect(subscriptions.create(TENANT, { url: 'http://example.com/hook' }, 'spec')).rejects.toThrow(
      /plain http/,
    );
    await expect(subscriptions.create(TENANT, { url: 'https://u:p@example.com/' }, 'spec')).rejects.toThrow(
      /credentials/,
    );
  });

  it('delivers every event in job order through an outage, flapping, slowness and restarts; redelivers from a sequence', async () => {
    const { definition, secret } = await subscriptions.create(TENANT, { url: subscriber.url }, 'spec');
    subscriber.secret = secret;
    await eventually(async () => (deliveries.active.has(definition.subscriptionId) ? true : undefined), {
      what: 'the delivery service to pick up the subscription',
    });
    const jobs = ['job-a', 'job-b', 'job-c', 'job-d'];

    // Down: nothing listens while the first half of the events is stored.
    const firstHalf = await appendJobs(js, jobs, 3);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(subscriber.accepted).toHaveLength(0);

    // Flapping, and meanwhile the delivery service stops and starts again, and the nats-server
    // restarts (the restart of every Aether process against a real platform is an e2e test).
    await subscriber.up();
    subscriber.mode = 'flap';
    await eventually(async () => (subscriber.accepted.length >= 5 ? true : undefined), {
      what: 'some deliveries',
    });
    await deliveries.stop();
    await js.server.restart();
    await eventually(() => js.jsm.streams.info('EVENTS').then(() => true), { what: 'the server back' });
    deliveries = await OutboundDeliveries.start(js.nc, vault, logger, options);
    const more = ['job-e', 'job-f'];
    const secondHalf = await appendJobs(js, more, 3);

    // Slow: every answer takes 150–400 ms.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    subscriber.mode = 'slow';
    const expected = new Map([...firstHalf, ...secondHalf]);
    const total = [...expected.values()].reduce((n, seqs) => n + seqs.length, 0);
    await eventually(
      async () => (new Set(subscriber.accepted.map((d) => d.sequence)).size === total ? true : undefined),
      { what: `all ${total} messages accepted`, timeoutMs: 60_000 },
    );
    expect(acceptedByJob(subscriber.accepted)).toEqual(expected);
    expect(subscriber.badSignatures).toBe(0);
    expect(subscriber.attempts).toBeGreaterThan(subscriber.accepted.length); // the flapping was real
    expect(await subscriptions.parked.list(definition.subscriptionId)).toEqual([]);
    // Each delivery carries the job's events, never more than one job's.
    expect(subscriber.accepted.every((d) => d.events.every((e) => e.aggregateId === d.jobId))).toBe(true);

    // Redelivery from a sequence: every message from there on comes again, in job order.
    subscriber.mode = 'ok';
    const from = firstHalf.get('job-c')![2];
    const before = subscriber.accepted.length;
    await subscriptions.redeliver(TENANT, definition.subscriptionId, { sequence: from });
    const again = new Map([...expected].map(([job, seqs]) => [job, seqs.filter((s) => s >= from)] as const));
    const againTotal = [...again.values()].reduce((n, seqs) => n + seqs.length, 0);
    await eventually(
      async () =>
        new Set(subscriber.accepted.slice(before).map((d) => d.sequence)).size === againTotal
          ? true
          : undefined,
      { what: 'the redelivery' },
    );
    expect(acceptedByJob(subscriber.accepted, before)).toEqual(again);
    await subscriptions.remove(TENANT, definition.subscriptionId);
  }, 120_000);

  it('parks what keeps failing, holds the job’s later events behind it, and releases them on redelivery', async () => {
    await deliveries.stop();
    deliveries = await OutboundDeliveries.start(js.nc, vault, logger, { ...options, maxAttempts: 3 });
    const { definition, secret } = await subscriptions.create(
      TENANT,
      { url: subscriber.url, eventTypes: ['JobRequested', 'JobCompleted'], workflowIds: ['billing'] },
      'spec',
    );
    subscriber.secret = secret;
    subscriber.mode = 'fail';
    await eventually(async () => (deliveries.active.has(definition.subscriptionId) ? true : undefined), {
      what: 'the delivery service to pick up the subscription',
    });
    const before = subscriber.accepted.length;
    const stored = await appendJobs(js, ['job-p'], 1, 'billing');
    await appendJobs(js, ['job-other-workflow'], 1, 'orders');
    const [requested, , , completed] = stored.get('job-p')!;
    const parked = await eventually(
      async () => {
        const list = await subscriptions.parked.list(definition.subscriptionId);
        return list.length === 2 ? list : undefined;
      },
      { what: 'both filtered messages of job-p parked' },
    );
    expect(parked.map((p) => [p.sequence, p.attempts, p.heldBehind])).toEqual([
      [requested, 3, undefined],
      [completed, 0, requested],
    ]);
    expect(parked[0].lastError).toBe('HTTP 503');
    expect(subscriber.accepted.length).toBe(before);

    subscriber.mode = 'ok';
    await subscriptions.redeliver(TENANT, definition.subscriptionId, { sequence: requested });
    await eventually(async () => (subscriber.accepted.length - before >= 2 ? true : undefined), {
      what: 'the parked deliveries sent again',
    });
    const sent = subscriber.accepted.slice(before);
    expect(sent.map((d) => [d.sequence, d.workflowId, d.events.map((e) => e.type)])).toEqual([
      [requested, 'billing', ['JobRequested']],
      [completed, 'billing', ['JobCompleted']],
    ]);
    expect(await subscriptions.parked.list(definition.subscriptionId)).toEqual([]);
  }, 60_000);

  it('counts a delivery the server counts again from 1 as one more: the attempt limit still holds (ADR 123)', async () => {
    await deliveries.stop();
    // 1–2 s after the 1st attempt, 2–4 s after the 2nd: time to make the consumer again in between.
    const backoff = { baseMs: 2_000, capMs: 60_000 };
    deliveries = await OutboundDeliveries.start(js.nc, vault, logger, {
      ...options,
      maxAttempts: 3,
      backoff,
    });
    const { definition, secret } = await subscriptions.create(
      TENANT,
      { url: subscriber.url, eventTypes: ['JobRequested'] },
      'spec',
    );
    subscriber.secret = secret;
    subscriber.mode = 'fail';
    await subscriber.up();
    await eventually(async () => (deliveries.active.has(definition.subscriptionId) ? true : undefined), {
      what: 'the delivery service to pick up the subscription',
    });
    const before = subscriber.attempts;
    const [requested] = (await appendJobs(js, ['job-recounted'], 0)).get('job-recounted')!;

    // After the 2nd attempt the server forgets what it counted (as nats-server#3942 does with a
    // redelivery that meets an expiring pull): a consumer made again from the message's sequence
    // delivers it as its first. The worker counts it as the 3rd attempt and parks it after that.
    await eventually(() => (subscriber.attempts - before === 2 ? true : undefined), {
      what: 'the 2nd attempt',
    });
    const name = subscriptionConsumerName(definition.subscriptionId, definition.generation);
    const { config } = await js.jsm.consumers.info(STREAMS.events, name);
    await js.jsm.consumers.delete(STREAMS.events, name);
    await js.jsm.consumers.add(STREAMS.events, {
      ...config,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: requested,
    });
    const parked = await eventually(
      async () => {
        const list = await subscriptions.parked.list(definition.subscriptionId);
        return list.length === 1 ? list : undefined;
      },
      { what: 'the 3rd attempt parked', timeoutMs: 20_000 },
    );

    expect(parked.map((p) => [p.sequence, p.attempts, p.lastError])).toEqual([[requested, 3, 'HTTP 503']]);
    expect(subscriber.attempts - before).toBe(3);
    await subscriptions.remove(TENANT, definition.subscriptionId);
  }, 60_000);

  it('refuses loopback, private and metadata destinations at subscription and, after DNS, at delivery', async () => {
    const dns = new Map([['hooks.test', '203.0.113.10']]);
    const resolve: Resolver = async (hostname) => {
      const address = dns.get(hostname) ?? hostname;
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    };
    const egress = EgressPolicy.parse(undefined, { mode: 'public', listName: 'OUTBOUND_EGRESS_ALLOW' });
    const guarded = await Subscriptions.open(js.nc, vault, {
      allowHttpHosts: ['127.0.0.1', '10.1.2.3', '169.254.169.254', '[::1]', 'localhost.test', 'hooks.test'],
      egress,
      resolve,
      ackWaitMs,
    });
    dns.set('localhost.test', '127.0.0.1');
    for (const url of [
      subscriber.url,
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/hook',
      `http://localhost.test:${subscriber.port}/hook`,
      'https://metadata.google.internal/',
    ])
      await expect(guarded.create(TENANT, { url }, 'spec')).rejects.toThrow(/not a public address|metadata/);

    // Public when subscribed; the name then resolves to the subscriber's loopback address.
    await deliveries.stop();
    deliveries = await OutboundDeliveries.start(js.nc, vault, logger, { ...options, egress, resolve });
    const { definition, secret } = await guarded.create(
      TENANT,
      { url: `http://hooks.test:${subscriber.port}/hook`, eventTypes: ['JobRequested'] },
      'spec',
    );
    subscriber.secret = secret;
    subscriber.mode = 'ok';
    dns.set('hooks.test', '127.0.0.1');
    await eventually(async () => (deliveries.active.has(definition.subscriptionId) ? true : undefined), {
      what: 'the delivery service to pick up the subscription',
    });
    const connections = subscriber.connections;
    await appendJobs(js, ['job-rebind'], 0);
    const [parked] = await eventually(
      async () => {
        const list = await subscriptions.parked.list(definition.subscriptionId);
        return list.length ? list : undefined;
      },
      { what: 'the rebound delivery parked' },
    );
    expect(parked!.attempts).toBe(1); // refused, not retried
    expect(parked!.lastError).toMatch(/hooks\.test \(127\.0\.0\.1\) is not a public address/);
    expect(subscriber.connections).toBe(connections);
    await guarded.remove(TENANT, definition.subscriptionId);
  }, 60_000);
});
