import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAMS } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import {
  startNatsCluster,
  type TestNatsCluster,
  type TestNatsNode,
  type TestNatsServer,
} from '@aether/testing';
import { startTestPlatform, type JobEventView, type TestPlatform } from '@aether/platform';
import { auditJob } from './harness';

const WORKFLOW = readFileSync(join(__dirname, 'chaos-ten-steps.workflow.json'), 'utf8');
const ENDED = ['JobCompleted', 'JobFailed', 'JobCancelled', 'JobNeedsAttention'];

export interface ClusterChaosOptions {
  /** One job triggered every this many ms while the faults run. */
  loadIntervalMs?: number;
  /** How long a killed node stays down before it is restarted. */
  downMs?: number;
  /** SIGSTOP length: past nats-server 2.9's election timeout (4–9 s without a leader's heartbeat). */
  pauseMs?: number;
  log?: (line: string) => void;
}

/** One fault and how long appends stopped: from the fault to the first append stored after it. */
export interface Fault {
  readonly what: string;
  readonly node: string;
  readonly unavailableMs: number;
}

export interface ClusterChaosReport {
  /** Node kills and pauses. */
  kills: number;
  jobs: number;
  completed: number;
  /** Jobs that did not complete, plus EVENTS sequences that were acknowledged and then gone. */
  lost: number;
  lostEvents: number;
  /** Envelope ids stored more than once in EVENTS. */
  duplicateEvents: number;
  /** Steps started again after they completed, or whose side effect was applied more than once. */
  duplicateSteps: number;
  faults: Fault[];
  maxUnavailableMs: number;
  /** Triggers the gateway refused and that were sent again with the same idempotency key, by HTTP status (0: no answer). */
  triggerRetries: Record<string, number>;
}

/**
 * `npm run chaos:cluster`: the platform on three nats-server processes with every stream and KV
 * bucket at R3, four robots under a steady load of jobs. The EVENTS stream's leader is killed,
 * then the WORK stream's, each restarted after `downMs`; then a node is paused (SIGSTOP) past the
 * election timeout. Afterwards every job must have completed, no acknowledged event vanished or
 * was stored twice, and no completed step ran again.
 */
