import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { EgressPolicy, type Resolver } from '@aether/egress';
import { parseWorkflow } from '@aether/workflow';
import { InMemoryArtifacts } from '../artifacts/artifact-store';
import type { NodeHandler } from '../contract';
import { ConfinedFolder } from '../files/confined-folder';
import { testNodeContext, type TestNodeContextOptions } from '../testing/node-context';
import { mailHandlers } from './mail.handlers';

const PASSWORD = 'Sm7p-Pa55word';
/** The test SMTP servers let in the robot with PASSWORD and no one else. */
const robotOnly: SMTPServerOptions['onAuth'] = (auth, _session, callback) =>
  auth.username === 'robot' && auth.password === PASSWORD
    ? callback(null, { user: 'robot' })
    : callback(new Error('Invalid username or password'));

describe('mail.send against an SMTP server on loopback', () => {
  let server: SMTPServer;
  let smtp: string;
  let root: string;
  let send: NodeHandler;
  const artifacts = new InMemoryArtifacts();
  const received: { from: string; to: string[]; raw: string }[] = [];
  /** The server holds its answer to a MAIL FROM of slow@… this long, and says when one arrives. */
  const SLOW_MS = 1_500;
  let slowMailFrom: () => void = () => undefined;
  const run = (params: Record<string, unknown>, context: TestNodeContextOptions = {}) =>
    send.execute(
      { smtp, from: 'Robot <robot@aether.test>', ...params },
      testNodeContext({ artifacts, ...context }),
    );

  beforeAll(async () => {
    server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: robotOnly,
      onMailFrom: (address, _session, callback) => {
        if (!address.address.startsWith('slow@')) return callback();
        slowMailFrom();
        setTimeout(() => callback(), SLOW_MS);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    smtp = `smtp://robot:${PASSWORD}@127.0.0.1:${port}`;
    root = await mkdtemp(join(tmpdir(), 'aether-mail-'));
    await writeFile(join(root, 'ledger.csv'), 'number,total\nINV-1,120\n');
    send = mailHandlers(new ConfinedFolder(root)).find((h) => h.type === 'mail.send')!;
  });
  beforeEach(() => (received.length = 0));
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(root, { recursive: true, force: true });
  });

  it('sends text and HTML with attachments from the folder and from an artifact, as a reply', async () => {
    const ref = await artifacts.put('document', 'job-1/fill/receipt.pdf', Buffer.from('%PDF-1.7 receipt'));
    const out = await run({
      to: ['buyer@acme.test', 'Accounts <ap@acme.test>'],
      subject: 'Your invoice INV-1 is booked',
      text: 'Booked: 120 EUR',
      html: '<p>Booked: <b>120 EUR</b></p>',
      inReplyTo: '<original-1@acme.test>',
      attachments: [{ file: 'ledger.csv' }, { file: ref, name: 'receipt.pdf' }],
    });
    expect(out).toMatchObject({ accepted: ['buyer@acme.test', 'ap@acme.test'], rejected: [] });
    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail.from).toBe('robot@aether.test');
    expect(mail.to).toEqual(['buyer@acme.test', 'ap@acme.test']);
    expect(mail.raw).toContain('Subject: Your invoice INV-1 is booked');
    expect(mail.raw).toContain('In-Reply-To: <original-1@acme.test>');
    expect(mail.raw).toMatch(/filename=ledger\.csv/);
    expect(mail.raw).toMatch(/filename=receipt\.pdf/);
    expect(mail.raw).toContain(Buffer.from('number,total\nINV-1,120\n').toString('base64'));
    expect(mail.raw).toContain(`Message-ID: ${String(out['messageId'])}`);
  });

  it('derives the Message-ID from job, step and idempotency key, so a resent copy is recognisable', async () => {
    const step = { jobId: 'job-9', stepKey: 'reply[2]', idempotencyKey: 'INV-2' };
    const first = await run({ to: 'a@acme.test', subject: 's', text: 't' }, step);
    const again = await run({ to: 'a@acme.test', subject: 's', text: 't' }, step);
    const other = await run(
      { to: 'a@acme.test', subject: 's', text: 't' },
      { ...step, idempotencyKey: 'INV-3' },
    );
    expect(first['messageId']).toMatch(/^<[0-9a-f]{32}@aether\.test>$/);
    expect(again['messageId']).toBe(first['messageId']);
    expect(other['messageId']).not.toBe(first['messageId']);
  });

  it('stops the SMTP transaction on abort: rejects at once and the late server never gets the message', async () => {
    const abort = new AbortController();
    const mailFromArrived = new Promise<void>((resolve) => (slowMailFrom = resolve));
    const sending = run(
      { from: 'slow@aether.test', to: 'a@acme.test', subject: 'Cancelled', text: 'never' },
      { signal: abort.signal },
    );
    await mailFromArrived;
    const abortedAt = Date.now();
    abort.abort(new Error('job cancelled'));
    await expect(sending).rejects.toMatchObject({ name: 'NodeCancelledError' });
    expect(Date.now() - abortedAt).toBeLessThan(SLOW_MS / 3);
    // Past the server's answer: a send left running would now give RCPT, DATA and the message.
    await new Promise((done) => setTimeout(done, SLOW_MS + 500));
    expect(received).toHaveLength(0);
  });

  it('fails terminally on refused credentials without showing them', async () => {
    const wrong = smtp.replace(PASSWORD, 'Wr0ng-Pa55word');
    const failed = send.execute(
      { smtp: wrong, from: 'robot@aether.test', to: 'a@acme.test', subject: 's', text: 't' },
      testNodeContext(),
    );
    await expect(failed).rejects.toMatchObject({
      name: 'MailError',
      retryable: false,
      message: expect.stringContaining('EAUTH'),
    });
    const message = await failed.catch((error: Error) => error.message);
    expect(message).not.toContain('Wr0ng-Pa55word');
    expect(received).toHaveLength(0);
  });

  it('takes the server only as a secret reference, and needs a body', () => {
    const result = parseWorkflow({
      id: 'reply',
      nodes: [
        {
          id: 'send',
          type: 'mail.send',
          params: { smtp, from: 'robot@aether.test', to: 'not-an-address', subject: 's' },
        },
      ],
    });
    const problems = result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^nodes\[0]\.params\.smtp: must be a secret reference/),
        expect.stringMatching(/^nodes\[0]\.params\.to: /),
        'nodes[0].params: give text, html or both',
      ]),
    );
  });
});

