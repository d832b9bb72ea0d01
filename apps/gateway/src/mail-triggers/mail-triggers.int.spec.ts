import 'reflect-metadata';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { MailTriggerFired, subjects } from '@aether/contracts';
import { EventStore, connectNats } from '@aether/event-store';
import type { Role } from '@aether/identity';
import { startGatewayStack, type GatewayStack } from '../testing/gateway-stack';

/** Mail triggers (ADR 52) defined, listed, paused and removed through the API. */
describe('mail trigger routes', () => {
  let stack: GatewayStack;
  let nc: NatsConnection;

  const call = (method: string, path: string, body?: unknown, role: Role = 'developer') =>
    stack.call(method, `/mail-triggers${path}`, body, { role });

  beforeAll(async () => {
    stack = await startGatewayStack('mail_triggers');
    nc = await connectNats({ servers: stack.nats.url, name: 'mail-triggers-test' });
    const invoices = {
      id: 'invoices',
      inputs: { mail: { type: 'object', required: true } },
      nodes: [{ id: 'stop', type: 'stopWithError', params: { message: 'never run' } }],
    };
    expect((await stack.call('POST', '/workflows', invoices)).status).toBe(201);
  });

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
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
      (await call('POST', '', { triggerId: 'invoices-inbox', imapSecret: 'x', workflowId: 'invoices' }))
        .status,
    ).toBe(409);
    expect((await call('POST', '', { imapSecret: 'x', workflowId: 'invoices' }, 'viewer')).status).toBe(403);

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
