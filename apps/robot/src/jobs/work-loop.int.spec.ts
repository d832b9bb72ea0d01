import { RunJob, STREAMS, newId, subjects } from '@aether/contracts';
import { readQuarantine } from '@aether/event-store';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { createLogger } from '@aether/service-kit';
import { eventually } from '@aether/testing';
import type { Claim, JobRunner, RunOutcome } from './job-runner';
import { WorkLoop, type WorkLoopOptions } from './work-loop';
import { WorkPuller } from './work-puller';

/** A runner that ends each claim when told to, releasing its lease first when asked to. */
class GatedRunner {
  readonly claims: Claim[] = [];
  private opens: ((outcome: RunOutcome) => void)[] = [];

  constructor(private readonly releaseEarly: boolean) {}

  run(claim: Claim): Promise<RunOutcome> {
    this.claims.push(claim);
    if (this.releaseEarly) claim.release?.();
    return new Promise((resolve) => this.opens.push(resolve));
  }

  finish(outcome: RunOutcome = 'completed'): void {
    this.opens.shift()?.(outcome);
  }

  /** Waits until `count` claims have reached the runner. */
  claimed(count: number): Promise<true> {
    return eventually(async () => (this.claims.length === count ? true : undefined));
  }
}

describe('WorkLoop settling leases (real nats-server)', () => {
  let nats: TestJetStream;
  let robots = 0;

  beforeAll(async () => {
    nats = await startJetStream('work-loop-test');
  });
  afterAll(() => nats?.close());

  async function robotWith(
    runner: Pick<JobRunner, 'run'> | Pick<JobRunner, 'run' | 'failForGood'>,
    options: Partial<WorkLoopOptions> = {},
  ) {
    const robotId = `robot-${++robots}`;
    const loop = new WorkLoop(
      nats.nc,
      nats.js,
      nats.jsm,
      runner as unknown as JobRunner,
      {
        pool: 'default',
        leaseMs: 30_000,
        maxDeliver: 5,
        tenantId: 'default',
        concurrency: 1,
        shutdownGraceMs: 1_000,
        robotId,
        ...options,
      },
      createLogger('work-loop-test', 'silent'),
    );
    await loop.start();
    const place = async () => {
      const work = RunJob.create({
        tenantId: 'default',
        aggregateId: newId(),
        data: { workflowId: 'w', workflowVersion: 1, priority: 10, attempt: 1 },
      });
      await nats.js.publish(subjects.robotWork('default', robotId), JSON.stringify(work));
      return work;
    };
    const consumer = () => nats.jsm.consumers.info(STREAMS.work, `robot-${robotId}`);
    return { robotId, loop, place, consumer, workSubject: subjects.robotWork('default', robotId) };
  }

  it('acks a released claim and pulls the next job before the claim has finished', async () => {
    const runner = new GatedRunner(true);
    const { loop, place, consumer } = await robotWith(runner);
    await place();
    await place();
    await runner.claimed(1);

    // The first job's run has not returned, yet its message is acked and the second is delivered.
    const during = await eventually(async () => {
      const info = await consumer();
      return info.ack_floor.stream_seq > 0 && info.num_ack_pending === 1 ? info : undefined;
    });
    expect(during.delivered.consumer_seq).toBe(2);
    expect(runner.claims).toHaveLength(1);

    runner.finish();
    await runner.claimed(2);
    runner.finish();
    await eventually(async () => ((await consumer()).num_ack_pending === 0 ? true : undefined));
    await loop.stop();
  });

  it('holds the lease of a claim that does not release it until the claim finishes', async () => {
    const runner = new GatedRunner(false);
    const { loop, place, consumer } = await robotWith(runner);
    await place();
    await place();
    await runner.claimed(1);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const during = await consumer();
    expect(during.num_ack_pending).toBe(1);
    expect(during.delivered.consumer_seq).toBe(1);

    runner.finish();
    await runner.claimed(2);
    runner.finish();
    await loop.stop();
  });

  it('sends back a job pulled with the last ack when the robot stops', async () => {
    const runner = new GatedRunner(true);
    const { robotId, loop, place, consumer } = await robotWith(runner);
    await place();
    await place();
    await eventually(async () =>
      (await consumer()).num_ack_pending === 1 && runner.claims.length === 1 ? true : undefined,
    );

    const stopped = loop.stop();
    runner.finish();
    await stopped;

    // Not run, and not held until its lease runs out (30 s): whoever pulls next gets it at once.
    expect(runner.claims).toHaveLength(1);
    const puller = new WorkPuller(nats.nc, STREAMS.work, `robot-${robotId}`);
    const again = await puller.next(1_000);
    puller.close();
    expect(again?.info.deliveryCount).toBe(2);
    again?.ack();
  });

  it("leaves a fenced claim's message un-acked: another robot holds the job, this lease just runs out", async () => {
    const runner = new GatedRunner(false);
    const { loop, place, consumer } = await robotWith(runner);
    await place();
    await place();
    await runner.claimed(1);

    runner.finish('fenced');
    await runner.claimed(2);
    const during = await consumer();
    expect(during.ack_floor.stream_seq).toBe(0);
    expect(during.num_ack_pending).toBe(2);

    runner.finish();
    await loop.stop();
  });

  it('dead-letters a message after its delivery limit: the job failed for good, the message in quarantine', async () => {
    const failedForGood: [string, string][] = [];
    const runner = {
      run: () => Promise.reject(new Error('browser crashed')),
      failForGood: async (work: Claim['work'], reason: string) => {
        failedForGood.push([work.aggregateId, reason]);
      },
    };
    const { loop, place, consumer, workSubject } = await robotWith(runner, { maxDeliver: 2 });
    const work = await place();

    await eventually(async () => {
      const info = await consumer();
      return failedForGood.length === 1 && info.num_ack_pending === 0 && info.num_pending === 0
        ? true
        : undefined;
    });
    expect(failedForGood).toEqual([[work.aggregateId, 'gave up after 2 deliveries: browser crashed']]);
    const kept = (await readQuarantine(nats.js, nats.jsm, { consumer: 'pool-default' })).messages.filter(
      (message) => message.origin.subject === workSubject,
    );
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ reason: 'gave up after 2 deliveries: browser crashed' });
    expect(JSON.parse(kept[0].body)).toMatchObject({ aggregateId: work.aggregateId });
    await loop.stop();
  });

  it('pulls again within a second of the expiry when the server leaves a pull unanswered', async () => {
    const runner = new GatedRunner(true);
    const { robotId, loop, place } = await robotWith(runner);
    // nats-server answers no pull for a consumer that does not exist: while it is gone, the
    // robot's pull goes unanswered, as one can when a message arrives just as the pull expires.
    const durable = `robot-${robotId}`;
    const { config } = await nats.jsm.consumers.info(STREAMS.work, durable);
    await nats.jsm.consumers.delete(STREAMS.work, durable);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await nats.jsm.consumers.add(STREAMS.work, config);
    const placedAt = Date.now();
    await place();

    await runner.claimed(1);
    // The unanswered pull is given up 1 s after its 1 s expiry and the next one takes the job.
    expect(Date.now() - placedAt).toBeLessThan(3_000);
    runner.finish();
    await loop.stop();
  });
});
