import { createServer, type AddressInfo } from 'node:net';
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { KV } from '@nats-io/kv';
import {
  KV_BUCKETS,
  MAIL_TRIGGER_EVENTS,
  MessageRegistry,
  RequestJob,
  STREAMS,
  WorkflowVersionPublished,
  subjects,
  type MailTriggerDefinition,
  type MailTriggerEvent,
} from '@aether/contracts';
import { EgressPolicy, type Resolver } from '@aether/egress';
import { startJetStream, type TestJetStream } from '@aether/event-store/test-support';
import { openBucket } from '@aether/kv-state';
import { createLogger } from '@aether/service-kit';
import { eventually, startImapServer, type TestImapServer } from '@aether/testing';
import { KvSecretVault, MasterKeyring, generateMasterKey } from '@aether/vault';
import { MailWatcher, jobIdOf } from './mail-watcher';
import { mailboxSecrets, type SecretLookup } from './mailbox-secrets';

const tenantId = 'default';
const PASSWORD = 'Tr1gger-Pa55word';
const registry = new MessageRegistry<MailTriggerEvent>(MAIL_TRIGGER_EVENTS);

describe('mail trigger (real nats-server and Dovecot)', () => {
  let jet: TestJetStream;
  let imap: TestImapServer;
  let kv: KV;
  let watchers: MailWatcher[] = [];
  const logger = createLogger('mail-watcher-spec', 'silent');
  // The mailbox URL lives in the vault only (ADR 68): the environment given holds none.
  let secrets: SecretLookup;
  let vault: KvSecretVault;
  // Names the system resolver does not know: the watchers reach Dovecot through the egress guard's answer (ADR 79).
  const resolve: Resolver = async (hostname) => {
    if (!['imap.acme.test', 'intranet.acme.test'].includes(hostname))
      throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address: '127.0.0.1', family: 4 }];
  };
  const startWatchers = async (count: number) => {
    watchers = Array.from(
      { length: count },
      (_, n) =>
        new MailWatcher(
          kv,
          jet.store,
          jet.js,
          jet.jsm,
          secrets,
          {
            pollMs: 150,
            replicaId: `r${n}`,
            egress: EgressPolicy.parse('imap.acme.test', { listName: 'MAIL_TRIGGER_EGRESS_ALLOW' }),
            resolve,
          },
          logger,
        ),
    );
    await Promise.all(watchers.map((w) => w.start()));
  };
  const stopWatchers = () => Promise.all(watchers.map((w) => w.stop()));

  async function deliver(mail: ConstructorParameters<typeof MailComposer>[0]): Promise<void> {
    const client = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: false,
      logger: false,
      auth: { user: 'ap', pass: PASSWORD },
    });
    await client.connect();
    try {
      await client.append('INBOX', await new MailComposer(mail).compile().build());
    } finally {
      await client.logout();
    }
  }
  const invoice = (n: number) => ({
    from: 'Acme Billing <billing@acme.test>',
    to: 'ap@aether.test',
    subject: `Invoice INV-${n}`,
    messageId: `<inv-${n}@acme.test>`,
    text: 'attached',
  });

  async function fires(triggerId = 'invoices'): Promise<MailTriggerEvent[]> {
    const history = await jet.store.read(subjects.event(tenantId, 'mail-trigger', triggerId), registry);
    return history.events.map((stored) => stored.event);
  }

  /** The RequestJob commands waiting on COMMANDS (nothing consumes them in this test). */
  async function requested(): Promise<{ jobId: string; variables: Record<string, unknown> }[]> {
    const info = await jet.jsm.streams.info(STREAMS.commands);
    const out = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const message = await jet.jsm.streams.getMessage(STREAMS.commands, { seq }).catch(() => null);
      if (!message || !message.subject.endsWith(`.${RequestJob.type}`)) continue;
      const command = message.json<{ aggregateId: string; data: { variables: Record<string, unknown> } }>();
      out.push({ jobId: command.aggregateId, variables: command.data.variables });
    }
    return out;
  }

  beforeAll(async () => {
    jet = await startJetStream('mail-watcher-spec');
    imap = await startImapServer({ ap: PASSWORD });
    kv = await openBucket(jet.nc, KV_BUCKETS.mailTriggers);
    vault = await KvSecretVault.open(jet.nc, MasterKeyring.fromBase64(generateMasterKey()));
    await vault.write(tenantId, 'apInbox', `imap://ap:${PASSWORD}@imap.acme.test:${imap.port}`, 'test');
    secrets = mailboxSecrets(vault, {});
    const nodes = [{ id: 'stop', type: 'stopWithError', params: { message: 'never run' } }];
    // The trigger's job takes `ledger` and the message as `mail`; `strict-ledger` does not take `mail`.
    for (const [workflowId, inputs] of [
      ['invoices-to-ledger', { ledger: { type: 'string' }, mail: { type: 'object' } }],
      ['strict-ledger', { ledger: { type: 'string' } }],
    ] as const)
      await jet.store.append(
        subjects.event(tenantId, 'workflow', workflowId),
        [
          WorkflowVersionPublished.create({
            tenantId,
            aggregateId: workflowId,
            data: { version: 1, definition: { id: workflowId, inputs, nodes } as never },
          }),
        ],
        0,
      );
    const definition: MailTriggerDefinition = {
      triggerId: 'invoices',
      tenantId,
      imapSecret: 'apInbox',
      mailbox: 'INBOX',
      subject: 'Invoice',
      paused: false,
      createdAt: new Date().toISOString(),
      workflowId: 'invoices-to-ledger',
      variables: { ledger: 'data/ledger.xlsx' },
      priority: 10,
    };
    await kv.put(`${tenantId}.invoices`, JSON.stringify(definition));
  }, 30_000);
  afterAll(async () => {
    await stopWatchers();
    await imap?.stop();
    await jet?.close();
  });

  it('starts one job per new matching message, whichever of two replicas sees it first', async () => {
    await deliver(invoice(1));
    await deliver({ from: 'news@shop.test', to: 'ap@aether.test', subject: 'Spring offers', text: 'Buy' });
    await deliver(invoice(2));
    await startWatchers(2);
    await eventually(async () => ((await fires()).length >= 2 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 600)); // several polls of both replicas
    const fired = await fires();
    expect(fired.map((e) => [e.data.uid, e.data.messageId])).toEqual([
      [1, '<inv-1@acme.test>'],
      [3, '<inv-2@acme.test>'],
    ]);
    const jobs = await requested();
    expect(jobs.map((j) => j.jobId).sort()).toEqual(fired.map((e) => e.data.jobId).sort());
    expect(fired.map((e) => e.data.workflowVersion)).toEqual([1, 1]);
    expect(
      jobs.find((j) => j.jobId === jobIdOf({ triggerId: 'invoices' }, '<inv-1@acme.test>'))?.variables,
    ).toEqual({
      ledger: 'data/ledger.xlsx',
      mail: {
        uid: 1,
        uidValidity: fired[0]?.data.uidValidity,
        mailbox: 'INBOX',
        messageId: '<inv-1@acme.test>',
        from: 'billing@acme.test',
        subject: 'Invoice INV-1',
      },
    });
  });

  it('resumes after a restart from the UID on the stream: old messages start nothing, a new one starts one job', async () => {
    await stopWatchers();
    await deliver(invoice(3));
    // the same invoice mailed again: a new UID, the same Message-ID, so the same job
    await deliver(invoice(1));
    await startWatchers(1);
    await eventually(async () => ((await fires()).length >= 4 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const fired = await fires();
    expect(fired.map((e) => e.data.uid)).toEqual([1, 3, 4, 5]);
    expect(fired[3]?.data.jobId).toBe(fired[0]?.data.jobId);
    const jobIds = new Set((await requested()).map((j) => j.jobId));
    expect(jobIds.size).toBe(3);
  });

  it('keeps polling while the server is down and picks up what arrived meanwhile', async () => {
    await imap.kill();
    await new Promise((resolve) => setTimeout(resolve, 400)); // failed polls
    await imap.restart();
    await deliver(invoice(4));
    await eventually(async () => ((await fires()).length >= 5 ? true : undefined));
    expect((await fires()).map((e) => e.data.messageId).at(-1)).toBe('<inv-4@acme.test>');
  });

  it('never connects to a mailbox the egress policy refuses, and says why in its warning', async () => {
    let knocks = 0;
    const forbidden = createServer((socket) => {
      knocks++;
      socket.destroy();
    });
    await new Promise<void>((done) => forbidden.listen(0, '127.0.0.1', done));
    const port = (forbidden.address() as AddressInfo).port;
    const warn = jest.spyOn(logger, 'warn');
    const refused = [
      ['byName', `imap://ap:${PASSWORD}@intranet.acme.test:${port}`],
      ['byAddress', `imap://ap:${PASSWORD}@127.0.0.1:${port}`],
    ] as const;
    try {
      for (const [triggerId, url] of refused) {
        await vault.write(tenantId, `${triggerId}Inbox`, url, 'test');
        const definition = JSON.parse(
          new TextDecoder().decode((await kv.get(`${tenantId}.invoices`))!.value),
        ) as MailTriggerDefinition;
        await kv.put(
          `${tenantId}.${triggerId}`,
          JSON.stringify({ ...definition, triggerId, imapSecret: `${triggerId}Inbox` }),
        );
      }
      const refusal = (triggerId: string) =>
        warn.mock.calls.find(([fields]) => (fields as { trigger?: string }).trigger === triggerId)?.[0] as
          { err: string } | undefined;
      await eventually(async () => (refusal('byName') && refusal('byAddress') ? true : undefined));
      expect(refusal('byName')?.err).toBe(
        'EGRESS_DENIED: requests to intranet.acme.test (127.0.0.1) is not on MAIL_TRIGGER_EGRESS_ALLOW are not allowed',
      );
      expect(refusal('byAddress')?.err).toBe(
        'EGRESS_DENIED: requests to 127.0.0.1 is not on MAIL_TRIGGER_EGRESS_ALLOW are not allowed',
      );
      expect(JSON.stringify(warn.mock.calls)).not.toContain(PASSWORD);
      expect(knocks).toBe(0);
    } finally {
      warn.mockRestore();
      for (const [triggerId] of refused) await kv.delete(`${tenantId}.${triggerId}`);
      await new Promise<void>((done) => forbidden.close(() => done()));
    }
  });

  it('records a message the version refuses, with its problems, and starts no job for it', async () => {
    const definition = JSON.parse(
      new TextDecoder().decode((await kv.get(`${tenantId}.invoices`))!.value),
    ) as MailTriggerDefinition;
    await kv.put(
      `${tenantId}.strict`,
      JSON.stringify({ ...definition, triggerId: 'strict', workflowId: 'strict-ledger' }),
    );
    try {
      const [first] = await eventually(async () => {
        const found = await fires('strict');
        return found.length > 0 ? found : undefined;
      });
      expect(first?.data.refused).toEqual({
        workflowVersion: 1,
        reason: 'workflow strict-ledger v1 refuses these inputs: inputs.mail: unknown input',
        problems: [{ path: 'inputs.mail', message: 'unknown input' }],
      });
      await new Promise((resolve) => setTimeout(resolve, 400)); // its request would have followed the fire
      const refused = new Set((await fires('strict')).map((e) => e.data.jobId));
      expect((await requested()).filter((job) => refused.has(job.jobId))).toEqual([]);
    } finally {
      await kv.delete(`${tenantId}.strict`);
    }
  });
});
