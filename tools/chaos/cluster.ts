import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAMS, subjects } from '@aether/contracts';
import { connectNats } from '@aether/event-store';
import {
  startNatsCluster,
  type TestNatsCluster,
  type TestNatsNode,
  type TestNatsServer,
} from '@aether/testing';
import {
  startServiceProcess,
  startTestPlatform,
  type JobEventView,
  type ServiceProcess,
  type TestPlatform,
} from '@aether/platform';
import { auditJob } from './harness';

const WORKFLOW = readFileSync(join(__dirname, 'chaos-ten-steps.workflow.json'), 'utf8');
const ENDED = ['JobCompleted', 'JobFailed', 'JobCancelled', 'JobNeedsAttention'];
/** A WORK subject no robot's consumer filters on: the probe's messages wait there until purged. */
export const PROBE_SUBJECT = subjects.robotWork('chaos-probe', 'probe');
/** The JetStream meta group, as `alsoLed` names it. */
const META = '$meta';
/** A stream or consumer listing's request timeout: past the server's own wait for a missing node. */
const LISTING_TIMEOUT_MS = 10_000;
/** How long a JetStream API request the harness needs is repeated before the run fails. */
const RETRY_MS = 60_000;

/** `events`: kill the EVENTS leader; `work`: kill the WORK leader once it leads nothing else; `pause`: SIGSTOP the EVENTS leader. */
export const CLUSTER_FAULTS = ['events', 'work', 'pause'] as const;
export type ClusterFaultKind = (typeof CLUSTER_FAULTS)[number];

export interface ClusterChaosOptions {
  /** One job triggered every this many ms while the faults run. */
  loadIntervalMs?: number;
  /** How long a killed node stays down before it is restarted. */
  downMs?: number;
  /** SIGSTOP length: past nats-server 2.9's election timeout (4–9 s without a leader's heartbeat). */
  pauseMs?: number;
  /** The faults, in this order. Default all of `CLUSTER_FAULTS`. */
  faults?: readonly ClusterFaultKind[];
  /** Robot processes. Default 4. */
  robots?: number;
  /**
   * Dispatcher processes (ADR 80: both active, fenced). Default 2: the second connects to the
   * node the first fault hits, so a dispatcher always loses its node.
   */
  dispatchers?: number;
  /** Run a build's JavaScript (`npm run build -- --out <dir>`): a faster start on a busy machine. */
  build?: string;
  /** How long to wait after a kill for the election, the probe and the platform's next append. Default 60 s. */
  recoveryTimeoutMs?: number;
  /** How long to wait, once the load has stopped, for every job to end. Default 180 s. */
  endTimeoutMs?: number;
  log?: (line: string) => void;
}

/** One fault and how long its stream was unavailable, each figure from the fault on. */
export interface Fault {
  readonly what: string;
  readonly node: string;
  /** Other streams and buckets the node led when it failed, and `$meta` for the meta group. */
  readonly alsoLed: readonly string[];
  /** Until the stream answered with a leader on another node (a pause: any leader answering). */
  readonly electedMs: number;
  /** Until the first of the platform's own appends stored after it (on WORK: the next placement). */
  readonly unavailableMs: number;
  /** WORK only: until the monitor's own probe message was acknowledged by the stream. */
  readonly probeAppendMs?: number;
  /**
   * Consumers the node led or hosted (`STREAM/name`, an ephemeral one by its filter): R1 ones,
   * such as ordered consumers, have no other replica to take over.
   */
  readonly consumersLed: readonly string[];
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
  /** The extra dispatchers: the node each first connected to, whether a fault hit it, whether it answered healthy at the end. */
  extraDispatchers: { node: string; lostItsNode: boolean; healthyAtEnd: boolean }[];
}

/**
 * `npm run chaos:cluster`: the platform on three nats-server processes with every stream and KV
 * bucket at R3, four robots under a steady load of jobs. The EVENTS stream's leader is killed,
 * then the WORK stream's once its node leads nothing else, each restarted after `downMs`; then
 * the EVENTS leader is paused (SIGSTOP) past the election timeout. Afterwards every job must have
 * completed, no acknowledged event vanished or was stored twice, and no completed step ran again.
 */
