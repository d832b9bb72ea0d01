import { Command } from 'commander';
import { quarantine } from '@aether/event-store';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { startNatsServer } from '@aether/testing';
import { asJsonLines, asText, registerQuarantine } from './quarantine';

const at = new Date('2026-12-04T22:00:00.000Z');
const message = (sequence: number, consumer: string, reason: string) => ({
  sequence,
  quarantinedAt: at,
  consumer,
  reason,
  origin: { stream: 'COMMANDS', subject: `aether.cmd.default.job.j${sequence}`, sequence: sequence * 10 },
  body: '{"type":"RequestJob"}',
});

describe('aether quarantine: what it prints', () => {
  it('says when quarantine holds nothing, for everyone or for one consumer', () => {
    expect(asText({ total: 0, messages: [] })).toBe('no messages in quarantine\n');
    expect(asText({ total: 0, messages: [] }, 'robot-work')).toBe(
      'no messages in quarantine for robot-work\n',
    );
  });

  it('prints a count, then where each message came from and why it was set aside', () => {
    const listing = {
      total: 3,
      messages: [message(2, 'robot-work', 'not JSON'), message(3, 'robot-work', 'bad id')],
    };
    expect(asText(listing, 'robot-work')).toBe(
      [
        '3 in quarantine for robot-work, the newest 2 shown',
        '#2 2026-12-04T22:00:00.000Z robot-work: COMMANDS #20 aether.cmd.default.job.j2',
        '    not JSON',
        '#3 2026-12-04T22:00:00.000Z robot-work: COMMANDS #30 aether.cmd.default.job.j3',
        '    bad id',
        '',
      ].join('\n'),
    );
  });

  it('prints one JSON object a message, body included', () => {
    const lines = asJsonLines({ total: 1, messages: [message(1, 'robot-work', 'not JSON')] }).split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      consumer: 'robot-work',
      quarantinedAt: '2026-12-04T22:00:00.000Z',
      body: '{"type":"RequestJob"}',
    });
  });
});

describe('aether quarantine against a real nats-server', () => {
  let nats: TestJetStream;
  let printed: string;
  let write: jest.SpyInstance;

  beforeAll(async () => {
    nats = await startJetStream('cli-quarantine-test');
    const rejected = (seq: number) => ({
      subject: 'aether.cmd.default.job.j1',
      seq,
      data: new TextEncoder().encode('{"type":'),
      info: { stream: 'COMMANDS' },
    });
    await quarantine(nats.js, 'scheduler-request-job', rejected(4), 'not JSON: Unexpected end of JSON input');
    await quarantine(nats.js, 'registry-robot-presence', rejected(5), 'invalid envelope: id: required');
  });
  beforeEach(() => {
    printed = '';
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk);
      return true;
    });
  });
  afterEach(() => write.mockRestore());
  afterAll(() => nats?.close());

  const cli = async (url: string, ...args: string[]) => {
    const program = new Command('aether').exitOverride();
    registerQuarantine(program);
    await program.parseAsync(['node', 'aether', 'quarantine', '--nats', url, ...args]);
  };
  const run = (...args: string[]) => cli(nats.server.url, ...args);

  it("lists one consumer's messages with their reasons", async () => {
    await run('--consumer', 'scheduler-request-job');
    expect(printed).toMatch(
      /^1 in quarantine for scheduler-request-job\n#\d+ \S+ scheduler-request-job: COMMANDS #4 /,
    );
    expect(printed).toContain('    not JSON: Unexpected end of JSON input\n');
    expect(printed).not.toContain('registry-robot-presence');
  });

  it('lists every consumer, newest last, as JSON lines', async () => {
    await run('--json');
    const rows = printed
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { consumer: string; body: string });
    expect(rows.map((row) => row.consumer)).toEqual(['scheduler-request-job', 'registry-robot-presence']);
    expect(rows[0]!.body).toBe('{"type":');
  });

  it("says so when the server has no quarantine stream, not the client's bare error", async () => {
    const empty = await startNatsServer();
    try {
      await expect(cli(empty.url)).rejects.toThrow(
        `${empty.url} has no QUARANTINE stream: Aether's services create it when they first start`,
      );
    } finally {
      await empty.stop();
    }
  });

  it('sends a quarantined command again with --requeue, once, and says what it did', async () => {
    await run('--json', '--consumer', 'registry-robot-presence');
    const { sequence } = JSON.parse(printed) as { sequence: number };
    printed = '';
    await run('--requeue', String(sequence));
    expect(printed).toMatch(
      new RegExp(
        `^sent #${sequence} again on aether\\.cmd\\.default\\.job\\.j1 \\(COMMANDS #\\d+\\); it is out of quarantine\n$`,
      ),
    );
    printed = '';
    await run('--consumer', 'registry-robot-presence');
    expect(printed).toBe('no messages in quarantine for registry-robot-presence\n');
    await expect(run('--requeue', String(sequence))).rejects.toThrow(`no message #${sequence} in quarantine`);
    await expect(run('--requeue', 'x')).rejects.toThrow('--requeue takes the # a listing shows, got "x"');
  });

  it('refuses a limit that is not a whole number', async () => {
    await expect(run('--limit', 'ten')).rejects.toThrow('--limit must be a whole number ≥ 1, got "ten"');
  });
});
