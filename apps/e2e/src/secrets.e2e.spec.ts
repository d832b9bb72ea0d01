import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import {
  AUDIT_EVENTS,
  MessageRegistry,
  SecretReadReplySchema,
  subjects,
  type AuditEvent,
  type SecretReadEvent,
} from '@aether/contracts';
import { EventStore, connectNats } from '@aether/event-store';
import { SecretScanner, eventually } from '@aether/testing';
import { SealedBoxRecipient } from '@aether/vault';
import {
  REPO_ROOT,
  runDemoJob,
  startTestPlatform,
  waitForJob,
  type JobResult,
  type TestPlatform,
} from '@aether/platform';

const run = promisify(execFile);

/**
 * Fills the demo site's sign-in form with the vault's password, then fails on a button that does
 * not exist: the failure artifacts (screenshot and DOM snapshot) are taken with the password typed.
 */
const PROBE_WORKFLOW = {
  id: 'secret-probe',
  inputs: { siteUrl: { type: 'string', required: true } },
  nodes: [
    { id: 'open', type: 'browser.goto', params: { url: '{{ inputs.siteUrl }}/login' }, next: 'user' },
    { id: 'user', type: 'browser.fill', params: { selector: '#username', value: 'demo' }, next: 'pass' },
    {
      id: 'pass',
      type: 'browser.fill',
      params: { selector: '#password', value: '{{ secrets.demoPassword }}' },
      next: 'missing',
    },
    { id: 'missing', type: 'browser.click', params: { selector: '#no-such-button' }, timeoutMs: 1_500 },
  ],
};

/**
 * The vault end to end and the secret scanner (issue 22, items 4 and 5): the demo job signs in
 * with a random password that only the vault holds; a robot fetches it at the step, for the job
 * it runs, and the read is audited. Then every event and KV entry in every stream, every object,
 * every row of every table, every log line and the API's answers are searched for the password
 * in its plain, JSON, URL, form and base64 forms: nothing may be found.
 */