export async function runClusterChaos(options: ClusterChaosOptions = {}): Promise<ClusterChaosReport> {
  const log = options.log ?? (() => undefined);
  const downMs = options.downMs ?? 3_000;
  const pauseMs = options.pauseMs ?? 12_000;
  const cluster = await startNatsCluster();
  let platform: TestPlatform | undefined;
  let nc: NatsConnection | undefined;
  const extraDispatchers: { node: string; process: ServiceProcess }[] = [];
  try {
    platform = await startTestPlatform({
      name: 'chaos-cluster',
      databasePrefix: 'aether_chaos_cluster',
      nats: asServer(cluster),
      robots: options.robots ?? 4,
      ...(options.build ? { build: options.build } : {}),
      env: { STREAM_REPLICAS: '3' },
      robotEnv: { LEASE_MS: '3000', MAX_DELIVER: '50' },
    });
    const started = platform;
    log(`platform on ${cluster.servers}; logs in ${started.logDir}`);
    nc = await connectNats({ servers: cluster.servers, name: 'chaos-cluster-monitor' });
    // Polls fail fast (1 s) and are repeated; listings get longer: while a node is down or
    // rejoining, the server answers a stream or consumer listing only after its own wait for the
    // missing node (the harness died on 1 s listings, twice, right after a restart).
    const jsm = await jetstreamManager(nc, { timeout: 1_000 });
    const lister = await jetstreamManager(nc, { timeout: LISTING_TIMEOUT_MS });
    const firstHit = await firstFaultNode(jsm, cluster, options.faults ?? CLUSTER_FAULTS);
    for (let n = 2; n <= (options.dispatchers ?? 2); n++) {
      // Only the node's URL: it learns its peers from the cluster, as a pod given one service name does.
      const node = n === 2 ? firstHit : cluster.nodes[(n - 2) % cluster.nodes.length];
      extraDispatchers.push({
        node: node.name,
        process: await startServiceProcess('dispatcher', {
          natsUrl: node.url,
          databaseUrl: started.db.url,
          logDir: started.logDir,
          name: `dispatcher-${n}`,
          env: { LOG_LEVEL: 'info', STREAM_REPLICAS: '3' },
          ...(options.build ? { build: options.build } : {}),
        }),
      });
      log(`dispatcher-${n} on ${node.name}`);
    }
    const created = await started.api('POST', '/api/v1/workflows', WORKFLOW);
    if (created.status >= 300) throw new Error(`workflow refused: ${JSON.stringify(created.body)}`);
    const events = new AppendWatch(jsm, STREAMS.events, log);
    const work = new AppendWatch(jsm, STREAMS.work, log);
    const load = new SteadyLoad(started, options.loadIntervalMs ?? 400, log);
    load.start();
    await sleep(5_000);

    const faults: Fault[] = [];
    const js = jetstream(nc);
    for (const kind of options.faults ?? CLUSTER_FAULTS) {
      if (kind === 'pause') {
        const paused = await leaderOf(jsm, cluster, STREAMS.events);
        const alsoLed = await ledBy(lister, cluster, paused, STREAMS.events, log);
        const consumersLed = await consumersOn(lister, paused, log);
        const before = events.last;
        const at = Date.now();
        paused.pause();
        // Resumed on time, not once the figures are in: a node kept stopped until the first append
        // would stretch the fault to the figure it measures (it was stopped for 31 s once).
        const resumed = sleep(pauseMs).then(() => paused.resume());
        const [elected, appended] = await Promise.all([
          electedAfter(jsm, STREAMS.events, paused.name, pauseMs + 30_000),
          events.appendedAfter(before, pauseMs + 30_000),
          resumed,
        ]);
        const fault = {
          what: 'pause EVENTS leader',
          node: paused.name,
          alsoLed,
          electedMs: elected - at,
          unavailableMs: appended - at,
          consumersLed,
        };
        faults.push(fault);
        log(`paused ${paused.name} (EVENTS leader): ${JSON.stringify(fault)}`);
        await caughtUp(jsm, STREAMS.events, 60_000);
        log(`resumed ${paused.name} after ${pauseMs} ms; EVENTS replicas current`);
        continue;
      }
      const stream = kind === 'events' ? STREAMS.events : STREAMS.work;
      const watch = kind === 'events' ? events : work;
      // The WORK leader is killed alone: whatever else its node leads moves away first, so the
      // figures are WORK's, not those of the EVENTS or meta leader dying with it.
      const node =
        kind === 'work'
          ? await isolateLeader(nc, lister, cluster, stream, log)
          : await leaderOf(jsm, cluster, stream);
      const alsoLed = await ledBy(lister, cluster, node, stream, log);
      const consumersLed = await consumersOn(lister, node, log);
      const before = watch.last;
      const at = Date.now();
      await node.kill();
      const deadline = options.recoveryTimeoutMs ?? 60_000;
      const [elected, probe] = await Promise.all([
        electedAfter(jsm, stream, node.name, deadline),
        kind === 'work' ? probeAppend(js, `${at}`, deadline) : Promise.resolve(undefined),
      ]);
      const appended = await watch.appendedAfter(before, deadline, probe?.seq);
      const fault: Fault = {
        what: `kill ${stream} leader`,
        node: node.name,
        alsoLed,
        electedMs: elected - at,
        unavailableMs: appended - at,
        ...(probe ? { probeAppendMs: probe.at - at } : {}),
        consumersLed,
      };
      faults.push(fault);
      log(
        `killed ${node.name} (${stream} leader): ${JSON.stringify(fault)} (EVENTS at ${events.last}, WORK at ${work.last})`,
      );
      await sleep(Math.max(0, downMs - (Date.now() - at)));
      await node.restart();
      await caughtUp(jsm, stream, 60_000);
      if (probe)
        await retrying(
          'purging the probe',
          () => lister.streams.purge(STREAMS.work, { filter: PROBE_SUBJECT }),
          RETRY_MS,
        );
      log(`restarted ${node.name}; ${stream} replicas current`);
    }
    await sleep(3_000);
    await load.stop();

    await Promise.all([events.stop(), work.stop()]);

    const deadline = Date.now() + (options.endTimeoutMs ?? 180_000);
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
    const maxUnavailableMs = Math.max(0, ...faults.map((fault) => fault.unavailableMs));
    const dispatchersAtEnd = await Promise.all(
      extraDispatchers.map(async ({ node, process }) => ({
        node,
        lostItsNode: faults.some((fault) => fault.node === node),
        healthyAtEnd: await healthy(process.url),
      })),
    );
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
      extraDispatchers: dispatchersAtEnd,
    };
  } finally {
    await Promise.all(extraDispatchers.map(({ process }) => process.stop()));
    await nc?.close().catch(() => undefined);
    await platform?.stop();
    await cluster.stop();
  }
}

