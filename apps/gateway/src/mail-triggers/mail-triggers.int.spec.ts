import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { MailTriggerFired, subjects } from '@aether/contracts';
import { EventStore, connectNats } from '@aether/event-store';
import { issueAccessToken, type EmbeddedIssuer, type Role } from '@aether/identity';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@aether/testing';
import { configureHttp } from '../http-setup';
import { startGatewayInProcess } from '../testing/gateway-in-process';

/** Mail triggers (ADR 52) defined, listed, paused and removed through the API. */
describe('mail trigger routes', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  let dir: string;
  let issuer: EmbeddedIssuer;
  let nc: NatsConnection;

  const call = async (method: string, path: string, body?: unknown, role: Role = 'developer') => {
    const bearer = await issueAccessToken(
      issuer,
      { subject: `test:${role}`, name: role, tenantId: 'default', role },
      600,
    );
    const response = await fetch(`${url}/api/v1/mail-triggers${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('aether_gateway_mail_triggers')]);
    dir = mkdtempSync(join(tmpdir(), 'aether-mail-triggers-'));
    ({ app, url, issuer } = await startGatewayInProcess(
      {
        NATS_URL: nats.url,
        DATABASE_URL: db.url,
        AUTH_SIGNING_KEY_FILE: join(dir, 'auth', 'signing-key.json'),
        VAULT_MASTER_KEY_FILE: join(dir, 'vault', 'master-keys.json'),
      },
      configureHttp,
    ));
    nc = await connectNats({ servers: nats.url, name: 'mail-triggers-test' });
  });

  afterAll(async () => {
    await nc?.close();
    await app?.close();
    await Promise.all([nats?.stop(), db?.drop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a mailbox URL where the name of its secret belongs, with the path', async () => {
    const refused = await call('POST', '', {
      imapSecret: 'imaps://bob:hunter2@mail.example.com',
      workflowId: 'invoices',
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('body.imapSecret');
    expect(JSON.stringify(refused.body)).not.toContain('hunter2');
    expect((await call('GET', '')).body).toEqual([]);
  });

  it('creates, lists with the last fire, pauses, resumes and removes a trigger', async () => {
    const created = await call('POST', '', {
      triggerId: 'invoices-inbox',
      imapSecret: 'invoiceMailbox',
      subject: 'Invoice',
      workflowId: 'invoices',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      triggerId: 'invoices-inbox',
      mailbox: 'INBOX',
      paused: false,
      lastFire: null,
    });
    expect(
      (await call('POST', '', { triggerId: 'invoices-inbox', imapSecret: 'x', workflowId: 'w' })).status,
    ).toBe(409);
    expect((await call('POST', '', { imapSecret: 'x', workflowId: 'w' }, 'viewer')).status).toBe(403);

    const store = new EventStore(jetstream(nc), await jetstreamManager(nc));
    const fired = MailTriggerFired.create({
      tenantId: 'default',
      aggregateId: 'invoices-inbox',
      data: {
        uid: 7,
        uidValidity: '1700000000',
        messageId: '<a@b>',
        jobId: 'mail-invoices-inbox-x',
        firedBy: 'test',
      },
    });
    await store.append(subjects.event('default', 'mail-trigger', 'invoices-inbox'), [fired], 0);

    const [listed] = (await call('GET', '')).body as Record<string, unknown>[];
    expect(listed).toMatchObject({
      triggerId: 'invoices-inbox',
      imapSecret: 'invoiceMailbox',
      lastFire: { uid: 7, uidValidity: '1700000000', jobId: 'mail-invoices-inbox-x' },
    });
    const shown = await call('GET', '/invoices-inbox');
    expect((shown.body as { fires: unknown[] }).fires).toHaveLength(1);

    expect((await call('POST', '/invoices-inbox/pause', undefined, 'operator')).body).toMatchObject({
      paused: true,
    });
    expect((await call('POST', '/invoices-inbox/resume')).body).toMatchObject({ paused: false });
    expect((await call('DELETE', '/invoices-inbox')).status).toBe(204);
    expect((await call('GET', '/invoices-inbox')).status).toBe(404);
    expect((await call('POST', '/invoices-inbox/pause')).status).toBe(404);
  });
});
