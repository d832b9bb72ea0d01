import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import {
  MailTriggerFired,
  QueueTriggerRefused,
  RequestJob,
  STREAMS,
  ScheduleFired,
  subjects,
  type FireRefusal,
} from '@aether/contracts';
import { EventStore, connectNats } from '@aether/event-store';
import { sign } from '../hooks/hook-signature';
import { startGatewayStack, type GatewayStack } from '../testing/gateway-stack';

const demo: unknown = JSON.parse(
  readFileSync(join(__dirname, '../../../../examples/demo-order-entry.workflow.json'), 'utf8'),
);
const nodes = [{ id: 'stop', type: 'stopWithError', params: { message: 'never run' } }];
const greet = (input: string) => ({
  id: 'greet',
  inputs: { [input]: { type: 'string', required: true } },
  nodes,
});
/** v1 takes `rush`; v2 no longer does. Both take what a mail trigger adds (`mail`). */
const order = (version: 1 | 2) => ({
  id: 'order',
  inputs: {
    customer: { type: 'string', required: true },
    quantity: { type: 'integer', default: 1 },
    ...(version === 1 ? { rush: { type: 'boolean' } } : {}),
    mail: { type: 'object' },
  },
  nodes,
});
/** A queue trigger's worker: it takes the queue's name, and nothing is required. */
const worker = { id: 'worker', inputs: { queue: { type: 'string' } }, nodes };

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
  const lastRequest = async (tenantId = 'default') => {
    const jsm = await jetstreamManager(nc);
    const message = await jsm.streams.getMessage(STREAMS.commands, {
      last_by_subj: subjects.command(tenantId, RequestJob.type),
    });
    return message?.json<{ aggregateId: string; data: { workflowVersion?: number } }>();
  };

  beforeAll(async () => {
    stack = await startGatewayStack('workflow_refs');
    nc = await connectNats({ servers: stack.nats.url, name: 'workflow-references-test' });
    expect((await call('POST', '/workflows', demo)).status).toBe(201);
    for (const tenantId of ['default', 'shop']) {
      expect((await call('POST', '/workflows', order(1), tenantId)).status).toBe(201);
      expect((await call('POST', '/workflows', order(2), tenantId)).status).toBe(201);
      expect((await call('POST', '/workflows', worker, tenantId)).status).toBe(201);
    }
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

  /** The routes creating a trigger that carries variables of its own (ADR 131, 135). */
  const triggers = [
    ['a schedule', 'schedule', '/schedules', { cron: '0 6 * * *' }],
    ['a hook', 'hook', '/hooks', {}],
    ['a mail trigger', 'mail trigger', '/mail-triggers', { imapSecret: 'orderMailbox' }],
  ] as const;

  it.each(triggers)('refuses %s of an unknown workflow or version', async (_what, _kind, path, rest) => {
    const variables = { customer: 'Ada' };
    const unknown = await call('POST', path, { ...rest, variables, workflowId: 'invoice-export' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('workflow invoice-export not found');
    expect((await call('POST', path, { ...rest, variables, workflowId: 'greet' }, 'acme')).status).toBe(404);
    expect(
      (await call('POST', path, { ...rest, variables, workflowId: 'order', workflowVersion: 3 })).body
        .message,
    ).toBe('workflow order has no version 3');
    expect((await call('GET', path)).body).toEqual([]);
    expect((await call('POST', path, { ...rest, variables, workflowId: 'order' })).status).toBe(201);
  });

  it.each(triggers)(
    'checks the variables of %s against the version it will run: 400 naming each, nothing stored',
    async (_what, kind, path, rest) => {
      const as = (method: string, route: string, body?: unknown) => call(method, route, body, 'shop');
      const refused = await as('POST', path, {
        ...rest,
        workflowId: 'order',
        variables: { quantity: '2', colour: 'red' },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.problems).toEqual([
        // a hook's deliveries may bring what its own variables lack
        ...(kind === 'hook' ? [] : [{ path: 'body.variables.customer', message: 'required' }]),
        { path: 'body.variables.quantity', message: 'expected integer, got string' },
        { path: 'body.variables.colour', message: 'unknown input' },
      ]);
      expect(refused.body.message).toContain(`workflow order v2 refuses what this ${kind} would pass`);

      // v2 no longer takes `rush`; a trigger pinned to v1 runs v1, which does
      const rush = { ...rest, workflowId: 'order', variables: { customer: 'Ada', rush: true } };
      expect((await as('POST', path, rush)).body.problems).toEqual([
        { path: 'body.variables.rush', message: 'unknown input' },
      ]);
      expect((await as('GET', path)).body).toEqual([]);
      expect((await as('POST', path, { ...rush, workflowVersion: 1 })).status).toBe(201);
      expect((await as('GET', path)).body).toHaveLength(1);
    },
  );

  it('refuses a mail trigger whose workflow does not take the message as input "mail", or whose variables set it', async () => {
    const noMail = await call('POST', '/mail-triggers', {
      imapSecret: 'orderMailbox',
      workflowId: 'greet',
      variables: { who: 'Ada' },
    });
    expect(noMail.status).toBe(400);
    expect(noMail.body.problems).toEqual([
      {
        path: 'inputs.mail',
        message: 'unknown input: a mail trigger passes each message as input "mail", an object',
      },
    ]);
    const overwritten = await call('POST', '/mail-triggers', {
      imapSecret: 'orderMailbox',
      workflowId: 'order',
      variables: { customer: 'Ada', mail: 'orders@acme.test' },
    });
    expect(overwritten.body.problems).toEqual([
      {
        path: 'body.variables.mail',
        message: 'set by the trigger to each message: give this variable another name',
      },
    ]);
  });

  it('refuses a queue whose trigger names an unknown workflow', async () => {
    const unknown = await call('PUT', '/queues/orders', { trigger: { workflowId: 'invoice-export' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('workflow invoice-export not found');
    expect((await call('GET', '/queues/orders')).status).toBe(404);
    expect((await call('PUT', '/queues/orders', { trigger: { workflowId: 'worker' } }, 'acme')).status).toBe(
      404,
    );
    expect((await call('PUT', '/queues/orders', {})).status).toBe(200);
    expect((await call('PUT', '/queues/orders', { trigger: { workflowId: 'worker' } })).status).toBe(200);
  });

  it('refuses a queue trigger whose workflow cannot run on the queue name alone, and keeps the policy it had', async () => {
    const refused = await call('PUT', '/queues/orders', { maxRetries: 1, trigger: { workflowId: 'order' } });
    expect(refused.status).toBe(400);
    expect(refused.body.problems).toEqual([
      {
        path: 'inputs.customer',
        message: 'required: a queue trigger passes only "queue" (give it a default)',
      },
      {
        path: 'inputs.queue',
        message: `unknown input: a queue trigger passes the queue's name as input "queue", a string`,
      },
    ]);
    expect(refused.body.message).toContain('workflow order v2 refuses what this queue trigger would pass');
    expect((await call('GET', '/queues/orders')).body).toMatchObject({
      maxRetries: 3,
      trigger: { workflowId: 'worker' },
    });
    expect((await call('PUT', '/queues/fresh', { trigger: { workflowId: 'order' } })).status).toBe(400);
    expect((await call('GET', '/queues/fresh')).status).toBe(404);
  });

  type Fired = { scheduleId?: string; triggerId?: string; lastFire: unknown };
  const refusal: FireRefusal = {
    workflowVersion: 2,
    reason: 'workflow order v2 refuses these inputs: inputs.customer: required',
    problems: [{ path: 'inputs.customer', message: 'required' }],
  };
  it.each([
    [
      'a schedule',
      'schedule',
      'rush-hour',
      ScheduleFired.create({
        tenantId: 'shop',
        aggregateId: 'rush-hour',
        data: {
          fireAt: new Date().toISOString(),
          jobId: 'j',
          misfire: false,
          skipped: 0,
          firedBy: 't',
          refused: refusal,
        },
      }),
      async () =>
        ((await call('GET', '/schedules', undefined, 'shop')).body as unknown as { lastFire: unknown }[])[0]
          ?.lastFire,
    ],
    [
      'a mail trigger',
      'mail-trigger',
      'orders-inbox',
      MailTriggerFired.create({
        tenantId: 'shop',
        aggregateId: 'orders-inbox',
        data: { uid: 1, uidValidity: '1', jobId: 'j', firedBy: 't', refused: refusal },
      }),
      async () =>
        ((await call('GET', '/mail-triggers', undefined, 'shop')).body as unknown as Fired[]).find(
          (m) => m.triggerId === 'orders-inbox',
        )?.lastFire,
    ],
    [
      'a queue trigger',
      'queue-trigger',
      'walk-ins',
      QueueTriggerRefused.create({
        tenantId: 'shop',
        aggregateId: 'walk-ins',
        data: { ...refusal, workflowId: 'order', waiting: 3 },
      }),
      async () =>
        (
          (await call('GET', '/queues/walk-ins', undefined, 'shop')).body as unknown as {
            lastTriggerFire: unknown;
          }
        ).lastTriggerFire,
    ],
  ] as const)(
    'shows why the last fire of %s started no job where its last fire is read',
    async (_what, aggregate, id, event, read) => {
      if (aggregate === 'schedule')
        expect(
          (
            await call(
              'POST',
              '/schedules',
              { scheduleId: id, cron: '0 6 * * *', workflowId: 'order', variables: { customer: 'Ada' } },
              'shop',
            )
          ).status,
        ).toBe(201);
      if (aggregate === 'mail-trigger')
        expect(
          (
            await call(
              'POST',
              '/mail-triggers',
              { triggerId: id, imapSecret: 'x', workflowId: 'order', variables: { customer: 'Ada' } },
              'shop',
            )
          ).status,
        ).toBe(201);
      if (aggregate === 'queue-trigger')
        expect(
          (await call('PUT', `/queues/${id}`, { trigger: { workflowId: 'worker' } }, 'shop')).status,
        ).toBe(200);
      expect(await read()).toBeNull();
      const store = new EventStore(jetstream(nc), await jetstreamManager(nc));
      await store.append(subjects.event('shop', aggregate, id), [event], 0);
      expect(await read()).toMatchObject({ refused: refusal } as never);
    },
  );

  it('answers a hook delivery its version refuses with 400 naming each problem, and pins the version it checked', async () => {
    const created = await call('POST', '/hooks', { workflowId: 'order', variables: { quantity: 2 } });
    expect(created.status).toBe(201);
    const { url, secret } = created.body as { url: string; secret: string };
    const deliver = (body: string) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      return fetch(`${stack.gateway.url}${url}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-aether-timestamp': timestamp,
          'x-aether-signature': sign(secret, timestamp, Buffer.from(body)),
        },
        body,
      });
    };
    const before = (await lastRequest())?.aggregateId;
    const refused = await deliver('{"rush":true,"quantity":"many"}');
    expect(refused.status).toBe(400);
    const answer = (await refused.json()) as { message: string; problems: unknown };
    expect(answer.problems).toEqual([
      { path: 'body.customer', message: 'required' },
      { path: 'body.quantity', message: 'expected integer, got string' },
      { path: 'body.rush', message: 'unknown input' },
    ]);
    expect(answer.message).toContain('workflow order v2 refuses this delivery');
    expect((await lastRequest())?.aggregateId).toBe(before);

    const accepted = await deliver('{"customer":"Ada"}');
    expect(accepted.status).toBe(202);
    const { jobId } = (await accepted.json()) as { jobId: string };
    expect(await lastRequest()).toMatchObject({ aggregateId: jobId, data: { workflowVersion: 2 } });
  });
});