export function clusterChaosLine(report: ClusterChaosReport): string {
  return `cluster: kills=${report.kills} jobs=${report.jobs} completed=${report.completed} lost=${report.lost} duplicate_steps=${report.duplicateSteps} max_unavailable_ms=${report.maxUnavailableMs}`;
}

/** The node the first fault hits: the EVENTS leader (killed or paused) unless the run starts with WORK. */
async function firstFaultNode(
  jsm: JetStreamManager,
  cluster: TestNatsCluster,
  faults: readonly ClusterFaultKind[],
): Promise<TestNatsNode> {
  return leaderOf(jsm, cluster, faults[0] === 'work' ? STREAMS.work : STREAMS.events);
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) })).ok;
  } catch {
    return false;
  }
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
  const leader = (await retrying(`${stream}'s info`, () => jsm.streams.info(stream), RETRY_MS)).cluster
    ?.leader;
  const node = cluster.nodes.find((candidate) => candidate.name === leader);
  if (!node) throw new Error(`${stream} has no leader among ${cluster.nodes.map((n) => n.name).join(', ')}`);
  return node;
}

/** Every stream's and bucket's leader, and the meta group's (`$meta`), by name. */
async function leadership(jsm: JetStreamManager, cluster: TestNatsCluster): Promise<Map<string, string>> {
  const leaders = new Map<string, string>();
  // A listing times out while a restarted node rejoins (the harness died on one): ask again.
  const streams = await retrying(
    'the stream listing',
    async () => {
      const listed: [string, string][] = [];
      for await (const info of jsm.streams.list())
        if (info.cluster?.leader) listed.push([info.config.name, info.cluster.leader]);
      return listed;
    },
    RETRY_MS,
  );
  for (const [name, leader] of streams) leaders.set(name, leader);
  for (const node of cluster.nodes.filter((candidate) => candidate.running)) {
    const jsz = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz`)
      .then((response) => response.json() as Promise<{ meta_cluster?: { leader?: string } }>)
      .catch(() => undefined);
    const meta = jsz?.meta_cluster?.leader;
    if (meta) {
      leaders.set(META, meta);
      break;
    }
  }
  return leaders;
}

/**
 * The consumers `node` leads or, for an R1 one, hosts. A description of the fault, not a check:
 * a listing that keeps failing is reported as such rather than ending the run.
 */
async function consumersOn(
  jsm: JetStreamManager,
  node: TestNatsNode,
  log: (line: string) => void,
): Promise<string[]> {
  return retrying(
    'the consumer listing',
    async () => {
      const led: string[] = [];
      for await (const stream of jsm.streams.list())
        for await (const consumer of jsm.consumers.list(stream.config.name))
          if (consumer.cluster?.leader === node.name) {
            const { durable_name, filter_subject, filter_subjects } = consumer.config;
            led.push(
              `${stream.config.name}/${durable_name ?? filter_subject ?? filter_subjects?.join('|') ?? consumer.name}`,
            );
          }
      return led.sort();
    },
    RETRY_MS,
  ).catch((error: unknown) => {
    log(`consumers on ${node.name} not listed: ${describe(error)}`);
    return [`unlisted: ${describe(error)}`];
  });
}

/**
 * What else `node` leads besides `stream` (`$meta`: the meta group). With `log`, a listing that
 * keeps failing is reported in the answer (`unlisted: …`) rather than ending the run.
 */
export async function ledBy(
  jsm: JetStreamManager,
  cluster: TestNatsCluster,
  node: TestNatsNode,
  stream: string,
  log?: (line: string) => void,
): Promise<string[]> {
  try {
    return [...(await leadership(jsm, cluster))]
      .filter(([name, leader]) => leader === node.name && name !== stream)
      .map(([name]) => name)
      .sort();
  } catch (error) {
    if (!log) throw error;
    log(`what ${node.name} leads not listed: ${describe(error)}`);
    return [`unlisted: ${describe(error)}`];
  }
}

/**
 * Makes the leader of `stream` lead nothing else, so that killing it fails `stream` alone: the
 * stream steps down while its node also leads the meta group (which moves only from the system
 * account), then every other stream and bucket led there steps down (a step-down never elects the
 * node stepping down). Waits until all have settled. What would not move is left there and shows
 * in the fault's `alsoLed`.
 */
export async function isolateLeader(
  nc: NatsConnection,
  jsm: JetStreamManager,
  cluster: TestNatsCluster,
  stream: string,
  log: (line: string) => void = () => undefined,
): Promise<TestNatsNode> {
  let node = await leaderOf(jsm, cluster, stream);
  for (let attempt = 1; attempt <= 5; attempt++) {
    if ((await leadership(jsm, cluster)).get(META) !== node.name) break;
    log(`${node.name} leads ${stream} and the meta group: ${stream} steps down`);
    await stepDown(nc, stream, log);
    await caughtUp(jsm, stream, 60_000);
    node = await leaderOf(jsm, cluster, stream);
  }
  for (let round = 1; round <= 3; round++) {
    const others = (await ledBy(jsm, cluster, node, stream)).filter((name) => name !== META);
    if (others.length === 0) break;
    log(`moving ${others.join(', ')} off ${node.name}, which leads ${stream}`);
    for (const name of others) await stepDown(nc, name, log);
    // What is moved away only has to lead elsewhere; an idle bucket's replica on a restarted node
    // may stay behind for minutes (an object store did, and the run ended here).
    for (const name of others)
      await caughtUp(jsm, name, 20_000).catch((error: unknown) => log(`${describe(error)}; going on`));
  }
  if ((await leaderOf(jsm, cluster, stream)) !== node)
    throw new Error(`${stream}'s leader moved off ${node.name} while the others were moved away`);
  // Let clients whose requests met an election recover before the fault is timed.
  await sleep(3_000);
  return node;
}

async function stepDown(nc: NatsConnection, stream: string, log: (line: string) => void): Promise<void> {
  const answer = await nc
    .request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, '{}', { timeout: 5_000 })
    .then((reply) => reply.json<{ error?: { description: string } }>())
    .catch((error: unknown) => ({ error: { description: String(error) } }));
  if (answer.error) log(`step-down of ${stream} refused: ${answer.error.description}`);
}

