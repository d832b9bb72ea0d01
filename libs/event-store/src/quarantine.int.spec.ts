import { STREAMS } from '@aether/contracts';
import { QuarantineError, quarantine, readQuarantine, requeueQuarantined } from './quarantine';
import { startJetStream, type TestJetStream } from './test-support';

const encoder = new TextEncoder();
const rejected = (stream: string, subject: string, seq: number, body: string) => ({
  subject,
  seq,
  data: encoder.encode(body),
  info: { stream },
});

describe('quarantine on a real nats-server', () => {
  let nats: TestJetStream;

  beforeAll(async () => {
    nats = await startJetStream('quarantine-test');
  });
  afterAll(() => nats?.close());

  it('reads an empty quarantine as nothing', async () => {
    await expect(readQuarantine(nats.js, nats.jsm)).resolves.toEqual({ total: 0, messages: [] });
  });

  it('keeps what each consumer rejected with its reason and origin, and reads it back oldest first', async () => {
    const before = new Date(Date.now() - 1000);
    await quarantine(
      nats.js,
      'scheduler-request-job',
      rejected('COMMANDS', 'aether.cmd.default.job.j1', 7, '{"type":"RequestJob"'),
      'not JSON: Unexpected end of JSON input',
    );
    await quarantine(
      nats.js,
      'robot-work',
      rejected('WORK', 'aether.work.robot-1', 3, '{"type":"RunJob","version":9}'),
      'RunJob version 9 is newer\nthan this service knows (1)',
    );
    await quarantine(
      nats.js,
      'scheduler-request-job',
      rejected('COMMANDS', 'aether.cmd.default.job.j2', 9, '{}'),
      'invalid envelope: id: required',
    );

    const all = await readQuarantine(nats.js, nats.jsm);
    expect(all.total).toBe(3);
    expect(all.messages.map((m) => [m.consumer, m.origin.stream, m.origin.sequence])).toEqual([
      ['scheduler-request-job', 'COMMANDS', 7],
      ['robot-work', 'WORK', 3],
      ['scheduler-request-job', 'COMMANDS', 9],
    ]);
    const [first, second] = all.messages;
    expect(first).toMatchObject({
      reason: 'not JSON: Unexpected end of JSON input',
      origin: { subject: 'aether.cmd.default.job.j1' },
      body: '{"type":"RequestJob"',
    });
    expect(first!.quarantinedAt.getTime()).toBeGreaterThan(before.getTime());
    expect(second!.sequence).toBeGreaterThan(first!.sequence);
    // A header holds one line: the reason's line breaks are flattened.
    expect(second!.reason).toBe('RunJob version 9 is newer than this service knows (1)');

    const scheduler = await readQuarantine(nats.js, nats.jsm, { consumer: 'scheduler-request-job' });
    expect(scheduler.total).toBe(2);
    expect(scheduler.messages.map((m) => m.origin.sequence)).toEqual([7, 9]);
    await expect(readQuarantine(nats.js, nats.jsm, { consumer: 'healer-selectors' })).resolves.toEqual({
      total: 0,
      messages: [],
    });
  });

  it('returns the newest messages when there are more than the limit, and counts them all', async () => {
    for (let seq = 100; seq < 105; seq++)
      await quarantine(
        nats.js,
        'limit-test',
        rejected('COMMANDS', 'aether.cmd.default.job.x', seq, '{}'),
        `bad ${seq}`,
      );
    const newest = await readQuarantine(nats.js, nats.jsm, { consumer: 'limit-test', limit: 2 });
    expect(newest.total).toBe(5);
    expect(newest.messages.map((m) => m.reason)).toEqual(['bad 103', 'bad 104']);
  });

  it('keeps a message once per consumer that rejects it, however often that consumer does', async () => {
    const bad = rejected('EVENTS', 'aether.evt.default.job.j9', 42, '{"type":"JobCompleted"}');
    await quarantine(nats.js, 'follower-a', bad, 'invalid JobCompleted data');
    await quarantine(nats.js, 'follower-a', bad, 'invalid JobCompleted data');
    await quarantine(nats.js, 'follower-b', bad, 'invalid JobCompleted data');
    expect((await readQuarantine(nats.js, nats.jsm, { consumer: 'follower-a' })).total).toBe(1);
    expect((await readQuarantine(nats.js, nats.jsm, { consumer: 'follower-b' })).total).toBe(1);
  });

  it('sends a quarantined command again to its subject and takes it out of quarantine, once', async () => {
    const body = '{"type":"RequestJob","version":2}';
    await quarantine(
      nats.js,
      'requeue-test',
      rejected('COMMANDS', 'aether.cmd.default.RequestJob', 11, body),
      'newer',
    );
    const [kept] = (await readQuarantine(nats.js, nats.jsm, { consumer: 'requeue-test' })).messages;

    const sent = await requeueQuarantined(nats.js, nats.jsm, kept!.sequence);
    expect(sent.subject).toBe('aether.cmd.default.RequestJob');
    const command = await nats.jsm.streams.getMessage(STREAMS.commands, { seq: sent.sequence });
    expect([command?.subject, command?.string()]).toEqual(['aether.cmd.default.RequestJob', body]);
    expect((await readQuarantine(nats.js, nats.jsm, { consumer: 'requeue-test' })).total).toBe(0);
    await expect(requeueQuarantined(nats.js, nats.jsm, kept!.sequence)).rejects.toThrow(
      new QuarantineError(`no message #${kept!.sequence} in quarantine`),
    );
  });

  it('keeps a work message or an event in quarantine rather than send it again', async () => {
    await quarantine(
      nats.js,
      'requeue-work',
      rejected('WORK', 'aether.work.default.robot.r1', 5, '{}'),
      'bad',
    );
    const [kept] = (await readQuarantine(nats.js, nats.jsm, { consumer: 'requeue-work' })).messages;
    await expect(requeueQuarantined(nats.js, nats.jsm, kept!.sequence)).rejects.toThrow(
      `#${kept!.sequence} came from WORK: only commands are sent again`,
    );
    expect((await readQuarantine(nats.js, nats.jsm, { consumer: 'requeue-work' })).total).toBe(1);
  });

  it('refuses a limit that is not a whole number of at least one', async () => {
    await expect(readQuarantine(nats.js, nats.jsm, { limit: 0 })).rejects.toThrow(
      'limit must be a whole number ≥ 1, got 0',
    );
  });
});
