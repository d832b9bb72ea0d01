import { createServer, connect, type Server, type Socket } from 'node:net';
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer';
import { Client } from 'pg';
import {
  createTestDatabase,
  eventually,
  startImapServer,
  type TestDatabase,
  type TestImapServer,
} from '@aether/testing';
import { startTestPlatform, type JobEventView, type TestPlatform } from '@aether/platform';

const PASSWORD = 'K1ll-Im4p-Pa55';

/**
 * Reads the unseen mails and records each in the ERP once, then files it in Processed.
 * `mail.fetch` is idempotent in the catalog (it reads with BODY.PEEK and EXAMINE, changing no
 * flag), so a robot dying inside it makes another robot run it again rather than parking the job.
 */
const workflow = {
  id: 'record-mails',
  nodes: [
    {
      id: 'fetch-mail',
      type: 'mail.fetch',
      params: { imap: '{{ secrets.mailbox }}', limit: 50 },
      next: 'each-mail',
    },
    {
      id: 'each-mail',
      type: 'forEach',
      params: { items: 'steps.fetch-mail.output.messages', as: 'message' },
      body: 'record',
    },
    {
      id: 'record',
      type: 'db.execute',
      idempotencyKey: '{{ message.uidValidity }}-{{ message.uid }}',
      params: {
        connection: '{{ secrets.erpDatabase }}',
        sql: 'INSERT INTO mails (uid, message_id) VALUES (:uid, :messageId)',
        params: { uid: '{{ message.uid }}', messageId: '{{ message.messageId }}' },
      },
      next: 'file-mail',
    },
    {
      id: 'file-mail',
      type: 'mail.move',
      params: {
        imap: '{{ secrets.mailbox }}',
        uids: '{{ message.uid }}',
        uidValidity: '{{ message.uidValidity }}',
        to: 'Processed',
      },
    },
  ],
};

/**
 * A TCP proxy in front of Dovecot that, on the first connection sending a FETCH, withholds the
 * server's answers from then on: the robot is then surely inside `mail.fetch`, waiting, when it
 * is killed. Later connections pass untouched.
 */
interface HoldingProxy {
  readonly port: number;
  /** Whether a connection's FETCH answer is being withheld. */
  holding(): boolean;
  close(): Promise<void>;
}

