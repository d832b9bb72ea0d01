import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, eventually, startNatsServer } from '@aether/testing';
import { startStack } from '@aether/platform';
import { installLagProbe, measureAether, noopWorkflow } from './aether';
import { measureRawJetStream } from './jetstream';
import { cpuSeconds, ioCalls, round } from './measure';
import { percentile } from '../stats';
import { measurePgBoss } from './pgboss';

/**
 * `npm run bench:dispatch`: end-to-end no-op jobs per second through the whole platform
 * (each service and robot its own process, each robot one job at a time), with 1 and 4
 * robots, and as peers in the same run pg-boss on the same PostgreSQL and raw JetStream on
 * the same server. The 4-robot stage and the two robot-pattern peers run in interleaved
 * rounds, so that the machine's drift from minute to minute weighs on all three alike; the
 * line reports each one's median (of an even count, the lower middle one) and the median of
 * the rounds' ratios. Environment:
 * BENCH_JOBS (default 3000), BENCH_ROUNDS (default 3), BENCH_PREFETCH (the dispatcher's
 * PREFETCH, default 1), BENCH_WARMUP (jobs per robot run before the clock starts, default
 * 2500), KEEP_LOGS (keep the services' logs instead of deleting them), NATS_SERVER_BIN (the
 * nats-server to run, default /usr/sbin/nats-server; the line names its version). Each peer runs
 * once unmeasured before the first round, as each robot is warmed.
 */