export async function runClusterChaos(options: ClusterChaosOptions = {}): Promise<ClusterChaosReport> {
  const log = options.log ?? (() => undefined);
  const downMs = options.downMs ?? 3_000;
  const pauseMs = options.pauseMs ?? 12_000;
  const cluster = await startNatsCluster();
  let platform: TestPlatform | undefined;
  let nc: NatsConnection | undefined;
  try {
    platform = await startTestPlatform({
      name: 'chaos-cluster',
      databasePrefix: 'aether_chaos_cluster',
      nats: asServer(cluster),
      robots: 4,
      env: { STREAM_REPLICAS: '3' },
      robotEnv: { LEASE_MS: '3000', MAX_DELIVER: '50' },
    });
    const started = platform;
    log(`platform on ${cluster.servers}; logs in ${started.logDir}`);
    const created = await started.api('POST', '/api/v1/workflows', WORKFLOW);
    if (created.status >= 300) throw new Error(`workflow refused: ${JSON.stringify(created.body)}`);
    nc = await connectNats({ servers: cluster.servers, name: 'chaos-cluster-monitor' });
    const jsm = await jetstreamManager(nc, { timeout: 1_000 });
    const events = new AppendWatch(jsm, STREAMS.events);
    const work = new AppendWatch(jsm, STREAMS.work);
    const load = new SteadyLoad(started, options.loadIntervalMs ?? 400, log);
    load.start();
    await sleep(5_000);

    const faults: Fault[] = [];
    for (const stream of [STREAMS.events, STREAMS.work]) {
      const node = await leaderOf(jsm, cluster, stream);
      const watch = stream === STREAMS.events ? events : work;
      const before = watch.last;
      const at = Date.now();
      await node.kill();
      const unavailableMs = (await watch.appendedAfter(before, 60_000)) - at;
      faults.push({ what: `kill ${stream} leader`, node: node.name, unavailableMs });
      log(
        `killed ${node.name} (${stream} leader): next ${stream} append after ${unavailableMs} ms (EVENTS at ${events.last}, WORK at ${work.last})`,
      );
      await sleep(Math.max(0, downMs - (Date.now() - at)));
      await node.restart();
      await caughtUp(jsm, stream, 60_000);
      log(`restarted ${node.name}; ${stream} replicas current`);
    }
    const paused = await leaderOf(jsm, cluster, STREAMS.events);
    const before = events.last;
    const at = Date.now();
    paused.pause();
    const unavailableMs = (await events.appendedAfter(before, pauseMs + 30_000)) - at;
    faults.push({ what: 'pause EVENTS leader', node: paused.name, unavailableMs });
    log(`paused ${paused.name} (EVENTS leader): next EVENTS append after ${unavailableMs} ms`);
    await sleep(Math.max(0, pauseMs - (Date.now() - at)));
    paused.resume();
    await caughtUp(jsm, STREAMS.events, 60_000);
    log(`resumed ${paused.name} after ${pauseMs} ms; EVENTS replicas current`);
    await sleep(3_000);
    await load.stop();

    await Promise.all([events.stop(), work.stop()]);

    const deadline = Date.now() + 180_000;
    const histories: JobEventView[][] = [];
    for (const { jobId } of load.jobs)
      histories.push(await waitForEnd(started, jobId, Math.max(1_000, deadline - Date.now())));
    const effects = { requests: started.site.sideEffects(), applied: started.site.appliedEffects() };
    let completed = 0;
    let duplicateSteps = 0;
    load.jobs.forEach(({ runId }, index) => {
      const audit = auditJob(histories[index], effects, runId);
      if (audit.completed) completed++;
      duplicateSteps += audit.duplicateSteps;
    });
    const duplicateEvents = await duplicateEnvelopes(nc);
    const lostEvents = events.regressions + work.regressions;
    const maxUnavailableMs = Math.max(...faults.map((fault) => fault.unavailableMs));
    return {
      kills: faults.length,
      jobs: load.jobs.length,
      completed,
      lost: load.jobs.length - completed + events.regressions,
      lostEvents,
      duplicateEvents,
      duplicateSteps,
      faults,
      maxUnavailableMs,
      triggerRetries: load.retries,
    };
  } finally {
    await nc?.close().catch(() => undefined);
    await platform?.stop();
    await cluster.stop();
  }
}

export function clusterChaosLine(report: ClusterChaosReport): string {
  return `cluster: kills=${report.kills} jobs=${report.jobs} completed=${report.completed} lost=${report.lost} duplicate_steps=${report.duplicateSteps} max_unavailable_ms=${report.maxUnavailableMs}`;
}

/** The cluster as the platform sees a server: its URLs; nodes are killed through the cluster. */
function asServer(cluster: TestNatsCluster): TestNatsServer {
  const first = cluster.nodes[0];
  const refuse = () => Promise.reject(new Error('kill, restart and stop nodes through the cluster'));
  return {
    url: cluster.servers,
    port: first.port,
    storeDir: first.storeDir,
    monitorPort: first.monitorPort,
    kill: refuse,
    restart: refuse,
    stop: () => Promise.resolve(),
    log: () => '',
  };
}

async function leaderOf(
  jsm: JetStreamManager,
  cluster: TestNatsCluster,
  stream: string,
): Promise<TestNatsNode> {
  const leader = (await retrying(() => jsm.streams.info(stream), 30_000)).cluster?.leader;
  const node = cluster.nodes.find((candidate) => candidate.name === leader);
  if (!node) throw new Error(`${stream} has no leader among ${cluster.nodes.map((n) => n.name).join(', ')}`);
  return node;
}

/** Waits until the stream has a leader and both its other replicas are current. */
async function caughtUp(jsm: JetStreamManager, stream: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await jsm.streams.info(stream).catch(() => undefined);
    const replicas = info?.cluster?.replicas ?? [];
    if (info?.cluster?.leader && replicas.length === 2 && replicas.every((r) => r.current && !r.offline))
      return;
    if (Date.now() > deadline) throw new Error(`${stream}: replicas not current after ${timeoutMs} ms`);
    await sleep(200);
  }
}