/** When `stream` first answered with a leader other than `except`; the deadline when it did not in time. */
export async function electedAfter(
  jsm: JetStreamManager,
  stream: string,
  except: string,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const leader = (await jsm.streams.info(stream).catch(() => undefined))?.cluster?.leader;
    if (leader && leader !== except) return Date.now();
    await sleep(25);
  }
  return deadline;
}

/**
 * Appends one probe message to WORK, retrying until the stream acknowledges it: when that was and
 * its sequence. One message id for every attempt, so an attempt whose acknowledgement was lost
 * leaves no second copy. On the deadline, the deadline and no sequence.
 */
export async function probeAppend(
  js: JetStreamClient,
  id: string,
  timeoutMs: number,
): Promise<{ at: number; seq?: number }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ack = await js
      .publish(PROBE_SUBJECT, '{}', { msgID: `chaos-probe-${id}`, timeout: 500 })
      .catch(() => undefined);
    if (ack) return { at: Date.now(), seq: ack.seq };
    await sleep(25);
  }
  return { at: deadline };
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
    private readonly log: (line: string) => void,
  ) {
    this.running = this.poll();
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      const info = await this.jsm.streams.info(this.stream).catch(() => undefined);
      if (info) {
        const seq = info.state.last_seq;
        if (seq < this.last) {
          this.regressions += this.last - seq;
          this.log(
            `${this.stream}'s last sequence went back from ${this.last} to ${seq} (leader ${info.cluster?.leader ?? 'none'}, replicas ${JSON.stringify(info.cluster?.replicas ?? [])})`,
          );
        }
        if (seq > this.last) this.seen.push({ seq, at: Date.now() });
        this.last = Math.max(this.last, seq);
      }
      await sleep(25);
    }
  }

  /**
   * When the first sequence past `sequence` was seen, other than `probe` (a message the monitor
   * appended itself); the deadline itself when none was in time.
   */
  async appendedAfter(sequence: number, timeoutMs: number, probe?: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const first = this.seen.find((entry) => entry.seq > sequence && entry.seq !== probe);
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
  const last = (await retrying('EVENTS info', () => jsm.streams.info(STREAMS.events), RETRY_MS)).state
    .last_seq;
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

/** A JetStream API request the harness repeats while the cluster elects; it names what failed when it gives up. */
export class HarnessRequestError extends Error {
  constructor(what: string, timeoutMs: number, cause: unknown) {
    super(`${what}: still failing after ${timeoutMs} ms (${describe(cause)})`, { cause });
    this.name = 'HarnessRequestError';
  }
}

async function retrying<T>(what: string, attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new HarnessRequestError(what, timeoutMs, error);
      await sleep(500);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