async function main() {
  const jobs = Number(process.env['BENCH_JOBS'] ?? 3000);
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
  const prefetch = Number(process.env['BENCH_PREFETCH'] ?? 1);
  // The services and robots are new processes: until V8 has optimised their hot paths a job
  // costs them up to twice the CPU, which a fleet that runs for days never sees. Measured in
  // rounds of 500 jobs per robot, the cost per job stops falling after about 2,000 jobs per
  // robot (docs/orchestration.md). Each robot is warmed alike.
  const warmup = Number(process.env['BENCH_WARMUP'] ?? 2500);
  const logDir = mkdtempSync(join(tmpdir(), 'aether-bench-dispatch-'));
  const nats = await startNatsServer({ monitor: true });
  const database = await createTestDatabase('aether_bench_dispatch');
  const db = new Client({ connectionString: database.url });
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  try {
    stack = await startStack({
      natsUrl: nats.url,
      databaseUrl: database.url,
      logDir,
      robots: 1,
      // PREFETCH queues one job ahead on each robot's subject; the robot still holds one lease at a time.
      env: { LOG_LEVEL: 'warn', PREFETCH: String(prefetch) },
      robotEnv: { MAX_CONCURRENT_JOBS: '1', FILES_ROOT: join(logDir, 'files') },
    });
    const gateway = stack.gatewayUrl;
    await db.connect();
    await installLagProbe(db);
    const fourRobotRuns = Array.from({ length: rounds }, (_, i) => `bench-4-robots-${i + 1}`);
    for (const id of ['bench-warmup', 'bench-1-robot', 'bench-warmup-4', ...fourRobotRuns]) {
      const response = await fetch(`${gateway}/api/v1/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(noopWorkflow(id)),
      });
      if (!response.ok) throw new Error(`publishing ${id}: ${response.status} ${await response.text()}`);
    }
    const onlineRobots = async (count: number) =>
      eventually(async () => {
        const robots = (await (await fetch(`${gateway}/api/v1/robots?status=online`)).json()) as unknown[];
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
    const measurePgBossRobots = () => measurePgBoss(database.url, jobs, { workers: 4, batch: 1 });
    const measureRaw = () => measureRawJetStream(nats.url, jobs * 2, natsPid);
    // Each peer runs once unmeasured, as each robot is warmed (the batched one just before it counts).
    await measurePgBossRobots();
    await measureRaw();

    const results: { aether: number; pgboss: number; raw: number }[] = [];
    const lagMs: number[] = [];
    for (const [i, workflowId] of fourRobotRuns.entries()) {
      // The three take turns going first, so none is always measured at the same point of a round.
      const stages = [
        async () => {
          const four = await measureFour(workflowId);
          lagMs.push(...four.lagMs);
          return { aether: four.jobsPerS };
        },
        async () => ({ pgboss: await measurePgBossRobots() }),
        async () => {
          const raw = await measureRaw();
          say(
            `  raw JetStream CPU ms per message: pullers ${round(raw.clientCpuMs, 3)}, nats-server ${round(raw.serverCpuMs, 3)}`,
          );
          return { raw: raw.msgsPerS };
        },
      ];
      let result = {} as (typeof results)[number];
      for (let k = 0; k < stages.length; k++)
        result = { ...result, ...(await stages[(i + k) % stages.length]()) };
      results.push(result);
      say(
        `round ${i + 1}: aether, 4 robots ${round(result.aether, 0)} jobs/s; pg-boss, 4 workers fetching one job at a time ${round(result.pgboss, 0)} jobs/s; raw JetStream, 4 pullers, one message each, working() + confirmed ack ${round(result.raw, 0)} msgs/s: ${round(result.aether / result.pgboss, 2)}× pg-boss, ${round(result.aether / result.raw, 2)}× raw`,
      );
    }
    const measurePgBossBatched = () => measurePgBoss(database.url, jobs * 4, { workers: 4, batch: 100 });
    await measurePgBossBatched();
    const pgbossBatched = await measurePgBossBatched();
    say(`pg-boss, 4 workers fetching 100 at a time: ${round(pgbossBatched, 0)} jobs/s`);
    const median = (values: number[]) => percentile(values, 0.5);
    const aether = median(results.map((r) => r.aether));
    const vsPgBoss = median(results.map((r) => r.aether / r.pgboss));
    const vsRaw = median(results.map((r) => r.aether / r.raw));
    say(
      `aether (4 robots), median of ${rounds} rounds: ${round(aether, 0)} jobs/s = ${round(vsPgBoss, 2)}× pg-boss robot pattern, ${round(vsRaw, 2)}× raw JetStream; projection lag p50 ${round(percentile(lagMs, 0.5))} ms, p99 ${round(percentile(lagMs, 0.99))} ms`,
    );
    process.stdout.write(
      `${JSON.stringify({
        bench: 'dispatch',
        jobs,
        rounds,
        prefetch,
        nats_server: natsVersion,
        aether_jobs_per_s_1robot: round(one.jobsPerS),
        aether_jobs_per_s_4robots: round(aether),
        pgboss_jobs_per_s: round(median(results.map((r) => r.pgboss))),
        pgboss_batched_jobs_per_s: round(pgbossBatched),
        raw_jetstream_msgs_per_s: round(median(results.map((r) => r.raw))),
        aether_4robots_vs_pgboss: round(vsPgBoss, 2),
        aether_4robots_vs_raw_jetstream: round(vsRaw, 2),
        projection_lag_p50_ms: round(percentile(lagMs, 0.5)),
        projection_lag_p99_ms: round(percentile(lagMs, 0.99)),
      })}\n`,
    );
  } finally {
    await stack?.stop();
    await db.end().catch(() => undefined);
    await nats.stop();
    await database.drop();
    if (process.env['KEEP_LOGS']) say(`service logs kept in ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
  }
}

const say = (line: string) => process.stderr.write(`${line}\n`);

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});

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
    { name: 'bench (trigger, polling)', pid: process.pid },
  ];
  const cpuBefore = measured.map((p) => cpuSeconds(p.pid));
  const ioBefore = measured.map((p) => ioCalls(p.pid));
  const postgresBefore = postgresCpu();
  const trafficBefore = await connectionTraffic(target.monitorPort);
  const result = await measureAether(target.natsUrl, target.db, workflowId, jobs);
  const perJob = measured.map(
    (p, i) => `${p.name} ${round(((cpuSeconds(p.pid) - cpuBefore[i]) * 1000) / jobs, 2)}`,
  );
  perJob.push(`postgres (all sessions) ${round((postgresCpuSince(postgresBefore) * 1000) / jobs, 2)}`);
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
  return result;
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