/**
 * Polls a stream's last sequence. A sequence lower than one seen before is acknowledged data
 * gone (counted in `regressions`); `appendedAfter` answers when a sequence past a given one was
 * first seen: the first append stored after a fault.
 */
class AppendWatch {
  last = 0;
  regressions = 0;
  private stopped = false;
  private readonly seen: { seq: number; at: number }[] = [];
  private readonly running: Promise<void>;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
  ) {
    this.running = this.poll();
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      const info = await this.jsm.streams.info(this.stream).catch(() => undefined);
      if (info) {
        const seq = info.state.last_seq;
        if (seq < this.last) this.regressions += this.last - seq;
        if (seq > this.last) this.seen.push({ seq, at: Date.now() });
        this.last = Math.max(this.last, seq);
      }
      await sleep(25);
    }
  }

  /** When the first sequence past `sequence` was seen; the deadline itself when none was in time. */
  async appendedAfter(sequence: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const first = this.seen.find((entry) => entry.seq > sequence);
      if (first) return first.at;
      if (Date.now() > deadline) return deadline;
      await sleep(10);
    }
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.running;
  }
}

/**
 * A job every `intervalMs` through the gateway. A trigger the gateway cannot store (its stream
 * has no leader for a moment) is sent again with the same `Idempotency-Key`, which starts it once.
 */
class SteadyLoad {
  readonly jobs: { jobId: string; runId: string }[] = [];
  readonly retries: Record<string, number> = {};
  private timer?: NodeJS.Timeout;
  private readonly pending = new Set<Promise<void>>();
  private count = 0;

  constructor(
    private readonly platform: TestPlatform,
    private readonly intervalMs: number,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      const runId = `cluster${++this.count}x${Date.now()}`;
      const sent = this.trigger(runId).finally(() => this.pending.delete(sent));
      this.pending.add(sent);
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.pending);
  }

  private async trigger(runId: string): Promise<void> {
    const body = { variables: { siteUrl: this.platform.site.url, runId, stepDelayMs: 20 } };
    for (let attempt = 1; ; attempt++) {
      const answer = await this.platform
        .api<{ jobId: string }>('POST', '/api/v1/workflows/chaos-ten-steps/trigger', body, {
          'idempotency-key': runId,
        })
        .catch((error: unknown) => ({ status: 0, body: { jobId: '', error: String(error) } }));
      if (answer.status === 202 || answer.status === 200) {
        this.jobs.push({ jobId: answer.body.jobId, runId });
        return;
      }
      if (attempt === 60) {
        this.log(`trigger ${runId} refused ${attempt} times, last ${answer.status}; given up`);
        this.jobs.push({ jobId: `never-triggered-${runId}`, runId });
        return;
      }
      this.retries[answer.status] = (this.retries[answer.status] ?? 0) + 1;
      await sleep(500);
    }
  }
}

async function waitForEnd(platform: TestPlatform, jobId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const history = await platform.events(jobId).catch(() => []);
    if (history.some((event) => ENDED.includes(event.type)) || Date.now() > deadline) return history;
    await sleep(200);
  }
}

/** Reads EVENTS whole and counts envelope ids stored more than once (a commit holds several). */
async function duplicateEnvelopes(nc: NatsConnection): Promise<number> {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const last = (await jsm.streams.info(STREAMS.events)).state.last_seq;
  const consumer = await js.consumers.get(STREAMS.events, { deliver_policy: DeliverPolicy.All });
  const seen = new Set<string>();
  let duplicates = 0;
  const messages = await consumer.consume({ max_messages: 512 });
  for await (const message of messages) {
    const body = JSON.parse(message.string()) as { id: string } | { id: string }[];
    for (const envelope of Array.isArray(body) ? body : [body]) {
      if (seen.has(envelope.id)) duplicates++;
      seen.add(envelope.id);
    }
    if (message.seq >= last) break;
  }
  return duplicates;
}

async function retrying<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
