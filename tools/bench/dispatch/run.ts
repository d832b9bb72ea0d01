import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, eventually, startNatsServer } from '@aether/testing';
import { startStack } from '@aether/platform';
import { installLagProbe, measureAether, noopWorkflow } from './aether';
import { loadDispatcherConfig } from '@aether/dispatcher/config';
import { measureRawJetStreamSharedConnection, startRawPullers } from './jetstream';
import { cpuSeconds, ioCalls, round } from './measure';
import { cpuByProcess } from '../cost';
import { benchFailed } from '../failure';
import { percentile } from '../stats';
import { openPgBoss, type PgBossMajor } from './pgboss';

/**
 * `npm run bench:dispatch`: end-to-end no-op jobs per second through the whole platform
 * (each service and robot its own process, each robot one job at a time, the dispatcher's
 * `PREFETCH` as shipped), with 1 and 4 robots, and as peers in the same run, as their users run
 * them today:
 * - pg-boss 12 on the same PostgreSQL, four workers each fetching one job at a time (a robot's
 *   pattern), twice: `synchronous_commit` on (its users' default: durable on disk when the call
 *   returns) and off (acknowledged before the WAL is flushed, as nats-server 2.9 acknowledges
 *   before its write reaches the disk); and pg-boss 10 with it on, the peer printed before 12
 *   (kept for one release);
 * - raw JetStream on the same server: four puller processes, each with its own connection, one
 *   message at a time, the ack and the next pull as one message (`raw-puller.ts`); and the
 *   pattern printed before it (four pullers sharing one connection, confirmed acks), for one release.
 * The 4-robot stage and the robot-pattern peers run in interleaved rounds, taking turns at going
 * first, so that the machine's drift from minute to minute weighs on all alike; the line reports
 * each one's median (of an even count, the lower middle one), the median of the rounds' ratios,
 * and the CPU each process spent per job in the 4-robot rounds (median of the rounds).
 * Environment: BENCH_JOBS (default 3000), BENCH_ROUNDS (default 3), BENCH_PREFETCH (the
 * dispatcher's PREFETCH; unset runs the shipped default), BENCH_WARMUP (jobs per robot run before
 * the clock starts, default 2500), KEEP_LOGS (keep the services' logs instead of deleting them),
 * NATS_SERVER_BIN (the nats-server to run, default /usr/sbin/nats-server; the line names its
 * version), BENCH_BUILD (a build's directory, `npm run build -- --out <dir>`: the services run its
 * JavaScript, as production does, instead of compiling as they load). Each peer runs once
 * unmeasured before the first round, as each robot is warmed.
 */
