import { MessageRegistry } from './registry';
import { JobRequested, StepCompleted } from './messages/job.events';
import { subjects, parseEventSubject } from './subjects';

const registry = new MessageRegistry(
  [JobRequested, StepCompleted],
  [{ type: 'StepCompleted', fromVersion: 0, upcast: (d) => d }],
);

const requested = () =>
  JobRequested.create({
    tenantId: 'default',
    aggregateId: 'job-1',
    data: {
      workflowId: 'wf',
      workflowVersion: 1,
      variables: { a: 1 },
      priority: 10,
      trigger: { kind: 'manual' },
    },
  });

describe('MessageRegistry', () => {
  it('accepts a well-formed message and keeps its data', () => {
    const result = registry.parse(JSON.parse(JSON.stringify(requested())));
    expect(result).toEqual({
      ok: true,
      message: expect.objectContaining({
        type: 'JobRequested',
        data: expect.objectContaining({ workflowId: 'wf' }),
      }),
    });
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{oops'), /not JSON/],
    [
      'missing tenant',
      new TextEncoder().encode(JSON.stringify({ ...requested(), tenantId: undefined })),
      /tenantId/,
    ],
    [
      'unknown type',
      new TextEncoder().encode(JSON.stringify({ ...requested(), type: 'Nope' })),
      /unknown message type "Nope"/,
    ],
    [
      'bad data',
      new TextEncoder().encode(JSON.stringify({ ...requested(), data: { workflowId: 3 } })),
      /invalid JobRequested data: workflowId/,
    ],
    [
      'future version',
      new TextEncoder().encode(JSON.stringify({ ...requested(), version: 9 })),
      /newer than this service knows/,
    ],
  ])('rejects %s with a reason', (_name, bytes, reason) => {
    const result = registry.parseBytes(bytes);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('reads a stored message as its events: one envelope, or a commit of several in order', () => {
    const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const [first, second] = [requested(), requested()];
    expect(registry.parseEvents(bytes(first))).toEqual({
      ok: true,
      messages: [expect.objectContaining({ id: first.id })],
    });
    expect(registry.parseEvents(bytes([first, second]))).toEqual({
      ok: true,
      messages: [expect.objectContaining({ id: first.id }), expect.objectContaining({ id: second.id })],
    });
  });

  it('takes none of a commit with one invalid event, and says which', () => {
    const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const broken = { ...requested(), data: { workflowId: 7 } };
    expect(registry.parseEvents(bytes([requested(), broken]))).toEqual({
      ok: false,
      reason: expect.stringMatching(/^event 2 of 2: invalid JobRequested data/),
    });
    expect(registry.parseEvents(bytes([]))).toEqual({ ok: false, reason: 'empty commit' });
  });

  it('refuses to register a type twice', () => {
    expect(() => new MessageRegistry([JobRequested, JobRequested])).toThrow(/registered twice/);
  });

  it('inherits correlation from the causing message', () => {
    const cause = requested();
    const next = StepCompleted.create({
      tenantId: 'default',
      aggregateId: 'job-1',
      causedBy: cause,
      data: { stepKey: 's', nodeId: 's', output: null, durationMs: 1 },
    });
    expect(next.causationId).toBe(cause.id);
    expect(next.correlationId).toBe(cause.correlationId);
  });
});

describe('subjects', () => {
  it('spells event subjects per aggregate and parses them back', () => {
    const subject = subjects.event('acme', 'job', 'j-1');
    expect(subject).toBe('aether.evt.acme.job.j-1');
    expect(parseEventSubject(subject)).toEqual({ tenantId: 'acme', aggregate: 'job', aggregateId: 'j-1' });
  });

  it('spells a robot session probe under control, apart from the job control subjects', () => {
    expect(subjects.robotProbe('acme', 'r-1', 'mk1-ab12')).toBe('aether.ctl.acme.robot.r-1.mk1-ab12.probe');
    expect(() => subjects.robotProbe('acme', 'r-1', 'a.b')).toThrow(/invalid session id/);
  });

  it.each(['a.b', 'a*', '>', 'a b', ''])('rejects the unsafe token %p', (bad) => {
    expect(() => subjects.event('acme', 'job', bad)).toThrow(/invalid aggregate id/);
  });
});
