import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { parseWorkflowText } from '@aether/workflow';
import { createTestDatabase, type TestDatabase } from '@aether/testing';
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

describe('examples/invoices-to-ledger against a real PostgreSQL', () => {
  let database: TestDatabase;
  let erp: Client;
  let root: string;
  let pool: DatabasePool;
  let handlers: NodeHandlerTable;
  let smtp: SMTPServer;
  let smtpUrl: string;
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
    await mkdir(join(root, 'data/inbox'), { recursive: true });
    await writeFile(
      join(root, 'data/inbox/INV-2026-001.pdf'),
      await invoice('INV-2026-001', 'Acme Ltd', '1,234.50'),
    );
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
    await rm(root, { recursive: true, force: true });
  });

  it('reads each PDF, appends its total to the workbook, records it in the ERP once and replies to the sender', async () => {
    const text = await readFile(
      join(__dirname, '../../../../examples/invoices-to-ledger.workflow.json'),
      'utf8',
    );
    const parsed = parseWorkflowText(text);
    if (!parsed.ok) throw new Error(parsed.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    // The second invoice arrived as an attachment, stored as an artifact.
    const artifacts = new InMemoryArtifacts();
    const attachment = await artifacts.put(
      'attachment',
      'mail/INV-2026-002.pdf',
      await invoice('INV-2026-002', 'Globex GmbH', '80.00'),
    );
    const result = await runLocally({
      workflow: parsed.workflow,
      variables: {
        invoices: [
          { file: 'data/inbox/INV-2026-001.pdf', from: 'billing@acme.test' },
          { file: attachment, from: 'Globex Billing <invoices@globex.test>' },
        ],
      },
      secrets: { erpDatabase: database.url, mailServer: smtpUrl },
      handlers,
      artifacts,
    });
    expect(result).toMatchObject({
      status: 'completed',
      outputs: {
        recorded: 2,
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
    expect(replies[0].raw).toContain('Subject: Invoice INV-2026-001 received');
    expect(replies[1].raw).toContain('We booked invoice INV-2026-002 of Globex GmbH over 80.00 EUR.');
    // The connection string reached the database, and no step's output.
    expect(JSON.stringify(result.steps)).not.toContain(database.url);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(join(root, 'data/ledger.xlsx'));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Summary', 'Invoices']);
  });
});
