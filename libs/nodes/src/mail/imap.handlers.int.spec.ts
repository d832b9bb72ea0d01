import { createServer, type AddressInfo, type Server } from 'node:net';
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer';
import { EgressPolicy, type Resolver } from '@aether/egress';
import { parseWorkflow } from '@aether/workflow';
import { startImapServer, type TestImapServer } from '@aether/testing';
import { InMemoryArtifacts } from '../artifacts/artifact-store';
import type { NodeHandler } from '../contract';
import { testNodeContext } from '../testing/node-context';
import { imapHandlers } from './imap.handlers';

const PASSWORD = 'Im4p-Pa55word';

/** A message as a sender's client would build it, appended to the mailbox over IMAP. */
async function deliver(server: TestImapServer, mail: ConstructorParameters<typeof MailComposer>[0]) {
  const raw = await new MailComposer(mail).compile().build();
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    logger: false,
    auth: { user: 'robot', pass: PASSWORD },
  });
  await client.connect();
  try {
    const appended = await client.append('INBOX', raw);
    return appended === false ? undefined : appended.uid;
  } finally {
    await client.logout();
  }
}

describe('mail.fetch, mail.move and mail.markSeen against Dovecot on loopback', () => {
  let server: TestImapServer;
  let imap: string;
  const artifacts = new InMemoryArtifacts();
  const [fetch, move, markSeen] = imapHandlers() as [NodeHandler, NodeHandler, NodeHandler];
  const context = (stepKey = 'fetch') => testNodeContext({ artifacts, stepKey });
  const pdf = Buffer.from('%PDF-1.7\n% an invoice\n');
  let first: number | undefined;

  beforeAll(async () => {
    server = await startImapServer({ robot: PASSWORD });
    imap = server.urlFor('robot');
    first = await deliver(server, {
      from: 'Acme Billing <billing@acme.test>',
      to: 'ap@aether.test',
      subject: 'Invoice INV-1',
      messageId: '<inv-1@acme.test>',
      date: new Date('2026-03-02T09:00:00Z'),
      text: 'Please find the invoice attached.',
      html: '<p>Please find the invoice attached.</p>',
      attachments: [{ filename: 'INV-1.pdf', content: pdf, contentType: 'application/pdf' }],
    });
    await deliver(server, {
      from: 'news@shop.test',
      to: 'ap@aether.test',
      subject: 'Our spring offers',
      messageId: '<news-1@shop.test>',
      text: 'Buy now',
    });
    await deliver(server, {
      from: 'Acme Billing <billing@acme.test>',
      to: 'ap@aether.test',
      cc: 'boss@aether.test',
      subject: 'Invoice INV-2',
      messageId: '<inv-2@acme.test>',
      text: 'Second invoice',
    });
  }, 30_000);
  afterAll(() => server.stop());

  it('reads unseen messages with their attachments as artifacts, leaving them unseen', async () => {
    const out = await fetch.execute({ imap }, context());
    expect(out).toMatchObject({ count: 3, more: false, mailbox: 'INBOX' });
    const messages = out['messages'] as Record<string, unknown>[];
    expect(messages.map((m) => m['subject'])).toEqual([
      'Invoice INV-1',
      'Our spring offers',
      'Invoice INV-2',
    ]);
    const [inv1] = messages;
    expect(inv1).toMatchObject({
      uid: first,
      uidValidity: out['uidValidity'],
      messageId: '<inv-1@acme.test>',
      from: 'Acme Billing <billing@acme.test>',
      fromAddress: 'billing@acme.test',
      to: ['ap@aether.test'],
      date: '2026-03-02T09:00:00.000Z',
      text: expect.stringContaining('Please find the invoice attached.'),
      html: '<p>Please find the invoice attached.</p>',
      seen: false,
    });
    expect(messages[2]?.['to']).toEqual(['ap@aether.test', 'boss@aether.test']);
    const [attachment] = inv1?.['attachments'] as { name: string; ref: string; size: number }[];
    expect(attachment).toMatchObject({ name: 'INV-1.pdf', contentType: 'application/pdf', size: pdf.length });
    expect(Buffer.from(await artifacts.get(attachment!.ref))).toEqual(pdf);

    // read again (a step re-run after a crash): the same messages, the same artifact names
    const again = await fetch.execute({ imap }, context());
    expect(again['messages']).toEqual(out['messages']);
    expect(artifacts.list().filter((a) => a.kind === 'mail-attachment')).toHaveLength(1);
  });

  it('filters by sender, subject and UID, and says when more matched than the limit', async () => {
    const bySender = await fetch.execute(
      { imap, from: 'billing@acme.test', limit: 1, attachments: false },
      context(),
    );
    expect(bySender).toMatchObject({ count: 1, more: true });
    const [only] = bySender['messages'] as Record<string, unknown>[];
    expect(only).toMatchObject({ subject: 'Invoice INV-1', attachments: [] });
    const bySubject = await fetch.execute({ imap, subject: 'INV-2' }, context());
    expect((bySubject['messages'] as { messageId: string }[]).map((m) => m.messageId)).toEqual([
      '<inv-2@acme.test>',
    ]);
    const byUid = await fetch.execute({ imap, uids: [first!] }, context());
    expect(byUid['count']).toBe(1);
  });

  it('marks messages seen (and unseen again) by UID', async () => {
    const out = await markSeen.execute({ imap, uids: first! }, context('seen'));
    expect(out).toEqual({ updated: 1, uids: [first] });
    const unseen = await fetch.execute({ imap }, context());
    expect(unseen['count']).toBe(2);
    const all = await fetch.execute({ imap, unseen: false, uids: first! }, context());
    expect((all['messages'] as { seen: boolean }[])[0]?.seen).toBe(true);
    await markSeen.execute({ imap, uids: [first!], seen: false }, context('seen'));
    expect((await fetch.execute({ imap }, context()))['count']).toBe(3);
  });

  it('moves messages once: a re-run finds them gone from the source and moves nothing', async () => {
    const listed = await fetch.execute({ imap, subject: 'spring' }, context());
    const [news] = listed['messages'] as { uid: number; uidValidity: string }[];
    const params = { imap, uids: [news!.uid], uidValidity: news!.uidValidity, to: 'Archive/Newsletters' };
    const out = await move.execute(params, context('move'));
    expect(out).toMatchObject({ moved: 1, uids: [news!.uid] });
    expect((out['destinationUids'] as number[]).length).toBe(1);
    expect(await move.execute(params, context('move'))).toEqual({ moved: 0, uids: [], destinationUids: [] });
    const archived = await fetch.execute({ imap, mailbox: 'Archive/Newsletters' }, context());
    expect((archived['messages'] as { messageId: string }[]).map((m) => m.messageId)).toEqual([
      '<news-1@shop.test>',
    ]);
    expect((await fetch.execute({ imap }, context()))['count']).toBe(2);
  });

  it('refuses UIDs of another UIDVALIDITY', async () => {
    await expect(
      markSeen.execute({ imap, uids: first!, uidValidity: '1' }, context('seen')),
    ).rejects.toMatchObject({
      name: 'MailError',
      retryable: false,
      message: expect.stringContaining('UIDVALIDITY'),
    });
  });

  it('fails terminally on refused credentials without showing them', async () => {
    const wrong = imap.replace(PASSWORD, 'Wr0ng-Pa55word');
    const failed = fetch.execute({ imap: wrong }, context());
    await expect(failed).rejects.toMatchObject({ name: 'MailError', retryable: false });
    const message = await failed.catch((error: Error) => error.message);
    expect(message).not.toContain('Wr0ng-Pa55word');
  });

  it('fails retryably while the server is down, and reads the same messages once it is back', async () => {
    const before = await fetch.execute({ imap }, context());
    await server.kill();
    await expect(fetch.execute({ imap }, context())).rejects.toMatchObject({
      name: 'MailError',
      retryable: true,
    });
    await server.restart();
    const after = await fetch.execute({ imap }, context());
    expect(after['messages']).toEqual(before['messages']);
  });

  it('stops when the step is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(
      fetch.execute({ imap }, testNodeContext({ signal: controller.signal })),
    ).rejects.toMatchObject({ name: 'NodeCancelledError' });
  });

  it('takes the server only as a secret reference', () => {
    const result = parseWorkflow({
      id: 'inbox',
      nodes: [
        { id: 'fetch', type: 'mail.fetch', params: { imap, limit: 0 } },
        { id: 'move', type: 'mail.move', params: { imap: '{{ secrets.inbox }}', uids: [], to: 'Done' } },
      ],
    });
    const problems = result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^nodes\[0]\.params\.imap: must be a secret reference/),
        expect.stringMatching(/^nodes\[0]\.params\.limit: /),
        expect.stringMatching(/^nodes\[1]\.params\.uids/),
      ]),
    );
  });
});

