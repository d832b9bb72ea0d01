import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { RequestJob, STREAMS, subjects } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import { startGatewayStack, type GatewayStack } from '../testing/gateway-stack';

const demo: unknown = JSON.parse(
  readFileSync(join(__dirname, '../../../../examples/demo-order-entry.workflow.json'), 'utf8'),
);
const greet = (input: string) => ({
  id: 'greet',
  inputs: { [input]: { type: 'string', required: true } },
  nodes: [{ id: 'stop', type: 'stopWithError', params: { message: 'never run' } }],
});

/**
 * Routes that name a workflow answer at once (ADR 131): a trigger's inputs are checked against the
 * version the job will run, and an unknown workflow (another tenant's too) is a 404 naming it.
 */
describe('routes naming a workflow', () => {
  let stack: GatewayStack;
  let nc: NatsConnection;
  const call = (method: string, path: string, body?: unknown, tenantId = 'default') =>
    stack.call(method, path, body, { tenantId });

  /** The last `RequestJob` the gateway sent (no scheduler consumes it here). */
  const lastRequest = async () => {
    const jsm = await jetstreamManager(nc);
    const message = await jsm.streams.getMessage(STREAMS.commands, {
      last_by_subj: subjects.command('default', RequestJob.type),
    });
    return message?.json<{ data: { workflowVersion?: number } }>();
  };

  beforeAll(async () => {
    stack = await startGatewayStack('workflow_refs');
    nc = await connectNats({ servers: stack.nats.url, name: 'workflow-references-test' });
    expect((await call('POST', '/workflows', demo)).status).toBe(201);
  });

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  });

  it('refuses a trigger without the required inputs with 400 naming each of them', async () => {
    const refused = await call('POST', '/workflows/demo-order-entry/trigger', { variables: {} });
    expect(refused.status).toBe(400);
    const paths = (refused.body.problems as { path: string }[]).map((problem) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'body.variables.siteUrl',
        'body.variables.customer',
        'body.variables.quantity',
      ]),
    );
    expect(refused.body.message).toContain('workflow demo-order-entry v1');
    expect(refused.body.message).toContain('body.variables.siteUrl: required');

    const wrongType = await call('POST', '/workflows/demo-order-entry/trigger', {
      variables: { quantity: '2', color: 'red' },
    });
    expect(wrongType.body.problems).toEqual(
      expect.arrayContaining([
        { path: 'body.variables.quantity', message: 'expected integer, got string' },
        { path: 'body.variables.color', message: 'unknown input' },
      ]),
    );
  });

  it('checks the inputs against the version the job runs, and pins that version', async () => {
    expect((await call('POST', '/workflows', greet('name'))).status).toBe(201);
    const v1 = await call('POST', '/workflows/greet/trigger', { variables: { name: 'Ada' } });
    expect(v1.status).toBe(202);
    expect((await lastRequest())?.data.workflowVersion).toBe(1);

    expect((await call('POST', '/workflows', greet('who'))).status).toBe(201);
    const stale = await call('POST', '/workflows/greet/trigger', { variables: { name: 'Ada' } });
    expect(stale.status).toBe(400);
    expect(stale.body.problems).toEqual([
      { path: 'body.variables.who', message: 'required' },
      { path: 'body.variables.name', message: 'unknown input' },
    ]);
    expect(
      (await call('POST', '/workflows/greet/trigger', { variables: { name: 'Ada' }, workflowVersion: 1 }))
        .status,
    ).toBe(202);
    expect((await lastRequest())?.data.workflowVersion).toBe(1);
    expect((await call('POST', '/workflows/greet/trigger', { variables: { who: 'Ada' } })).status).toBe(202);
    expect((await lastRequest())?.data.workflowVersion).toBe(2);

    const missing = await call('POST', '/workflows/greet/trigger', { workflowVersion: 7 });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('workflow greet has no version 7');
  });

  it('runs the version published the moment before, whose inputs it checks (read your writes)', async () => {
    // No projector runs beside this gateway: a version is only ever in the workflow's events.
    for (let version = 1; version <= 8; version++) {
      const document = { ...greet(`input${version}`), id: 'fresh' };
      expect((await call('POST', '/workflows', document)).status).toBe(201);
      const triggered = await call('POST', '/workflows/fresh/trigger', {
        variables: { [`input${version}`]: 'Ada' },
      });
      expect({ version, status: triggered.status }).toEqual({ version, status: 202 });
      expect((await lastRequest())?.data.workflowVersion).toBe(version);
    }
  });

  it('refuses a dispatch policy for a workflow not published by the tenant', async () => {
    const policy = { maxConcurrentJobs: 2 };
    const unknown = await call('PUT', '/workflows/invoice-export/dispatch-policy', policy);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('workflow invoice-export not found');
    expect((await call('GET', '/workflows/invoice-export/dispatch-policy')).status).toBe(404);
    expect((await call('PUT', '/workflows/greet/dispatch-policy', policy, 'acme')).status).toBe(404);
    expect((await call('PUT', '/workflows/greet/dispatch-policy', policy)).status).toBe(200);
  });

  it.each([
    ['a schedule', '/schedules', { cron: '0 6 * * *' }],
    ['a hook', '/hooks', {}],
    ['a mail trigger', '/mail-triggers', { imapSecret: 'invoiceMailbox' }],
  ])('refuses %s of an unknown workflow or version', async (_what, path, rest) => {
    const unknown = await call('POST', path, { ...rest, workflowId: 'invoice-export' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('workflow invoice-export not found');
    expect((await call('POST', path, { ...rest, workflowId: 'greet' }, 'acme')).status).toBe(404);
    expect(
      (await call('POST', path, { ...rest, workflowId: 'greet', workflowVersion: 3 })).body.message,
    ).toBe('workflow greet has no version 3');
    expect((await call('GET', path)).body).toEqual([]);
    expect((await call('POST', path, { ...rest, workflowId: 'greet' })).status).toBe(201);
  });

  it('refuses a queue whose trigger names an unknown workflow', async () => {
    const unknown = await call('PUT', '/queues/orders', { trigger: { workflowId: 'invoice-export' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('workflow invoice-export not found');
    expect((await call('GET', '/queues/orders')).status).toBe(404);
    expect((await call('PUT', '/queues/orders', { trigger: { workflowId: 'greet' } }, 'acme')).status).toBe(
      404,
    );
    expect((await call('PUT', '/queues/orders', {})).status).toBe(200);
    expect((await call('PUT', '/queues/orders', { trigger: { workflowId: 'greet' } })).status).toBe(200);
  });
});