describe("mail.send behind the robot's egress policy", () => {
  let server: SMTPServer;
  let port: number;
  let forbidden: Server;
  let forbiddenPort: number;
  let knocks = 0;
  let root: string;
  const received: { to: string[]; servername: string | undefined }[] = [];
  // smtp.acme.test is unknown to the system resolver: a send that reaches the server went through the guard's answer.
  const resolve: Resolver = async (hostname) => {
    if (hostname !== 'smtp.acme.test')
      throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address: '127.0.0.1', family: 4 }];
  };
  const send = (allow: string, smtp: string) =>
    mailHandlers(new ConfinedFolder(root), { egress: EgressPolicy.parse(allow), resolve })
      .find((h) => h.type === 'mail.send')!
      .execute(
        { smtp, from: 'robot@aether.test', to: 'buyer@acme.test', subject: 'Booked', text: 'ok' },
        testNodeContext({ timeoutMs: 10_000 }),
      );

  beforeAll(async () => {
    // STARTTLS on, with smtp-server's built-in test certificate: the TLS session shows the name sent as SNI.
    server = new SMTPServer({
      allowInsecureAuth: true,
      logger: false,
      onAuth: robotOnly,
      onData: (stream, session, callback) => {
        stream.resume();
        stream.on('end', () => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            servername: session.servername || undefined,
          });
          callback();
        });
      },
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.server.address() as AddressInfo).port;
    forbidden = createServer((socket) => {
      knocks++;
      socket.destroy();
    });
    await new Promise<void>((done) => forbidden.listen(0, '127.0.0.1', done));
    forbiddenPort = (forbidden.address() as AddressInfo).port;
    root = await mkdtemp(join(tmpdir(), 'aether-mail-egress-'));
  });
  beforeEach(() => {
    received.length = 0;
    knocks = 0;
  });
  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
    await new Promise<void>((done) => forbidden.close(() => done()));
    await rm(root, { recursive: true, force: true });
  });

  it('sends to a server the list names, over STARTTLS with the host name as SNI', async () => {
    const out = await send(
      'smtp.acme.test',
      `smtp://robot:${PASSWORD}@smtp.acme.test:${port}?tls.rejectUnauthorized=false&requireTLS=true`,
    );
    expect(out['accepted']).toEqual(['buyer@acme.test']);
    expect(received).toEqual([{ to: ['buyer@acme.test'], servername: 'smtp.acme.test' }]);
  });

  it('fails with EGRESS_DENIED and opens no connection to a server the list does not name', async () => {
    const failed = send('smtp.acme.test,10.0.0.0/8', `smtp://robot:${PASSWORD}@127.0.0.1:${forbiddenPort}`);
    await expect(failed).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      retryable: false,
      message: "requests to 127.0.0.1 is not on this robot's egress allow-list are not allowed on this robot",
    });
    await new Promise((done) => setTimeout(done, 100));
    expect(knocks).toBe(0);
  });

  it('refuses a proxy in the URL, which nodemailer would connect to beside the guard', async () => {
    const failed = send(
      'smtp.acme.test',
      `smtp://robot:${PASSWORD}@smtp.acme.test:${port}?proxy=http://127.0.0.1:${forbiddenPort}`,
    );
    await expect(failed).rejects.toMatchObject({
      code: 'MAIL_ERROR',
      retryable: false,
      message: 'smtp: the URL option "proxy" is not allowed on a robot',
    });
    await new Promise((done) => setTimeout(done, 100));
    expect(knocks).toBe(0);
    expect(received).toHaveLength(0);
  });
});
