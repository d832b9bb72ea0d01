import { ConflictException, NotFoundException } from '@nestjs/common';
import {
  JobFailed,
  JobDeadLettered,
  JobNeedsAttention,
  JobRequested,
  JobStarted,
  StepStarted,
  subjects,
  type Envelope,
} from '@aether/contracts';
import { InMemoryEventStore } from '@aether/event-store/test-support';
import { JobCommandsService } from './job-commands.service';

const tenantId = 'default';
const base = (jobId: string) => ({ tenantId, aggregateId: jobId });
const subject = (jobId: string) => subjects.event(tenantId, 'job', jobId);
const error = { message: 'site down', retryable: true };

function setUp() {
  const store = new InMemoryEventStore();
  const published: string[] = [];
  const service = new JobCommandsService(store, { publish: (s: string) => void published.push(s) });
  const given = async (jobId: string, events: Envelope[]) => {
    for (const event of events) await store.append(subject(jobId), [event], 'any');
  };
  return {
    store,
    service,
    published,
    given,
    types: (jobId: string) => store.events(subject(jobId)).map((e) => e.type),
  };
}

const requested = (jobId: string) =>
  JobRequested.create({
    ...base(jobId),
    data: { workflowId: 'wf', workflowVersion: 1, variables: {}, priority: 10, trigger: { kind: 'manual' } },
  });
const started = (jobId: string) =>
  JobStarted.create({ ...base(jobId), data: { robotId: 'r1', delivery: 1, resumedAfterSteps: 0 } });
const parked = (jobId: string) => [
  requested(jobId),
  started(jobId),
  StepStarted.create({
    ...base(jobId),
    data: { stepKey: 'pay', nodeId: 'pay', nodeType: 'browser.click', robotId: 'r1', attempt: 1 },
  }),
  JobNeedsAttention.create({
    ...base(jobId),
    data: { stepKey: 'pay', nodeId: 'pay', reason: 'r', robotId: 'r1' },
  }),
];

describe('JobCommandsService: operator commands through the decider', () => {
  it('cancels a waiting job at once in one commit and tells the robots', async () => {
    const { service, given, types, published } = setUp();
    await given('j1', [requested('j1')]);
    await expect(service.cancel(tenantId, 'j1', 'wrong input')).resolves.toEqual({
      jobId: 'j1',
      status: 'cancelled',
    });
    expect(types('j1')).toEqual(['JobRequested', 'JobCancelRequested', 'JobCancelled']);
    expect(published).toEqual([subjects.jobControl(tenantId, 'j1', 'cancel')]);
  });

  it('asks the robot running a job to stop it, once', async () => {
    const { service, given, types } = setUp();
    await given('j1', [requested('j1'), started('j1')]);
    await expect(service.cancel(tenantId, 'j1', undefined)).resolves.toEqual({
      jobId: 'j1',
      status: 'cancelling',
    });
    await expect(service.cancel(tenantId, 'j1', undefined)).resolves.toEqual({
      jobId: 'j1',
      status: 'cancelling',
    });
    expect(types('j1')).toEqual(['JobRequested', 'JobStarted', 'JobCancelRequested']);
  });

  it('cancels a failed job whose retry is not decided yet (409 before issue 25)', async () => {
    const { service, given } = setUp();
    await given('j1', [requested('j1'), started('j1'), JobFailed.create({ ...base('j1'), data: { error } })]);
    await expect(service.cancel(tenantId, 'j1', undefined)).resolves.toMatchObject({ status: 'cancelled' });
  });

  it('given a robot claiming the job between the read and the append, then the cancel is decided again on what it did', async () => {
    const { service, given, store, types } = setUp();
    await given('j1', [requested('j1')]);
    let raced = false;
    store.beforeAppend = async () => {
      if (raced) return;
      raced = true;
      await store.append(subject('j1'), [started('j1')], 'any');
    };
    await expect(service.cancel(tenantId, 'j1', undefined)).resolves.toMatchObject({ status: 'cancelling' });
    expect(types('j1')).toEqual(['JobRequested', 'JobStarted', 'JobCancelRequested']);
  });

  it('answers 404 for a job that does not exist and 409 for a finished one', async () => {
    const { service, given } = setUp();
    await expect(service.cancel(tenantId, 'nope', undefined)).rejects.toBeInstanceOf(NotFoundException);
    await given('j1', [requested('j1')]);
    await service.cancel(tenantId, 'j1', undefined);
    await expect(service.cancel(tenantId, 'j1', undefined)).rejects.toBeInstanceOf(ConflictException);
  });

  it('resolves the parked step with retry or skip, and refuses a second answer', async () => {
    const { service, given, store } = setUp();
    await given('j1', parked('j1'));
    await expect(service.resolve(tenantId, 'j1', 'skip', 'paid by hand')).resolves.toEqual({
      jobId: 'j1',
      stepKey: 'pay',
      status: 'pending',
    });
    expect(store.events(subject('j1')).at(-1)).toMatchObject({
      type: 'StepResolved',
      data: { stepKey: 'pay', action: 'skip', note: 'paid by hand' },
    });
    await expect(service.resolve(tenantId, 'j1', 'retry', undefined)).rejects.toBeInstanceOf(
      ConflictException,
    );
  });

  it('fails a parked job for good, and only a parked one', async () => {
    const { service, given, store } = setUp();
    await given('j1', parked('j1'));
    await given('j2', [requested('j2'), started('j2')]);
    await expect(service.fail(tenantId, 'j1', undefined)).resolves.toEqual({ jobId: 'j1', status: 'failed' });
    expect(store.events(subject('j1')).at(-1)).toMatchObject({
      type: 'JobFailed',
      data: { error: { code: 'FailedByOperator', retryable: false } },
    });
    await expect(service.fail(tenantId, 'j2', undefined)).rejects.toBeInstanceOf(ConflictException);
  });

  it('requeues a dead letter at its next attempt, once', async () => {
    const { service, given } = setUp();
    await given('j1', [
      requested('j1'),
      started('j1'),
      JobFailed.create({ ...base('j1'), data: { error } }),
      JobDeadLettered.create({ ...base('j1'), data: { attempts: 1, error } }),
    ]);
    await expect(service.requeue(tenantId, 'j1', undefined)).resolves.toEqual({
      id: 'j1',
      jobId: 'j1',
      status: 'pending',
      attempt: 2,
    });
    await expect(service.requeue(tenantId, 'j1', undefined)).rejects.toBeInstanceOf(ConflictException);
    await expect(service.requeue(tenantId, 'nope', undefined)).rejects.toBeInstanceOf(NotFoundException);
  });
});
