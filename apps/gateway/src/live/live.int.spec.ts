import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import WebSocket from 'ws';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  JobDispatched,
  JobRequested,
  JobStarted,
  StepCompleted,
  StepStarted,
  subjects,
  type Envelope,
} from '@aether/contracts';
import { EventStore, connectNats } from '@aether/event-store';
import { issueAccessToken, type EmbeddedIssuer, type Role } from '@aether/identity';
import {
  LIVE_BEARER_PREFIX,
  LIVE_CLOSE,
  LIVE_PATH,
  LIVE_PROTOCOL,
  LiveJobUpdateSchema,
  LiveQueueUpdateSchema,
  LiveSubscribedSchema,
  type LiveFrame,
  type LiveSubscribe,
} from '@aether/read-api';
import { createTestDatabase, startNatsServer, type TestDatabase, type TestNatsServer } from '@aether/testing';
import { startGatewayInProcess } from '../testing/gateway-in-process';
import { LiveGateway, useLiveAdapter } from './live.gateway';

const LIMIT = 64 * 1024;

/** A live-feed client as a browser makes one: token in the subprotocols, frames kept in order. */
class LiveClient {
  readonly frames: LiveFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as LiveFrame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const wake of this.waiters.splice(0)) wake();
      }),
    );
  }

  static async open(baseUrl: string, token?: string): Promise<LiveClient> {
    const protocols = [LIVE_PROTOCOL, ...(token ? [`${LIVE_BEARER_PREFIX}${token}`] : [])];
    const client = new LiveClient(new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${LIVE_PATH}`, protocols));
    await new Promise<void>((resolve, reject) => {
      client.socket.once('open', () => resolve());
      client.socket.once('error', reject);
    });
    return client;
  }

  subscribe(request: LiveSubscribe): void {
    this.socket.send(JSON.stringify({ event: 'subscribe', data: request }));
  }

  /** Resolves when a frame satisfies `test` (checked on every frame as it arrives). */
  async until(test: (frames: LiveFrame[]) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test(this.frames)) {
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error(`closed before ${what}`);
      if (Date.now() > deadline)
        throw new Error(`no ${what} within ${timeoutMs} ms (${this.frames.length} frames)`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
      });
    }
  }

  jobSeqs(): number[] {
    return this.frames.flatMap((frame) => (frame.event === 'job' ? [frame.data.seq] : []));
  }
}

describe('the live feed (WebSocket)', () => {
  let nats: TestNatsServer;
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  let dir: string;
  let issuer: EmbeddedIssuer;
  let nc: NatsConnection;
  let store: EventStore;
  const clients: LiveClient[] = [];

  const token = (role: Role, tenantId = 'default') =>
    issueAccessToken(issuer, { subject: `test:${role}`, name: role, tenantId, role }, 600);
  const open = async (role: Role = 'viewer', tenantId = 'default') => {
    const client = await LiveClient.open(url, await token(role, tenantId));
    clients.push(client);
    return client;
  };
  let jobCount = 0;
  /** Appends a job's request (and, with `steps`, its start and steps) and answers the sequences stored. */
  const appendJob = async (options: { tenantId?: string; steps?: number; workflowId?: string } = {}) => {
    const tenantId = options.tenantId ?? 'default';
    const jobId = `job-${++jobCount}`;
    const at = { tenantId, aggregateId: jobId };
    const subject = subjects.event(tenantId, 'job', jobId);
    const events: Envelope[] = [
      JobRequested.create({
        ...at,
        data: {
          workflowId: options.workflowId ?? 'wf',
          workflowVersion: 1,
          variables: { secretish: 'never-in-a-frame' },
          priority: 12,
          trigger: { kind: 'manual' },
        },
      }),
    ];
    if (options.steps !== undefined) {
      events.push(
        JobDispatched.create({ ...at, data: { subject: 'aether.work.default.pool.p', attempt: 1 } }),
      );
      events.push(
        JobStarted.create({ ...at, data: { robotId: 'robot-1', delivery: 1, resumedAfterSteps: 0 } }),
      );
      for (let i = 0; i < options.steps; i++) {
        const step = { stepKey: `s${i}`, nodeId: `s${i}` };
        events.push(
          StepStarted.create({ ...at, data: { ...step, nodeType: 'noop', robotId: 'robot-1', attempt: 1 } }),
        );
        events.push(
          StepCompleted.create({ ...at, data: { ...step, output: { value: 'out' }, durationMs: 3 } }),
        );
      }
    }
    const seqs: number[] = [];
    let last = 0;
    for (const event of events) {
      last = (await store.append(subject, [event], last)).lastSequence;
      seqs.push(last);
    }
    return { jobId, seqs };
  };

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('aether_gateway_live')]);
    dir = mkdtempSync(join(tmpdir(), 'aether-live-'));
    ({ app, url, issuer } = await startGatewayInProcess(
      {
        NATS_URL: nats.url,
        DATABASE_URL: db.url,
        AUTH_SIGNING_KEY_FILE: join(dir, 'signing-key.json'),
        LIVE_MAX_BUFFERED_BYTES: String(LIMIT),
        LIVE_DROP_GRACE_MS: '60000',
      },
      useLiveAdapter,
    ));
    nc = await connectNats({ servers: nats.url, name: 'live-test' });
    store = new EventStore(jetstream(nc), await jetstreamManager(nc));
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.terminate();
  });

  afterAll(async () => {
    await nc?.close();
    await app?.close();
    await Promise.all([nats?.stop(), db?.drop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a handshake without a valid token, and a role that may not watch', async () => {
    const anonymous = await LiveClient.open(url);
    expect((await anonymous.closed).code).toBe(LIVE_CLOSE.unauthorized);
    const forged = await LiveClient.open(url, `${(await token('admin')).slice(0, -4)}AAAA`);
    expect((await forged.closed).code).toBe(LIVE_CLOSE.unauthorized);
    const robot = await LiveClient.open(url, await token('robot'));
    expect(await robot.closed).toEqual({
      code: LIVE_CLOSE.forbidden,
      reason: 'role robot may not watch the live feed',
    });
    const viewer = await open('viewer');
    viewer.subscribe({ channels: ['jobs'], since: 99.5 } as LiveSubscribe);
    expect((await viewer.closed).code).toBe(LIVE_CLOSE.badRequest);
  });

  it("delivers the tenant's job updates in order with their sequence and status, never another tenant's", async () => {
    const client = await open('viewer');
    client.subscribe({ channels: ['jobs', 'queue'] });
    await client.until((frames) => frames.some((f) => f.event === 'subscribed'), 'subscribed');
    await appendJob({ tenantId: 'acme' });
    const { jobId, seqs } = await appendJob({ steps: 1 });
    await client.until(() => client.jobSeqs().includes(seqs.at(-1)!), 'the last step');
    const jobs = client.frames.filter((f) => f.event === 'job').map((f) => LiveJobUpdateSchema.parse(f.data));
    expect(jobs.map((u) => [u.seq, u.type, u.status])).toEqual([
      [seqs[0], 'JobRequested', 'pending'],
      [seqs[1], 'JobDispatched', 'queued'],
      [seqs[2], 'JobStarted', 'running'],
      [seqs[3], 'StepStarted', undefined],
      [seqs[4], 'StepCompleted', undefined],
    ]);
    expect(jobs.every((u) => u.jobId === jobId)).toBe(true);
    expect(jobs[0]).toMatchObject({ workflowId: 'wf', priority: 12 });
    expect(jobs[4]).toMatchObject({ nodeId: 's0', durationMs: 3 });
    expect(JSON.stringify(client.frames)).not.toContain('never-in-a-frame');
    const queue = client.frames
      .filter((f) => f.event === 'queue')
      .map((f) => LiveQueueUpdateSchema.parse(f.data));
    expect(queue.map((u) => u.status)).toEqual(['pending', 'queued', 'running']);
  });

  it('follows one job alone, from a sequence in its past, among interleaved jobs', async () => {
    const [followed, other] = await Promise.all([appendJob({ steps: 3 }), appendJob({ steps: 3 })]);
    expect(Math.max(...other.seqs)).toBeGreaterThan(Math.min(...followed.seqs)); // they interleave
    const client = await open('operator');
    client.subscribe({ jobId: followed.jobId, since: followed.seqs[0]! - 1 });
    await client.until(
      () => client.jobSeqs().includes(followed.seqs.at(-1)!),
      "the followed job's last step",
    );
    expect(LiveSubscribedSchema.parse(client.frames[0]!.data)).toEqual({
      channels: [],
      jobId: followed.jobId,
      from: followed.seqs[0],
    });
    expect(client.jobSeqs()).toEqual(followed.seqs);
  });

  it("never shows a job of another tenant, even to a client that names the job's id", async () => {
    const theirs = await appendJob({ tenantId: 'acme', steps: 1 });
    const snooper = await open('admin');
    snooper.subscribe({ jobId: theirs.jobId, since: 0 });
    const owner = await open('viewer', 'acme');
    owner.subscribe({ jobId: theirs.jobId, since: 0 });
    await owner.until(() => owner.jobSeqs().includes(theirs.seqs.at(-1)!), "the owner's last step");
    // The same connection then follows a job of its own tenant: its feed was live all along.
    const ours = await appendJob({ steps: 1 });
    snooper.subscribe({ jobId: ours.jobId, since: 0 });
    await snooper.until(() => snooper.jobSeqs().includes(ours.seqs.at(-1)!), 'its own job');
    expect(snooper.jobSeqs().some((seq) => theirs.seqs.includes(seq))).toBe(false);
    const seen = snooper.frames
      .filter((f) => f.event === 'job')
      .map((f) => LiveJobUpdateSchema.parse(f.data));
    expect(seen.map((update) => update.jobId)).not.toContain(theirs.jobId);
    expect(owner.jobSeqs()).toEqual(theirs.seqs);
  });

  it('loses nothing and repeats nothing when the connection dies mid-stream and the client resumes from its last sequence', async () => {
    const first = await open('viewer');
    first.subscribe({ channels: ['jobs'] });
    await first.until((frames) => frames.some((f) => f.event === 'subscribed'), 'subscribed');
    const writing = (async () => {
      const stored: number[] = [];
      for (let i = 0; i < 12; i++) stored.push(...(await appendJob({ steps: 10 })).seqs);
      return stored;
    })();
    await first.until(() => first.jobSeqs().length >= 60, '60 updates');
    first.socket.terminate(); // the connection dies mid-stream; the writer goes on
    await first.closed;
    const last = first.jobSeqs().at(-1)!;
    const second = await open('viewer');
    second.subscribe({ channels: ['jobs'], since: last });
    const stored = await writing;
    expect(stored).toHaveLength(12 * 23);
    await second.until(() => second.jobSeqs().includes(stored.at(-1)!), 'the last update');
    const received = [...first.jobSeqs(), ...second.jobSeqs()];
    expect(received).toEqual(stored);
    expect(first.jobSeqs().length).toBeLessThan(stored.length); // it really was cut mid-stream
  });

  it('drops a client that stops reading once its bound is full, saying why, and keeps serving the others', async () => {
    const gateway = app.get(LiveGateway);
    const healthy = await open('viewer');
    const stalled = await open('viewer');
    for (const client of [healthy, stalled]) {
      client.subscribe({ channels: ['jobs', 'queue'] });
      await client.until((frames) => frames.some((f) => f.event === 'subscribed'), 'subscribed');
    }
    expect(gateway.openSessions()).toBe(2);
    stalled.socket.pause(); // reads nothing more: the kernel's buffers fill, then the gateway's
    const workflowId = `wf-${'x'.repeat(2000)}`; // ~4 kB of frames per request
    let appended = 0;
    while (gateway.openSessions() === 2) {
      await Promise.all(Array.from({ length: 100 }, () => appendJob({ workflowId })));
      appended += 100;
      if (appended > 20_000) throw new Error('the stalled client was never dropped');
    }
    expect(gateway.openSessions()).toBe(1);
    const lastSeq = (await appendJob()).seqs[0]!;
    await healthy.until(() => healthy.jobSeqs().includes(lastSeq), 'the healthy client to keep up', 60_000);
    stalled.socket.resume();
    const { code, reason } = await stalled.closed;
    expect(code).toBe(LIVE_CLOSE.tooSlow);
    const waiting = Number(/^too slow: (\d+) bytes waiting \(limit 65536\)$/.exec(reason)?.[1]);
    expect(waiting).toBeGreaterThan(LIMIT);
    expect(waiting).toBeLessThanOrEqual(LIMIT + 8 * 1024); // the bound plus the frame that crossed it
    expect(stalled.frames.length).toBeLessThan(healthy.frames.length);
  }, 120_000);
});