describe('secrets: the vault in a running platform, and nowhere else', () => {
  // Characters that URL, form and JSON encodings each write differently.
  const SECRET = `vault+${randomBytes(12).toString('base64url')}/&=%"`;
  const scanner = new SecretScanner(SECRET);
  let platform: TestPlatform;
  let nc: NatsConnection;
  let store: EventStore;
  let demo: JobResult;
  let probe: JobResult;

  /** Every answer of the API is scanned too. */
  const api = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => {
    const response = await platform.api<T>(method, path, body);
    scanner.scan('api', `${method} ${path}`, JSON.stringify(response.body ?? null));
    return response;
  };
  const audit = async (): Promise<AuditEvent[]> => {
    const day = new Date().toISOString().slice(0, 10);
    const history = await store.read(
      subjects.event('default', 'audit', day),
      new MessageRegistry<AuditEvent>(AUDIT_EVENTS),
    );
    return history.events.map((e) => e.event);
  };
  const askForSecret = async (tenantId: string, credential: string, jobId: string) => {
    const recipient = new SealedBoxRecipient();
    const reply = await nc.request(
      subjects.secretRead(tenantId),
      JSON.stringify({ credential, jobId, names: ['demoPassword'], recipientKey: recipient.publicKey }),
      { timeout: 5_000 },
    );
    return SecretReadReplySchema.parse(reply.json());
  };

  /** The CLI as an admin runs it (a process of its own), signed in with the tenant admin's token. */
  const aether = async (...args: string[]) => {
    try {
      const { stdout } = await run(
        process.execPath,
        ['-r', '@swc-node/register', join('apps', 'cli', 'src', 'main.ts'), ...args],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
            AETHER_API_URL: platform.stack.gatewayUrl,
            AETHER_TOKEN: platform.stack.adminToken,
          },
        },
      );
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string };
      return { code: failed.code, stdout: failed.stdout };
    }
  };

  beforeAll(async () => {
    platform = await startTestPlatform({
      name: 'secrets',
      // Debug logs: the most a service ever writes.
      env: { LOG_LEVEL: 'debug' },
      secrets: { demoPassword: SECRET },
      demoPassword: SECRET,
      // Robots under their own least-privilege credentials, enrolled by token (ADR 38).
      natsAuth: true,
    });
    nc = await connectNats({ servers: platform.nats.url, name: 'secrets-e2e', creds: platform.natsCreds });
    store = new EventStore(jetstream(nc), await jetstreamManager(nc));
    demo = await runDemoJob(platform.stack.gatewayUrl, platform.site.url, 90_000);
    expect((await api('POST', '/api/v1/workflows', PROBE_WORKFLOW)).status).toBe(201);
    const noRetry = await api('PUT', '/api/v1/workflows/secret-probe/dispatch-policy', {
      retry: { delaysMs: [] },
    });
    expect(noRetry.status).toBe(200);
    const triggered = await api<{ jobId: string }>('POST', '/api/v1/workflows/secret-probe/trigger', {
      variables: { siteUrl: platform.site.url },
    });
    probe = await waitForJob(platform.stack.gatewayUrl, triggered.body.jobId, 60_000);
  });

  afterAll(async () => {
    await nc?.close();
    await platform?.stop();
  });

  it('runs the demo job with a password only the vault holds', async () => {
    expect(demo).toMatchObject({ status: 'completed', robotId: 'robot-1' });
    expect(platform.site.orders()).toHaveLength(1);
    const reads = (await audit()).filter(isSecretRead).filter((e) => e.data.jobId === demo.jobId);
    expect(reads.map((e) => e.data)).toEqual([
      {
        actor: { subject: 'robot:robot-1', name: 'robot-1', role: 'robot', via: 'token' },
        jobId: demo.jobId,
        names: ['demoPassword'],
        granted: ['demoPassword'],
      },
    ]);
  });

  it('ran the robot under its own credentials: enrolled by token, kept 0600, nothing refused', () => {
    const credsFile = join(platform.logDir, 'nats', 'robots', 'robot-1.creds');
    expect(statSync(credsFile).mode & 0o777).toBe(0o600);
    // The user JWT names the robot and its tenant; the server admits it only with these rights.
    const [, payload] =
      /-----BEGIN NATS USER JWT-----\n(.+)\n/.exec(readFileSync(credsFile, 'utf8'))?.[1].split('.') ?? [];
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as {
      name: string;
      nats: { sub: { allow: string[] } };
    };
    expect(claims.name).toBe('robot-default-robot-1');
    expect(claims.nats.sub.allow).toContain('_INBOX.default.robot-1.>');
    expect(platform.nats.log()).not.toMatch(/Violation/);
  });

  it('enrols, exchanges and revokes a robot with the CLI: its own credentials, cut off when revoked', async () => {
    const enrolled = await aether('robots', 'enroll', 'cli-robot');
    expect(enrolled).toMatchObject({ code: 0 });
    const token = /^(aen_\S+)$/m.exec(enrolled.stdout)?.[1] ?? '';
    const credsFile = join(platform.logDir, 'cli-robot.creds');
    const exchanged = await aether('robots', 'exchange', '--token', token, '--out', credsFile);
    expect(exchanged.stdout).toContain('inbox prefix _INBOX.default.cli-robot');
    expect(statSync(credsFile).mode & 0o777).toBe(0o600);
    expect((await aether('robots', 'exchange', '--token', token, '--out', `${credsFile}-2`)).code).not.toBe(
      0,
    );

    const robot = await connect({
      servers: platform.nats.url,
      authenticator: credsAuthenticator(readFileSync(credsFile)),
      inboxPrefix: '_INBOX.default.cli-robot',
      maxReconnectAttempts: 0,
    });
    // The enrolment made its work consumer; the robot may look at it, not make one.
    const info = await (await jetstreamManager(robot)).consumers.info('WORK', 'robot-cli-robot');
    expect(info.config.durable_name).toBe('robot-cli-robot');
    const closed = robot.closed();
    expect(await aether('robots', 'revoke', 'cli-robot')).toMatchObject({ code: 0 });
    await closed;
    expect(robot.isClosed()).toBe(true);
  });

  it('lists secrets by name and never answers a value', async () => {
    const { status, body } = await api<{ secrets: { name: string }[] }>('GET', '/api/v1/secrets');
    expect(status).toBe(200);
    expect(body.secrets.map((s) => s.name)).toEqual(['demoPassword']);
    const written = await api('PUT', '/api/v1/secrets/otherSecret', { value: `${SECRET}-2` });
    expect(written.status).toBe(200);
    expect(Object.keys(written.body).sort()).toEqual(['name', 'updatedAt', 'updatedBy']);
    expect((await api('DELETE', '/api/v1/secrets/otherSecret')).status).toBe(204);
    expect((await api('DELETE', '/api/v1/secrets/otherSecret')).status).toBe(404);
    const bad = await api<{ problems: { path: string }[] }>('PUT', '/api/v1/secrets/not.a.name', {
      value: 'x',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p) => p.path)).toEqual(['name']);
  });

  it('hands a secret only to the robot running the job, and audits every refusal', async () => {
    const robot1 = await platform.stack.auth.token({
      role: 'robot',
      name: 'robot-1',
      subject: 'robot:robot-1',
    });
    const otherTenantRobot = await platform.stack.auth.token({
      tenantId: 'other',
      role: 'robot',
      name: 'robot-1',
      subject: 'robot:robot-1',
    });
    // The job is over: robot-1 no longer holds it.
    expect(await askForSecret('default', robot1, demo.jobId)).toMatchObject({ refused: 'not-holder' });
    expect(await askForSecret('default', platform.stack.adminToken, demo.jobId)).toMatchObject({
      refused: 'not-a-robot',
    });
    expect(await askForSecret('default', otherTenantRobot, demo.jobId)).toMatchObject({
      refused: 'not-a-robot',
    });
    expect(await askForSecret('default', 'aek_forged', demo.jobId)).toMatchObject({
      refused: 'unauthenticated',
    });
    const refusals = await eventually(async () => {
      const found = (await audit()).filter(isSecretRead).filter((e) => e.data.refused);
      return found.length >= 3 ? found : undefined;
    });
    expect(refusals.map((e) => [e.data.refused, e.data.granted])).toEqual([
      ['not-holder', []],
      ['not-a-robot', []],
      ['not-a-robot', []],
    ]);
  });

  it('records the probe failure with its DOM snapshot and screenshot', async () => {
    expect(probe.status).toBe('failed');
    const events = await platform.events(probe.jobId);
    const failed = events.find((e) => e.type === 'StepFailed');
    expect((failed?.data['artifacts'] as { kind: string }[]).map((a) => a.kind).sort()).toEqual([
      'dom',
      'screenshot',
    ]);
  });

  it('keeps everything of one tenant invisible and untouchable to another, through the API', async () => {
    const intruder = await platform.stack.auth.token({ tenantId: 'intruder', role: 'admin' });
    const as = (token: string) => (method: string, path: string, body?: unknown) =>
      platform.api(method, path, body, { authorization: `Bearer ${token}` });
    const owner = as(platform.stack.adminToken);
    const other = as(intruder);
    const created = async (method: string, path: string, body: unknown) => {
      const answer = await owner(method, path, body);
      expect({ path, ok: answer.status < 300 }).toEqual({ path, ok: true });
      return answer.body;
    };
    const schedule = await created('POST', '/api/v1/schedules', {
      workflowId: 'demo-order-entry',
      cron: '0 0 1 1 *',
      // a schedule's variables are checked against the workflow's inputs (ADR 135)
      variables: {
        siteUrl: 'http://127.0.0.1:4300',
        customer: 'Ada Lovelace',
        email: 'ada@example.com',
        product: 'widget',
        quantity: 1,
        deliveryDate: '2030-01-01',
        shipping: 'standard',
      },
    });
    const hook = await created('POST', '/api/v1/hooks', { workflowId: 'demo-order-entry' });
    await created('PUT', '/api/v1/queues/iso-queue', {});
    const item = await created('POST', '/api/v1/queues/iso-queue/items', { reference: 'iso-1' });
    const key = await created('POST', '/api/v1/auth/api-keys', { name: 'iso-key', role: 'viewer' });
    await eventually(async () =>
      (await owner('GET', `/api/v1/dead-letters/${probe.jobId}`)).status === 200 ? true : undefined,
    );

    const owned = [
      `/api/v1/jobs/${demo.jobId}`,
      `/api/v1/jobs/${demo.jobId}/events`,
      '/api/v1/workflows/demo-order-entry',
      '/api/v1/workflows/secret-probe/dispatch-policy',
      `/api/v1/schedules/${String(schedule['scheduleId'])}`,
      `/api/v1/hooks/${String(hook['hookId'])}`,
      '/api/v1/queues/iso-queue',
      `/api/v1/queues/iso-queue/items/${String(item['itemId'])}`,
      '/api/v1/robots/robot-1',
      `/api/v1/dead-letters/${probe.jobId}`,
    ];
    for (const path of owned) {
      expect({ path, owner: (await owner('GET', path)).status }).toEqual({ path, owner: 200 });
      expect({ path, other: (await other('GET', path)).status }).toEqual({ path, other: 404 });
    }
    const ids = [
      demo.jobId,
      probe.jobId,
      'demo-order-entry',
      'secret-probe',
      String(schedule['scheduleId']),
      String(hook['hookId']),
      'robot-1',
      'demoPassword',
      'iso-key',
      'iso-queue',
    ];
    for (const path of [
      '/api/v1/jobs',
      '/api/v1/workflows',
      '/api/v1/schedules',
      '/api/v1/hooks',
      '/api/v1/robots',
      '/api/v1/dead-letters',
      '/api/v1/secrets',
      '/api/v1/auth/api-keys',
      '/api/v1/healing/heals',
      '/api/v1/healing/proposals',
      '/api/v1/metrics/fleet',
    ]) {
      const { status, body } = await other('GET', path);
      const text = JSON.stringify(body);
      expect({ path, status, seen: ids.filter((id) => text.includes(id)) }).toEqual({
        path,
        status: 200,
        seen: [],
      });
    }

    const untouchable: [string, string, unknown?][] = [
      ['POST', `/api/v1/jobs/${probe.jobId}/cancel`, {}],
      ['POST', `/api/v1/jobs/${probe.jobId}/retry-step`, {}],
      ['POST', `/api/v1/jobs/${probe.jobId}/skip-step`, {}],
      ['POST', `/api/v1/jobs/${probe.jobId}/fail`, {}],
      ['POST', `/api/v1/dead-letters/${probe.jobId}/requeue`, {}],
      ['POST', '/api/v1/workflows/demo-order-entry/trigger', { variables: {} }],
      ['POST', `/api/v1/schedules/${String(schedule['scheduleId'])}/pause`],
      ['DELETE', `/api/v1/schedules/${String(schedule['scheduleId'])}`],
      ['POST', `/api/v1/hooks/${String(hook['hookId'])}/pause`],
      ['DELETE', `/api/v1/hooks/${String(hook['hookId'])}`],
      ['POST', '/api/v1/queues/iso-queue/items', { reference: 'iso-2' }],
      ['DELETE', '/api/v1/secrets/demoPassword'],
      ['DELETE', `/api/v1/auth/api-keys/${String(key['id'])}`],
    ];
    for (const [method, path, body] of untouchable)
      expect({ method, path, status: (await other(method, path, body)).status }).toEqual({
        method,
        path,
        status: 404,
      });
    // Writing "the same" names creates the intruder's own, and leaves the owner's as they were.
    expect((await other('PUT', '/api/v1/secrets/demoPassword', { value: 'intruder-value' })).status).toBe(
      200,
    );
    expect((await other('DELETE', '/api/v1/workflows/secret-probe/dispatch-policy')).status).toBe(204);
    expect((await owner('GET', '/api/v1/workflows/secret-probe/dispatch-policy')).status).toBe(200);
    const secrets = (await owner('GET', '/api/v1/secrets')).body['secrets'] as {
      name: string;
      updatedBy: string;
    }[];
    expect(secrets.find((s) => s.name === 'demoPassword')?.updatedBy).toBe('test:admin@default');
    for (const path of owned)
      expect({ path, owner: (await owner('GET', path)).status }).toEqual({ path, owner: 200 });
  });

  it('finds the password nowhere: events, KV, objects, tables, logs, API answers', async () => {
    const counts: Record<string, number> = {};
    const scan = (source: string, where: string, content: string | Uint8Array) => {
      counts[source] = (counts[source] ?? 0) + 1;
      scanner.scan(source, where, content);
    };

    // Every message of every stream: events, commands, work, KV buckets (users, keys, the vault's
    // ciphertexts, hooks …) and the object store's chunks, with their headers.
    const jsm = await jetstreamManager(nc);
    for (const info of await jsm.streams.list().next()) {
      await scanStream(jsm, info.config.name, info.state.first_seq, info.state.last_seq, scan);
    }
    // Every stored artifact, whole (a DOM snapshot may straddle two chunks).
    for (const status of await new Objm(nc).list().next()) {
      const bucket = await new Objm(nc).open(status.bucket);
      for (const object of await bucket.list()) {
        const bytes = await bucket.getBlob(object.name);
        if (bytes) scan('artifact', `${status.bucket}/${object.name}`, bytes);
      }
    }
    // Every row of every table.
    const db = new Client({ connectionString: platform.db.url });
    await db.connect();
    try {
      const { rows: tables } = await db.query<{ tablename: string }>(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
      );
      for (const { tablename } of tables) {
        const { rows } = await db.query(`SELECT * FROM "${tablename}"`);
        rows.forEach((row: Record<string, unknown>, i) => scan('table', `${tablename}[${i}]`, rowText(row)));
      }
    } finally {
      await db.end();
    }
    // Every line every service wrote, and every file a robot left.
    for (const file of filesUnder(platform.logDir)) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => scan('log', `${file}:${i + 1}`, line));
    }
    // What the API answers about the jobs, the fleet and the secrets.
    for (const path of [
      '/api/v1/jobs',
      `/api/v1/jobs/${demo.jobId}`,
      `/api/v1/jobs/${demo.jobId}/events`,
      `/api/v1/jobs/${probe.jobId}`,
      `/api/v1/jobs/${probe.jobId}/events`,
      '/api/v1/workflows',
      '/api/v1/workflows/demo-order-entry',
      '/api/v1/robots',
      '/api/v1/dead-letters',
      '/api/v1/metrics/fleet',
      '/api/v1/healing/heals',
      '/api/v1/secrets',
      '/api/v1/auth/me',
    ])
      await api('GET', path);

    expect(scanner.findings).toEqual([]);
    // A scan of nothing is no proof: each source held something, the artifacts included.
    expect(counts).toEqual({
      stream: expect.any(Number),
      artifact: expect.any(Number),
      table: expect.any(Number),
      log: expect.any(Number),
    });
    expect(Math.min(...Object.values(counts))).toBeGreaterThan(0);
    expect(counts['stream']).toBeGreaterThan(50);
    expect(scanner.scanned).toBeGreaterThan(Object.values(counts).reduce((a, b) => a + b, 0));
  });
});

const isSecretRead = (event: AuditEvent): event is SecretReadEvent => event.type === 'SecretRead';

async function scanStream(
  jsm: JetStreamManager,
  stream: string,
  first: number,
  last: number,
  scan: (source: string, where: string, content: string | Uint8Array) => void,
): Promise<void> {
  for (let seq = first; seq > 0 && seq <= last; seq++) {
    const message = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!message) continue; // deleted or purged
    const headers = message.header
      ? [...message.header.keys()].map((k) => `${k}: ${message.header.values(k).join(',')}`).join('\n')
      : '';
    scan(
      'stream',
      `${stream}#${seq} ${message.subject}`,
      Buffer.concat([Buffer.from(headers), message.data]),
    );
  }
}

function rowText(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_key, value: unknown) =>
    // bytea columns come back as Buffers: searched as text, not as arrays of numbers.
    value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer'
      ? Buffer.from((value as { data: number[] }).data).toString('latin1')
      : value,
  );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}