describe("mail.* over IMAP behind the robot's egress policy", () => {
  let server: TestImapServer;
  let forbidden: Server;
  let forbiddenPort: number;
  let knocks = 0;
  let uid: number | undefined;
  // Names unknown to the system resolver: a step that reaches Dovecot went through the guard's answer.
  const dns: Record<string, string> = { 'imap.acme.test': '127.0.0.1', 'intranet.acme.test': '127.0.0.1' };
  const resolve: Resolver = async (hostname) => {
    const address = dns[hostname];
    if (!address) throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: 4 }];
  };
  const handlers = imapHandlers({ egress: EgressPolicy.parse('imap.acme.test'), resolve });
  const run = (type: string, params: Record<string, unknown>) =>
    handlers.find((h) => h.type === type)!.execute(params, testNodeContext({ timeoutMs: 10_000 }));
  const at = (host: string, port: number) => `imap://robot:${PASSWORD}@${host}:${port}`;

  beforeAll(async () => {
    server = await startImapServer({ robot: PASSWORD });
    uid = await deliver(server, {
      from: 'billing@acme.test',
      to: 'ap@aether.test',
      subject: 'INV-9',
      text: '9',
    });
    forbidden = createServer((socket) => {
      knocks++;
      socket.destroy();
    });
    await new Promise<void>((done) => forbidden.listen(0, '127.0.0.1', done));
    forbiddenPort = (forbidden.address() as AddressInfo).port;
  }, 30_000);
  beforeEach(() => (knocks = 0));
  afterAll(async () => {
    await new Promise<void>((done) => forbidden.close(() => done()));
    await server.stop();
  });

  it('reads and marks messages on a server the list names, connecting to the address the guard checked', async () => {
    const out = await run('mail.fetch', { imap: at('imap.acme.test', server.port) });
    expect(out).toMatchObject({ count: 1, messages: [{ uid, subject: 'INV-9' }] });
    await expect(
      run('mail.markSeen', { imap: at('imap.acme.test', server.port), uids: [uid] }),
    ).resolves.toMatchObject({
      uids: [uid],
    });
  });

  it('fails with EGRESS_DENIED and opens no connection to an address the list does not name', async () => {
    await expect(run('mail.fetch', { imap: at('127.0.0.1', forbiddenPort) })).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      retryable: false,
      message: "requests to 127.0.0.1 is not on this robot's egress allow-list are not allowed on this robot",
    });
    await expect(
      run('mail.move', { imap: at('intranet.acme.test', forbiddenPort), uids: [1], to: 'Done' }),
    ).rejects.toMatchObject({
      code: 'EGRESS_DENIED',
      message: expect.stringContaining(
        "intranet.acme.test (127.0.0.1) is not on this robot's egress allow-list",
      ),
    });
    await new Promise((done) => setTimeout(done, 100));
    expect(knocks).toBe(0);
  });
});
