import {
  JOB_COMMANDS,
  MessageRegistry,
  RequestJob,
  STREAMS,
  subjects,
  type JobCommand,
} from '@aether/contracts';
import {
  QUARANTINE_HEADERS,
  ensureConsumer,
  readQuarantine,
  requeueQuarantined,
  type QuarantinedMessage,
} from '@aether/event-store';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { eventually } from '@aether/testing';
import { AckPolicy } from '@nats-io/jetstream';
import pino from 'pino';
import { ConsumerHost, type ConsumerRoute } from './consumer-host';
import { TerminalError } from './failures';

const command = (jobId: string, workflowId = 'wf') =>
  RequestJob.create({
    tenantId: 'default',
    aggregateId: jobId,
    data: { workflowId, variables: {}, priority: 10, trigger: { kind: 'manual' } },
  });

describe('ConsumerHost', () => {
  let nats: TestJetStream;

  beforeAll(async () => {
    nats = await startJetStream('consumer-host-test');
  });
  const hosts: ConsumerHost[] = [];
  /** A host stopped here even when its test fails half-way: a running one keeps jest alive. */
  const startHost = async (routes: readonly ConsumerRoute[]) => {
    const host = new ConsumerHost(nats.js, nats.jsm, pino({ level: 'silent' }));
    hosts.push(host);
    await host.start(routes);
    return host;
  };
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.stop()));
  });
  afterAll(() => nats?.close());

  async function quarantined(consumer: string) {
    const consumerApi = await nats.js.consumers.get(STREAMS.quarantine, {
      filter_subjects: subjects.quarantine(consumer),
    });
    const found: { reason: string; origin: string; body: string }[] = [];
    const batch = await consumerApi.fetch({ max_messages: 10, expires: 1000 });
    for await (const m of batch) {
      found.push({
        reason: m.headers?.get(QUARANTINE_HEADERS.reason) ?? '',
        origin: m.headers?.get(QUARANTINE_HEADERS.originSubject) ?? '',
        body: m.string(),
      });
    }
    return found;
  }

  function route(durable: string, handle: ConsumerRoute<JobCommand>['handle']): ConsumerRoute<JobCommand> {
    return {
      durable,
      stream: STREAMS.commands,
      filterSubject: subjects.commandsOf(`${durable}Cmd`),
      registry: new MessageRegistry<JobCommand>(JOB_COMMANDS),
      handle,
      maxDeliver: 3,
    };
  }

  it('stops at once when stopped while it is still starting to pull', async () => {
    for (let i = 0; i < 20; i++) {
      const host = await startHost([route(`stopAtStart${i}`, async () => undefined)]);
      const stopped = host.stop().then(() => 'stopped');
      const late = new Promise((resolve) => setTimeout(() => resolve('still running after 3 s'), 3_000));
      expect(await Promise.race([stopped, late])).toBe('stopped');
    }
  });

  it('quarantines a malformed message with its reason and keeps consuming', async () => {
    const handled: string[] = [];
    const host = await startHost([route('malformed', async (m) => void handled.push(m.aggregateId))]);
    const subject = subjects.command('default', 'malformedCmd');

    await nats.js.publish(subject, new TextEncoder().encode('{"type":"RequestJob","data":{}}'));
    await nats.js.publish(subject, new TextEncoder().encode(JSON.stringify(command('after-bad'))));

    await eventually(() => (handled.includes('after-bad') ? true : undefined), {
      what: 'next message handled',
    });
    const kept = await eventually(async () =>
      (await quarantined('malformed')).length ? quarantined('malformed') : undefined,
    );
    await host.stop();

    expect(kept).toEqual([
      {
        reason: expect.stringMatching(/invalid envelope: id: .*tenantId/),
        origin: subject,
        body: '{"type":"RequestJob","data":{}}',
      },
    ]);
  });

  it('quarantines a message whose handler fails terminally, and one that keeps failing', async () => {
    let attempts = 0;
    const host = await startHost([
      route('failing', async (m) => {
        if (m.data.workflowId === 'terminal') throw new TerminalError('workflow is gone');
        attempts++;
        throw Object.assign(new Error('flaky dependency'), { delayMs: 10 });
      }),
    ]);
    const subject = subjects.command('default', 'failingCmd');
    await nats.js.publish(subject, new TextEncoder().encode(JSON.stringify(command('t1', 'terminal'))));
    await nats.js.publish(subject, new TextEncoder().encode(JSON.stringify(command('t2', 'flaky'))));

    const kept = await eventually(async () => {
      const found = await quarantined('failing');
      return found.length === 2 ? found : undefined;
    });
    await host.stop();

    expect(kept.map((k) => k.reason).sort()).toEqual([
      'handler failed: gave up after 3 deliveries: flaky dependency',
      'handler failed: workflow is gone',
    ]);
    expect(attempts).toBe(3);
  });

  it('quarantines a delivery past its limit without handling it: the server sets no limit that drops it', async () => {
    const subject = subjects.command('default', 'burntCmd');
    await nats.js.publish(subject, new TextEncoder().encode(JSON.stringify(command('b1'))));
    // Three deliveries no handler saw through (lost by the server, or naked by a stopping host).
    await ensureConsumer(nats.jsm, STREAMS.commands, {
      durable_name: 'burnt',
      filter_subject: subjects.commandsOf('burntCmd'),
      ack_policy: AckPolicy.Explicit,
    });
    const consumer = await nats.js.consumers.get(STREAMS.commands, 'burnt');
    const burnt: number[] = [];
    for (let i = 0; i < 3; i++) {
      const message = await consumer.next({ expires: 5_000 });
      burnt.push(message?.info.deliveryCount ?? 0);
      message?.nak();
    }
    expect(burnt).toEqual([1, 2, 3]);

    const handled: string[] = [];
    const host = await startHost([route('burnt', async (m) => void handled.push(m.aggregateId))]);
    const kept = await eventually(async () => {
      const found = await quarantined('burnt');
      return found.length === 1 ? found : undefined;
    });
    await host.stop();

    expect(kept[0].reason).toBe('gave up after 3 deliveries');
    expect(handled).toEqual([]);
  });

  it('counts a delivery the server counts again from 1 as one more: the limit still holds (ADR 117)', async () => {
    const subject = subjects.command('default', 'recountedCmd');
    let attempts = 0;
    const host = await startHost([
      route('recounted', async () => {
        attempts++;
        throw Object.assign(new Error('flaky dependency'), { delayMs: attempts === 1 ? 10 : 60_000 });
      }),
    ]);
    await nats.js.publish(subject, new TextEncoder().encode(JSON.stringify(command('r1'))));

    // The 2nd failure naks it for a minute; before that, the server forgets what it counted (as
    // nats-server#3942 does with a redelivery that meets an expiring pull): a consumer made again
    // delivers the message as its first. The host counts it as the 3rd and quarantines it.
    await eventually(() => (attempts === 2 ? true : undefined), { what: 'the 2nd attempt' });
    const { config } = await nats.jsm.consumers.info(STREAMS.commands, 'recounted');
    await nats.jsm.consumers.delete(STREAMS.commands, 'recounted');
    await nats.jsm.consumers.add(STREAMS.commands, config);
    const kept = await eventually(
      async () => {
        const found = await quarantined('recounted');
        return found.length === 1 ? found : undefined;
      },
      { timeoutMs: 20_000, what: 'the 3rd delivery quarantined' },
    );
    await host.stop();

    expect(kept[0].reason).toBe('handler failed: gave up after 3 deliveries: flaky dependency');
    expect(attempts).toBe(3);
  }, 30_000);

  it('acks the types a route does not handle without validating them', async () => {
    const handled: string[] = [];
    const host = await startHost([
      { ...route('picky', async (m) => void handled.push(m.aggregateId)), handles: new Set(['RequestJob']) },
    ]);
    const subject = subjects.command('default', 'pickyCmd');
    await nats.js.publish(
      subject,
      new TextEncoder().encode('{"type":"SomethingElse","data":"not even valid"}'),
    );
    await nats.js.publish(
      subject,
      new TextEncoder().encode('{"type":"SomethingElse","data":{"about":"RequestJob"}}'),
    );
    await nats.js.publish(subject, new TextEncoder().encode('{"type":"RequestJob","data":"not valid"}'));
    await nats.js.publish(subject, new TextEncoder().encode(JSON.stringify(command('wanted'))));

    await eventually(() => (handled.includes('wanted') ? true : undefined), { what: 'handled type' });
    await eventually(async () =>
      (await nats.jsm.consumers.info(STREAMS.commands, 'picky')).num_ack_pending === 0 ? true : undefined,
    );
    await host.stop();
    expect(handled).toEqual(['wanted']);
    expect((await quarantined('picky')).map((kept) => kept.reason)).toEqual([
      expect.stringContaining('invalid envelope'),
    ]);
  });

  it('takes a quarantined command sent again (`aether quarantine --requeue`) once fixed', async () => {
    let fixed = false;
    const handled: string[] = [];
    const host = await startHost([
      route('mending', async (m) => {
        if (!fixed) throw new TerminalError('not supported yet');
        handled.push(m.aggregateId);
      }),
    ]);
    const subject = subjects.command('default', 'mendingCmd');
    await nats.js.publish(subject, new TextEncoder().encode(JSON.stringify(command('m1'))));
    const listing = await eventually(async () => {
      const found = await readQuarantine(nats.js, nats.jsm, { consumer: 'mending' });
      return found.total === 1 ? found : undefined;
    });
    const [kept] = listing.messages as [QuarantinedMessage];
    expect(kept.reason).toBe('handler failed: not supported yet');

    fixed = true;
    await requeueQuarantined(nats.js, nats.jsm, kept.sequence);
    await eventually(() => (handled.includes('m1') ? true : undefined), { what: 'the requeued command' });
    await host.stop();
    expect(handled).toEqual(['m1']);
    expect((await readQuarantine(nats.js, nats.jsm, { consumer: 'mending' })).total).toBe(0);
  });
});