async function main() {
  const jobs = Number(process.env['BENCH_JOBS'] ?? 3000);
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
  const prefetchSet = process.env['BENCH_PREFETCH'];
  // The services and robots are new processes: until V8 has optimised their hot paths a job
  // costs them up to twice the CPU, which a fleet that runs for days never sees. Measured in
  // rounds of 500 jobs per robot, the cost per job stops falling after about 2,000 jobs per
  // robot (docs/orchestration.md). Each robot is warmed alike.
  const warmup = Number(process.env['BENCH_WARMUP'] ?? 2500);
  say(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const logDir = mkdtempSync(join(tmpdir(), 'aether-bench-dispatch-'));
  const nats = await startNatsServer({ monitor: true });
  const database = await createTestDatabase('aether_bench_dispatch');
  const db = new Client({ connectionString: database.url });
  const prefetch = loadDispatcherConfig({ NATS_URL: nats.url, PREFETCH: prefetchSet }).PREFETCH;
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  const peers: { stop(): Promise<void> }[] = [];
  try {
    stack = await startStack({
      natsUrl: nats.url,
      databaseUrl: database.url,
      logDir,
      robots: 1,
      env: { LOG_LEVEL: 'warn', ...(prefetchSet === undefined ? {} : { PREFETCH: prefetchSet }) },
      robotEnv: { MAX_CONCURRENT_JOBS: '1', FILES_ROOT: join(logDir, 'files') },
      ...(process.env['BENCH_BUILD'] ? { build: process.env['BENCH_BUILD'] } : {}),
    });
    const gateway = stack.gatewayUrl;
    const signedIn = { authorization: `Bearer ${stack.adminToken}` };
    await db.connect();
    await installLagProbe(db);
    const fourRobotRuns = Array.from({ length: rounds }, (_, i) => `bench-4-robots-${i + 1}`);
    for (const id of ['bench-warmup', 'bench-1-robot', 'bench-warmup-4', ...fourRobotRuns]) {
      const response = await fetch(`${gateway}/api/v1/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedIn },
        body: JSON.stringify(noopWorkflow(id)),
      });
      if (!response.ok) throw new Error(`publishing ${id}: ${response.status} ${await response.text()}`);
    }
    const onlineRobots = async (count: number) =>
      eventually(async () => {
        const robots = (await (
          await fetch(`${gateway}/api/v1/robots?status=online`, { headers: signedIn })
        ).json()) as unknown[];
        return robots.length === count ? true : undefined;
      });

    await onlineRobots(1);
    await measureAether(nats.url, db, 'bench-warmup', warmup);
    const one = await measureAether(nats.url, db, 'bench-1-robot', jobs);
    say(`aether, 1 robot:  ${round(one.jobsPerS, 0)} jobs/s`);
    for (let i = 2; i <= 4; i++) await stack.addRobot();
    await onlineRobots(4);
    await measureAether(nats.url, db, 'bench-warmup-4', warmup * 4);
    const processes = [...stack.services, ...stack.robots].map((s) => ({ name: s.name, pid: s.child.pid }));
    const natsPid = findNatsPid(nats.port);
    const natsVersion = await serverVersion(nats.monitorPort);
    const measureFour = (workflowId: string) =>
      measureWithCosts(
        { natsUrl: nats.url, monitorPort: nats.monitorPort, natsPid, db, processes },
        workflowId,
        jobs,
      );
    const openBoss = async (major: PgBossMajor, synchronousCommit: 'on' | 'off') => {
      const peer = await openPgBoss({ major, databaseUrl: database.url, synchronousCommit, workers: 4 });
      peers.push(peer);
      return peer;
    };
    const pgboss = await openBoss(12, 'on');
    const pgbossSyncOff = await openBoss(12, 'off');
    const pgboss10 = await openBoss(10, 'on');
    const rawPullers = await startRawPullers(nats.url, 4);
    peers.push(rawPullers);
    const robotPattern = { workers: 4, batch: 1 };
    const measureRaw = async () => {
      const raw = await rawPullers.drain(jobs * 2, natsPid);
      say(
        `  raw JetStream (${rawPullers.pullers} processes) CPU ms per message: pullers ${round(raw.clientCpuMs, 3)}, nats-server ${round(raw.serverCpuMs, 3)}`,
      );
      return raw.msgsPerS;
    };
    const measureRawShared = async () =>
      (await measureRawJetStreamSharedConnection(nats.url, jobs * 2, natsPid)).msgsPerS;
    // Each peer runs once unmeasured, as each robot is warmed (the batched one just before it counts).
    for (const peer of [pgboss, pgbossSyncOff, pgboss10]) await peer.drain(jobs, robotPattern);
    await measureRaw();
    await measureRawShared();

    const results: Round[] = [];
    const lagMs: number[] = [];
    const cpuRounds: Record<string, number>[] = [];
    for (const [i, workflowId] of fourRobotRuns.entries()) {
      // The stages take turns going first, so none is always measured at the same point of a round.
      const stages: (() => Promise<Partial<Round>>)[] = [
        async () => {
          const four = await measureFour(workflowId);
          lagMs.push(...four.lagMs);
          cpuRounds.push(four.cpuMsPerJob);
          return { aether: four.jobsPerS };
        },
        async () => ({ pgboss: await pgboss.drain(jobs, robotPattern) }),
        async () => ({ pgbossSyncOff: await pgbossSyncOff.drain(jobs, robotPattern) }),
        async () => ({ pgboss10: await pgboss10.drain(jobs, robotPattern) }),
        async () => ({ raw: await measureRaw() }),
        async () => ({ rawShared: await measureRawShared() }),
      ];
      let result: Partial<Round> = {};
      for (let k = 0; k < stages.length; k++)
        result = { ...result, ...(await stages[(i + k) % stages.length]()) };
      const r = result as Round;
      results.push(r);
      say(
        `round ${i + 1}: aether, 4 robots ${round(r.aether, 0)} jobs/s; pg-boss ${pgboss.version}, 4 workers fetching one job at a time: synchronous_commit on ${round(r.pgboss, 0)}, off ${round(r.pgbossSyncOff, 0)} jobs/s; pg-boss ${pgboss10.version} (on) ${round(r.pgboss10, 0)} jobs/s; raw JetStream, 4 puller processes, ack+next pull as one message ${round(r.raw, 0)} msgs/s; 4 pullers on one connection, confirmed ack ${round(r.rawShared, 0)} msgs/s: ${round(r.aether / r.pgboss, 2)}× pg-boss (${round(r.aether / r.pgbossSyncOff, 2)}× with synchronous_commit off), ${round(r.aether / r.raw, 2)}× raw`,
      );
    }
    const pgbossBatched = await pgboss.drain(jobs * 4, { workers: 4, batch: 100 });
    say(`pg-boss ${pgboss.version}, 4 workers fetching 100 at a time: ${round(pgbossBatched, 0)} jobs/s`);
    const median = (values: number[]) => percentile(values, 0.5);
    const of = (pick: (r: Round) => number) => median(results.map(pick));
    const aether = of((r) => r.aether);
    const cpuMsPerJob = Object.fromEntries(
      Object.keys(cpuRounds[0] ?? {}).map((name) => [name, round(median(cpuRounds.map((c) => c[name])), 3)]),
    );
    say(
      `aether (4 robots), median of ${rounds} rounds: ${round(aether, 0)} jobs/s = ${round(
        of((r) => r.aether / r.pgboss),
        2,
      )}× pg-boss ${pgboss.version} robot pattern, ${round(
        of((r) => r.aether / r.raw),
        2,
      )}× raw JetStream (${rawPullers.pullers} connections); projection lag p50 ${round(percentile(lagMs, 0.5))} ms, p99 ${round(percentile(lagMs, 0.99))} ms`,
    );
    process.stdout.write(
      `${JSON.stringify({
        bench: 'dispatch',
        jobs,
        rounds,
        prefetch,
        nats_server: natsVersion,
        // How durable each one's acknowledgement is: nats-server 2.9 acknowledges before its write
        // reaches the disk; the *_sync_off peer commits the same way, the others wait for the flush.
        durability: {
          aether: `nats-server ${natsVersion}: acknowledged before fsync`,
          pgboss: 'synchronous_commit=on',
          pgboss_sync_off: 'synchronous_commit=off',
        },
        pgboss_version: pgboss.version,
        raw_jetstream_connections: rawPullers.pullers,
        aether_jobs_per_s_1robot: round(one.jobsPerS),
        aether_jobs_per_s_4robots: round(aether),
        pgboss_jobs_per_s: round(of((r) => r.pgboss)),
        pgboss_sync_off_jobs_per_s: round(of((r) => r.pgbossSyncOff)),
        pgboss_batched_jobs_per_s: round(pgbossBatched),
        raw_jetstream_msgs_per_s: round(of((r) => r.raw)),
        aether_4robots_vs_pgboss: round(
          of((r) => r.aether / r.pgboss),
          2,
        ),
        aether_4robots_vs_pgboss_sync_off: round(
          of((r) => r.aether / r.pgbossSyncOff),
          2,
        ),
        aether_4robots_vs_raw_jetstream: round(
          of((r) => r.aether / r.raw),
          2,
        ),
        projection_lag_p50_ms: round(percentile(lagMs, 0.5)),
        projection_lag_p99_ms: round(percentile(lagMs, 0.99)),
        cpu_ms_per_job: cpuMsPerJob,
        // The peers as printed before 2026-12 (pg-boss 10; raw pullers sharing one connection), for one release.
        pgboss10_version: pgboss10.version,
        pgboss10_jobs_per_s: round(of((r) => r.pgboss10)),
        raw_jetstream_shared_connection_msgs_per_s: round(of((r) => r.rawShared)),
        aether_4robots_vs_pgboss10: round(
          of((r) => r.aether / r.pgboss10),
          2,
        ),
        aether_4robots_vs_raw_jetstream_shared_connection: round(
          of((r) => r.aether / r.rawShared),
          2,
        ),
        load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
      })}\n`,
    );
  } finally {
    for (const peer of peers) await peer.stop().catch(() => undefined);
    await stack?.stop();
    await db.end().catch(() => undefined);
    await nats.stop();
    await database.drop();
    if (process.env['KEEP_LOGS']) say(`service logs kept in ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
  }
}

interface Round {
  aether: number;
  pgboss: number;
  pgbossSyncOff: number;
  pgboss10: number;
  raw: number;
  rawShared: number;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

main().catch(benchFailed);

interface Measured {
  readonly natsUrl: string;
  readonly monitorPort: number | undefined;
  readonly natsPid: number | undefined;
  readonly db: Client;
  readonly processes: readonly { name: string; pid: number | undefined }[];
}

/** `measureAether`, printing what each process spent per job: CPU, system calls, NATS messages. */
async function measureWithCosts(target: Measured, workflowId: string, jobs: number) {
  const measured = [
    ...target.processes,
    { name: 'nats-server', pid: target.natsPid },
    // This process publishes the commands and polls for the last projected job while the clock runs.
    { name: 'bench', pid: process.pid },
  ];
  const cpuBefore = measured.map((p) => cpuSeconds(p.pid));
  const ioBefore = measured.map((p) => ioCalls(p.pid));
  const postgresBefore = postgresCpu();
  const trafficBefore = await connectionTraffic(target.monitorPort);
  const result = await measureAether(target.natsUrl, target.db, workflowId, jobs);
  const cpuMs = measured.map((p, i) => ((cpuSeconds(p.pid) - cpuBefore[i]) * 1000) / jobs);
  const postgresMs = (postgresCpuSince(postgresBefore) * 1000) / jobs;
  const perJob = measured.map((p, i) => `${p.name} ${round(cpuMs[i], 2)}`);
  perJob.push(`postgres (all sessions) ${round(postgresMs, 2)}`);
  say(`  CPU ms per job (4 robots): ${perJob.join(', ')}`);
  const calls = measured.map((p, i) => {
    const now = ioCalls(p.pid);
    return `${p.name} ${round((now.reads - ioBefore[i].reads) / jobs, 1)}/${round((now.writes - ioBefore[i].writes) / jobs, 1)}`;
  });
  say(`  read/write system calls per job (4 robots): ${calls.join(', ')}`);
  const trafficAfter = await connectionTraffic(target.monitorPort);
  say(
    `  NATS messages per job, in/out of the server (4 robots): ${trafficPerJob(trafficBefore, trafficAfter, jobs)}`,
  );
  return {
    ...result,
    cpuMsPerJob: cpuByProcess(
      measured.map((p, i) => ({ name: p.name, ms: cpuMs[i] })),
      postgresMs,
    ),
  };
}

interface Traffic {
  readonly in: number;
  readonly out: number;
}

/** The version the test nats-server reports, for the line: runs against different servers must not be confused. */
async function serverVersion(monitorPort: number | undefined): Promise<string | undefined> {
  if (!monitorPort) return undefined;
  const varz = (await (await fetch(`http://127.0.0.1:${monitorPort}/varz`)).json()) as { version: string };
  return varz.version;
}

/** Messages each named client connection has sent to (`in`) and received from (`out`) the server so far. */
async function connectionTraffic(monitorPort: number | undefined): Promise<Map<string, Traffic>> {
  const traffic = new Map<string, Traffic>();
  if (!monitorPort) return traffic;
  const connz = (await (await fetch(`http://127.0.0.1:${monitorPort}/connz?limit=1024`)).json()) as {
    connections: { name?: string; in_msgs: number; out_msgs: number }[];
  };
  for (const c of connz.connections) {
    const name = c.name ?? 'unnamed';
    const seen = traffic.get(name) ?? { in: 0, out: 0 };
    traffic.set(name, { in: seen.in + c.in_msgs, out: seen.out + c.out_msgs });
  }
  return traffic;
}

function trafficPerJob(before: Map<string, Traffic>, after: Map<string, Traffic>, jobs: number): string {
  const per = (n: number) => round(n / jobs, 1);
  return [...after]
    .map(([name, now]) => {
      const then = before.get(name) ?? { in: 0, out: 0 };
      return `${name} ${per(now.in - then.in)}/${per(now.out - then.out)}`;
    })
    .join(', ');
}

/** CPU seconds so far of every PostgreSQL process, by pid (the server is shared: other sessions count too). */
function postgresCpu(): Map<number, number> {
  const used = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        used.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      // gone
    }
  }
  return used;
}

/** CPU seconds PostgreSQL processes still alive used since `before`. */
function postgresCpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of postgresCpu()) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** The pid of the test nats-server listening on `port` (for its CPU time), from /proc. */
function findNatsPid(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args[0].endsWith('nats-server') && args.includes(String(port))) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}
