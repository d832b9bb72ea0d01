import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { issueAccessToken, type EmbeddedIssuer } from '@aether/identity';
import { createTestReadModel, type TestReadModel } from '@aether/read-model/test-support';
import { startNatsServer, type TestNatsServer } from '@aether/testing';
import { ROUTE_TABLE } from './auth/route-table';
import { startGatewayInProcess } from './testing/gateway-in-process';
import { configureHttp } from './http-setup';

/** Field names the routes read, so bodies reach validation beyond "unknown key". */
const FIELDS = [
  'id',
  'name',
  'value',
  'role',
  'note',
  'variables',
  'priority',
  'placement',
  'workflowId',
  'cron',
  'timezone',
  'nodes',
  'version',
  'username',
  'password',
  'retry',
  'delaysMs',
  'maxConcurrentJobs',
  'stepKey',
  'reference',
  'payload',
  'items',
  'deadline',
  'misfire',
  'inputs',
  'type',
  'params',
];

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '..',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '__proto__',
    'constructor',
    '$where',
    "' OR 1=1 --",
    '<script>alert(1)</script>',
    'a'.repeat(5_000),
    '9'.repeat(400),
    '-1',
    'NaN',
    '1e309',
    '{{ secrets.x }}',
    'aether.evt.>',
    '*',
    '💥',
  ),
);
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
  fc.dictionary(fc.constantFrom(...FIELDS), hostileString, { maxKeys: 6 }),
);
/** A body as sent: JSON of something, or bytes that are not JSON at all. */
const body = fc.oneof(
  { weight: 4, arbitrary: jsonish.map((value) => JSON.stringify(value) ?? 'null') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('{', '{"a":', '[1,', 'nul', '"unterminated', '\u0000\u0001', '{"a":1}}'),
  },
);
const query = fc.dictionary(
  fc.oneof(
    fc.constantFrom('status', 'limit', 'cursor', 'workflowId', 'jobId', 'robotId', 'since', 'q'),
    fc.string({ maxLength: 10 }),
  ),
  fc.oneof(hostileString, fc.array(hostileString, { maxLength: 3 })),
  { maxKeys: 4 },
);

/** A stack frame or a source path in an answer means an error escaped unhandled. */
const LEAK = /\n\s+at [^\n]+:\d+:\d+|node_modules|\.(ts|js):\d+:\d+/;

/**
 * Issue 22, item 7: every route of the route table, called by an admin with generated path
 * parameters, query strings and bodies (fast-check), answers below 500, with no stack trace, and
 * with a problem document; a 400 names the fields at fault.
 */
describe('hostile input on every route (property-based)', () => {
  let nats: TestNatsServer;
  let readModel: TestReadModel;
  let app: INestApplication;
  let url: string;
  let dir: string;
  let admin: string;

  beforeAll(async () => {
    // The read model's tables, as the metrics service migrates them in a running platform.
    [nats, readModel] = await Promise.all([
      startNatsServer(),
      createTestReadModel({ prefix: 'aether_gateway_fuzz', poolSize: 1 }),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'aether-fuzz-'));
    let issuer: EmbeddedIssuer;
    ({ app, url, issuer } = await startGatewayInProcess(
      {
        NATS_URL: nats.url,
        DATABASE_URL: readModel.database.url,
        AUTH_SIGNING_KEY_FILE: join(dir, 'auth', 'signing-key.json'),
        VAULT_MASTER_KEY_FILE: join(dir, 'vault', 'master-keys.json'),
        AUTH_SIGNIN_LIMIT: '1000',
        CONSOLE_DIR: join(dir, 'no-console'),
      },
      configureHttp,
    ));
    admin = await issueAccessToken(
      issuer,
      { subject: 'test:fuzz', name: 'fuzz', tenantId: 'fuzz', role: 'admin' },
      3_600,
    );
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([nats?.stop(), readModel?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const send = async (method: string, path: string, search: string, payload: string | undefined) => {
    const response = await fetch(`${url}${path}${search}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      ...(payload === undefined ? {} : { body: payload }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      text: await response.text(),
    };
  };

  /** What every answer must be, whatever was sent. */
  const expectWellFormed = (what: string, answer: { status: number; type: string; text: string }) => {
    const context = `${what} → ${answer.status} ${answer.text.slice(0, 300)}`;
    expect({ context, below500: answer.status < 500 }).toEqual({ context, below500: true });
    expect({ context, leak: LEAK.test(answer.text) }).toEqual({ context, leak: false });
    if (answer.status < 400) return;
    expect({ context, type: answer.type }).toEqual({
      context,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
    const problem = JSON.parse(answer.text) as {
      status?: number;
      title?: string;
      problems?: { path: string }[];
    };
    expect({ context, status: problem.status, title: typeof problem.title }).toEqual({
      context,
      status: answer.status,
      title: 'string',
    });
    if (answer.status === 400)
      expect({
        context,
        named: (problem.problems ?? []).length > 0 && problem.problems!.every((p) => p.path.length > 0),
      }).toEqual({ context, named: true });
  };

  const routes = Object.keys(ROUTE_TABLE);

  it.each(routes)('%s', async (route) => {
    const [method, pattern] = route.split(' ') as [string, string];
    const params = pattern.match(/:[A-Za-z]+/g) ?? [];
    const sendsBody = ['POST', 'PUT', 'PATCH'].includes(method);
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(...params.map(() => hostileString)),
        query,
        sendsBody ? body : fc.constant(undefined),
        async (values, search, payload) => {
          let path = pattern;
          params.forEach(
            (param, i) => (path = path.replace(param, encodeURIComponent((values[i] as string) || 'x'))),
          );
          const qs = new URLSearchParams();
          for (const [k, v] of Object.entries(search)) for (const item of [v].flat()) qs.append(k, item);
          const answer = await send(method, path, qs.size ? `?${qs}` : '', payload);
          expectWellFormed(`${method} ${path}?${qs} ${payload?.slice(0, 200) ?? ''}`, answer);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('refuses a body over the size limit with a problem naming the body', async () => {
    const big = JSON.stringify({ id: 'x', nodes: [], padding: 'x'.repeat(2 * 1024 * 1024) });
    const answer = await send('POST', '/api/v1/workflows', '', big);
    expect(answer.status).toBe(413);
    expectWellFormed('oversized body', answer);
    expect(JSON.parse(answer.text).problems).toEqual([
      { path: 'body', message: expect.stringMatching(/larger than/) },
    ]);
  });
});
