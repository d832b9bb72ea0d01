import {
  JOB_COMMANDS,
  MessageRegistry,
  RequestJob,
  STREAMS,
  subjects,
  type JobCommand,
} from '@aether/contracts';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { tracedJetStream, withSpan } from '@aether/telemetry';
import { captureSpans, type CapturedSpans } from '@aether/telemetry/test-support';
import { eventually } from '@aether/testing';
import pino from 'pino';
import { ConsumerHost, type ConsumerRoute } from './consumer-host';

const encoder = new TextEncoder();
const request = (jobId: string) =>
  RequestJob.create({
    tenantId: 'default',
    aggregateId: jobId,
    data: { workflowId: 'wf', variables: {}, priority: 10, trigger: { kind: 'manual' } },
  });

describe('trace context through JetStream (real nats-server)', () => {
  let nats: TestJetStream;
  let captured: CapturedSpans;
  let host: ConsumerHost;

  beforeAll(async () => {
    captured = captureSpans();
    nats = await startJetStream('trace-propagation-test');
  });
  afterAll(async () => {
    await host?.stop();
    await nats?.close();
    await captured.stop();
  });

  it('makes the publisher, each consumer and what it publishes one trace', async () => {
    const js = tracedJetStream(nats.js);
    const route = (
      durable: string,
      handle: ConsumerRoute<JobCommand>['handle'],
    ): ConsumerRoute<JobCommand> => ({
      durable,
      stream: STREAMS.commands,
      filterSubject: subjects.commandsOf(`${durable}Cmd`),
      registry: new MessageRegistry<JobCommand>(JOB_COMMANDS),
      handle,
    });
    const handled: string[] = [];
    host = new ConsumerHost(js, nats.jsm, pino({ level: 'silent' }));
    await host.start([
      route('first', async (message) => {
        handled.push('first');
        await js.publish(subjects.command('default', 'secondCmd'), encoder.encode(JSON.stringify(message)));
      }),
      route('second', async () => {
        handled.push('second');
      }),
    ]);

    await withSpan('trigger', {}, () =>
      js.publish(subjects.command('default', 'firstCmd'), encoder.encode(JSON.stringify(request('job-1')))),
    );
    await eventually(() => (handled.length === 2 ? handled : undefined));
    await eventually(() => (captured.spans().length >= 5 ? true : undefined));

    const spans = captured.spans();
    const named = (name: string, consumer?: string) =>
      spans.find(
        (span) =>
          span.name === name &&
          (consumer === undefined || span.attributes['messaging.consumer.group.name'] === consumer),
      )!;
    const chain = [
      named('trigger'),
      named('publish aether.cmd.*.firstCmd'),
      named('process RequestJob', 'first'),
      named('publish aether.cmd.*.secondCmd'),
      named('process RequestJob', 'second'),
    ];
    expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
    for (let i = 1; i < chain.length; i++)
      expect(chain[i].parentSpanContext?.spanId).toBe(chain[i - 1].spanContext().spanId);
  });
});
