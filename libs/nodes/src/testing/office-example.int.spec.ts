import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { parseWorkflowText } from '@aether/workflow';
import { createTestDatabase, startImapServer, type TestDatabase, type TestImapServer } from '@aether/testing';
import { InMemoryArtifacts } from '../artifacts/artifact-store';
import { DatabasePool } from '../db/database-pool';
import { createNodeHandlers, type NodeHandlerTable } from '../handlers';
import { runLocally } from './run-locally';

jest.setTimeout(60_000);

async function invoice(number: string, customer: string, total: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  page.drawText(`Invoice ${number}`, { x: 50, y: 780, size: 18, font });
  page.drawText(`Customer: ${customer}`, { x: 50, y: 750, size: 11, font });
  page.drawText(`Total due: ${total} EUR`, { x: 50, y: 730, size: 11, font });
  doc.addPage([595, 842]).drawText('Terms: 30 days net', { x: 50, y: 780, size: 11, font });
  return doc.save();
}

const IMAP_PASSWORD = 'Inb0x-Pa55word';

/** Mails as senders' clients build them, appended to the robot's INBOX over IMAP. */
async function deliver(server: TestImapServer, mails: ConstructorParameters<typeof MailComposer>[0][]) {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    logger: false,
    auth: { user: 'ap', pass: IMAP_PASSWORD },
  });
  await client.connect();
  try {
    for (const mail of mails) await client.append('INBOX', await new MailComposer(mail).compile().build());
  } finally {
    await client.logout();
  }
}

/** Subjects per mailbox, read over IMAP. */
async function subjectsIn(server: TestImapServer, mailbox: string): Promise<string[]> {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    logger: false,
    auth: { user: 'ap', pass: IMAP_PASSWORD },
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock(mailbox);
    try {
      const messages = await client.fetchAll('1:*', { envelope: true });
      return messages.map((m) => m.envelope?.subject ?? '');
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

describe('examples/invoices-to-ledger against Dovecot, PostgreSQL and an SMTP server', () => {
  let database: TestDatabase;
  let erp: Client;
  let root: string;
  let pool: DatabasePool;
  let handlers: NodeHandlerTable;
  let smtp: SMTPServer;
  let smtpUrl: string;
  let imap: TestImapServer;
  const replies: { to: string[]; raw: string }[] = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          replies.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
    database = await createTestDatabase('aether_example_office');
    erp = new Client({ connectionString: database.url });
    await erp.connect();
    await erp.query(
      'CREATE TABLE invoices (number text PRIMARY KEY, customer text NOT NULL, total numeric(12,2) NOT NULL)',
    );
    root = await mkdtemp(join(tmpdir(), 'aether-office-example-'));
    await mkdir(join(root, 'data'), { recursive: true });
    imap = await startImapServer({ ap: IMAP_PASSWORD });
    await deliver(imap, [
      {
        from: 'Acme Billing <billing@acme.test>',
        to: 'ap@aether.test',
        subject: 'Invoice INV-2026-001',
        messageId: '<inv-2026-001@acme.test>',
        text: 'Our invoice is attached.',
        attachments: [
          {
            filename: 'INV-2026-001.pdf',
            content: Buffer.from(await invoice('INV-2026-001', 'Acme Ltd', '1,234.50')),
          },
        ],
      },
      { from: 'news@shop.test', to: 'ap@aether.test', subject: 'Spring offers', text: 'Buy now' },
      {
        from: 'Globex Billing <invoices@globex.test>',
        to: 'ap@aether.test',
        subject: 'Invoice INV-2026-002',
        messageId: '<inv-2026-002@globex.test>',
        text: 'Please pay within 30 days.',
        attachments: [
          {
            filename: 'INV-2026-002.pdf',
            content: Buffer.from(await invoice('INV-2026-002', 'Globex GmbH', '80.00')),
          },
        ],
      },
    ]);
    const ledger = new ExcelJS.Workbook();
    ledger.addWorksheet('Summary').getCell('A1').value = 'Booked by the robot';
    const sheet = ledger.addWorksheet('Invoices');
    sheet.addRow(['Number', 'Customer', 'Total']).font = { bold: true };
    await ledger.xlsx.writeFile(join(root, 'data/ledger.xlsx'));
    pool = new DatabasePool();
    handlers = createNodeHandlers({ filesRoot: root, desktop: false, databases: { pool } });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await handlers?.close();
    await pool?.close();
    await erp?.end();
    await database?.drop();
    await imap?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('reads the invoice mails, appends their totals to the workbook, records them in the ERP once, replies and files each mail', async () => {
    const text = await readFile(
      join(__dirname, '../../../../examples/invoices-to-ledger.workflow.json'),
      'utf8',
    );
    const parsed = parseWorkflowText(text);
    if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    const artifacts = new InMemoryArtifacts();
    const secrets = { erpDatabase: database.url, mailServer: smtpUrl, mailbox: imap.urlFor('ap') };
    const result = await runLocally({
      workflow: parsed.workflow,
      variables: {},
      secrets,
      handlers,
      artifacts,
    });
    expect(result).toMatchObject({
      status: 'completed',
      outputs: {
        mails: 2,
        ledger: [
          { Number: 'INV-2026-001', Customer: 'Acme Ltd', Total: 1234.5 },
          { Number: 'INV-2026-002', Customer: 'Globex GmbH', Total: 80 },
        ],
        erpTotal: '1314.50',
      },
    });
    expect((await erp.query('SELECT number, customer, total FROM invoices ORDER BY number')).rows).toEqual([
      { number: 'INV-2026-001', customer: 'Acme Ltd', total: '1234.50' },
      { number: 'INV-2026-002', customer: 'Globex GmbH', total: '80.00' },
    ]);
    expect(replies.map((r) => r.to)).toEqual([['billing@acme.test'], ['invoices@globex.test']]);
    expect(replies[0].raw).toContain('Subject: Re: Invoice INV-2026-001');
    expect(replies[0].raw).toContain('In-Reply-To: <inv-2026-001@acme.test>');
    expect(replies[1].raw).toContain('We booked invoice INV-2026-002 of Globex GmbH over 80.00 EUR.');
    // The connection string reached the database, and no step's output.
    expect(JSON.stringify(result.steps)).not.toContain(database.url);
    expect(JSON.stringify(result.steps)).not.toContain(IMAP_PASSWORD);
    expect(await subjectsIn(imap, 'INBOX')).toEqual(['Spring offers']);
    expect(await subjectsIn(imap, 'Processed')).toEqual(['Invoice INV-2026-001', 'Invoice INV-2026-002']);

    // The next run finds no invoice mail: nothing is booked or answered twice.
    const again = await runLocally({
      workflow: parsed.workflow,
      variables: {},
      secrets,
      handlers,
      artifacts,
    });
    expect(again).toMatchObject({
      status: 'completed',
      outputs: {
        mails: 0,
        ledger: [{ Number: 'INV-2026-001' }, { Number: 'INV-2026-002' }],
        erpTotal: '1314.50',
      },
    });
    expect(replies).toHaveLength(2);
    expect((await erp.query('SELECT count(*)::int AS n FROM invoices')).rows).toEqual([{ n: 2 }]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(root, 'data/ledger.xlsx'));
    expect(workbook.worksheets.filter((s) => s.state === 'visible').map((s) => s.name)).toEqual([
      'Summary',
      'Invoices',
    ]);
  });
});