async function startHoldingProxy(targetPort: number): Promise<HoldingProxy> {
  const sockets = new Set<Socket>();
  let held = false;
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    let withhold = false;
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (!held && /\bFETCH\b/i.test(chunk.toString('latin1'))) {
        held = true;
        withhold = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!withhold) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    holding: () => held,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('mail.fetch: a real robot SIGKILLed inside the fetch', () => {
  let platform: TestPlatform;
  let erp: TestDatabase;
  let client: Client;
  let imap: TestImapServer;
  let proxy: HoldingProxy;
  let imapUrl: string;

  const dovecot = () =>
    new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: false,
      logger: false,
      auth: { user: 'robot', pass: PASSWORD },
    });

  /** Delivers the messages straight to Dovecot (not through the proxy). */
  async function deliver(mails: { messageId: string; subject: string; seen?: boolean }[]) {
    const mailbox = dovecot();
    await mailbox.connect();
    try {
      for (const mail of mails) {
        const raw = await new MailComposer({
          from: 'Acme Billing <billing@acme.test>',
          to: 'ap@aether.test',
          subject: mail.subject,
          messageId: mail.messageId,
          text: `About ${mail.subject}`,
        })
          .compile()
          .build();
        await mailbox.append('INBOX', raw, mail.seen ? ['\\Seen'] : []);
      }
    } finally {
      await mailbox.logout();
    }
  }

  async function count(mailboxName: string): Promise<number> {
    const mailbox = dovecot();
    await mailbox.connect();
    try {
      const status = await mailbox.status(mailboxName, { messages: true });
      return status === false ? -1 : (status.messages ?? -1);
    } finally {
      await mailbox.logout();
    }
  }

  beforeAll(async () => {
    imap = await startImapServer({ robot: PASSWORD });
    proxy = await startHoldingProxy(imap.port);
    imapUrl = `imap://robot:${encodeURIComponent(PASSWORD)}@127.0.0.1:${proxy.port}`;
    erp = await createTestDatabase('aether_e2e_mail');
    client = new Client({ connectionString: erp.url });
    await client.connect();
    await client.query('CREATE TABLE mails (uid integer NOT NULL, message_id text NOT NULL)');
    platform = await startTestPlatform({
      name: 'mail-kill',
      robots: 1,
      demoSite: false,
      secrets: { mailbox: imapUrl, erpDatabase: erp.url },
    });
    expect((await platform.api('POST', '/api/v1/workflows', workflow)).status).toBe(201);
  });

  afterAll(async () => {
    await platform?.stop();
    await proxy?.close();
    await imap?.stop();
    await client?.end();
    await erp?.drop();
  });

  const waitFor = (jobId: string, found: (h: JobEventView[]) => boolean, what: string) =>
    eventually(
      async () => {
        const history = await platform.events(jobId);
        return found(history) ? history : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 50, what },
    );

  const isFetch = (type: string) => (e: JobEventView) =>
    e.type === type && e.data['stepKey'] === 'fetch-mail';

  it('another robot fetches again and each unseen mail is recorded and filed exactly once', async () => {
    const unseen = ['<inv-1@acme.test>', '<inv-2@acme.test>', '<inv-3@acme.test>'];
    await deliver([
      { messageId: '<old@acme.test>', subject: 'Already read', seen: true },
      ...unseen.map((messageId, i) => ({ messageId, subject: `Invoice INV-${i + 1}` })),
    ]);
    await platform.stack.addRobot('robot-standby');
    const { status, body } = await platform.api<{ jobId: string }>(
      'POST',
      `/api/v1/workflows/${workflow.id}/trigger`,
      { variables: {} },
    );
    expect(status).toBe(202);
    const jobId = body.jobId;

    await eventually(() => (proxy.holding() ? true : undefined), {
      timeoutMs: 90_000,
      intervalMs: 50,
      what: 'the robot sending its FETCH',
    });
    const before = await waitFor(jobId, (h) => h.some(isFetch('StepStarted')), 'the fetch step started');
    const holder = before.find(isFetch('StepStarted'))?.data['robotId'];
    const robot = platform.stack.robots.find((r) => r.name === holder);
    if (!robot) throw new Error(`robot ${String(holder)} is not one of the stack's`);
    // its FETCH is unanswered, so the step cannot have completed: the kill lands inside it
    robot.child.kill('SIGKILL');
    expect((await platform.events(jobId)).filter(isFetch('StepCompleted'))).toHaveLength(0);

    const history = await waitFor(
      jobId,
      (h) => h.some((e) => ['JobCompleted', 'JobFailed', 'JobNeedsAttention'].includes(e.type)),
      'the job completing, failing or waiting for an operator',
    );
    expect(history.filter((e) => e.type === 'JobFailed' || e.type === 'JobNeedsAttention')).toEqual([]);
    expect(history.some((e) => e.type === 'JobCompleted')).toBe(true);
    const started = history.filter(isFetch('StepStarted'));
    expect(started).toHaveLength(2);
    expect(new Set(started.map((e) => e.data['robotId'])).size).toBe(2);
    expect(started[0]!.data['robotId']).toBe(holder);
    expect(history.filter(isFetch('StepCompleted'))).toHaveLength(1);

    const rows = await client.query<{ message_id: string }>('SELECT message_id FROM mails ORDER BY uid');
    expect(rows.rows.map((r) => r.message_id)).toEqual(unseen);
    expect(await count('Processed')).toBe(unseen.length);
    expect(await count('INBOX')).toBe(1); // the one read before the job
    const events = JSON.stringify(history);
    expect(events).not.toContain(PASSWORD);
    expect(events).not.toContain(imapUrl);
    expect(events).not.toContain(erp.url);
  });
});
