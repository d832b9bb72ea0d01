import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  createTestDatabase,
  eventually,
  startNatsServer,
  startOtlpSink,
  type OtlpSink,
  type TestDatabase,
  type TestNatsServer,
} from '@aether/testing';
import { startStack } from '@aether/platform';
import { installLagProbe, measureAether, noopWorkflow } from '../dispatch/aether';
import { cpuSeconds, round } from '../dispatch/measure';
import { cpuByProcess } from '../cost';
import { benchFailed } from '../failure';
import { percentile } from '../stats';

/**
 * `npm run bench:tracing`: what tracing costs. Two platforms run side by side, each with its own
 * nats-server and database and 4 robots one job at a time, exactly as `bench:dispatch`'s 4-robot
 * stage: one with telemetry off (no endpoint: the SDK is never loaded), one tracing every job
 * (`OTEL_TRACES_SAMPLER=always_on`) to an OTLP/HTTP receiver in this process, in protobuf, the
 * SDK's default, with its default batching. They take turns going first in each round, and only
 * one works at a time. Each job is requested by a `RequestJob` command published straight to
 * JetStream, as in `bench:dispatch`, so its trace begins at the scheduler.
 * Prints the median jobs/s of each, the median of the rounds' ratios (goal: tracing costs < 5 %),
 * the CPU per job of each platform's processes, and the spans received per traced job.
 * Environment: BENCH_JOBS (default 3000), BENCH_ROUNDS (default 3), BENCH_WARMUP (jobs per robot
 * before the clock starts, default 2500), KEEP_LOGS.
 */
async function main() {
  const jobs = Number(process.env['BENCH_JOBS'] ?? 3000);
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
  const warmup = Number(process.env['BENCH_WARMUP'] ?? 2500);
  say(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const sink = await startOtlpSink();
  const platforms: Platform[] = [];
  try {
    const off = await startPlatform('off', {}, rounds);
    platforms.push(off);
    const on = await startPlatform(
      'on',
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
      },
      rounds,
    );
    platforms.push(on);
    for (const platform of platforms) {
      await measureAether(platform.nats.url, platform.db, 'bench-warmup', warmup * 4);
      say(`${platform.name}: warmed with ${warmup * 4} jobs`);
    }
    await spansPerJob(sink, 0, warmup * 4); // the warm-up's last batches come in before the clock starts
    const results: { off: number; on: number; spansPerJob: number }[] = [];
    const cpu: Record<'off' | 'on', Record<string, number>[]> = { off: [], on: [] };
    const lagMs: Record<'off' | 'on', number[]> = { off: [], on: [] };
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? [off, on] : [on, off];
      const result = { off: 0, on: 0, spansPerJob: 0 };
      for (const platform of order) {
        const spansBefore = sink.spanCount();
        const cpuBefore = platform.cpu();
        const measured = await measureAether(platform.nats.url, platform.db, `bench-${i + 1}`, jobs);
        const cpuAfter = platform.cpu();
        cpu[platform.name].push(
          cpuByProcess(
            Object.keys(cpuAfter).map((name) => ({
              name,
              ms: ((cpuAfter[name] - cpuBefore[name]) * 1000) / jobs,
            })),
            0,
          ),
        );
        lagMs[platform.name].push(...measured.lagMs);
        result[platform.name] = measured.jobsPerS;
        if (platform === on) result.spansPerJob = await spansPerJob(sink, spansBefore, jobs);
      }
      results.push(result);
      say(`  CPU ms per job, off: ${JSON.stringify(cpu.off.at(-1))}`);
      say(`  CPU ms per job, on:  ${JSON.stringify(cpu.on.at(-1))}`);
      say(
        `round ${i + 1}: telemetry off ${round(result.off, 0)} jobs/s, tracing on ${round(result.on, 0)} jobs/s (${round(result.on / result.off, 3)}×), ${round(result.spansPerJob, 1)} spans per job received`,
      );
    }
    const median = (values: number[]) => percentile(values, 0.5);
    const ratio = median(results.map((r) => r.on / r.off));
    process.stdout.write(
      `${JSON.stringify({
        bench: 'tracing',
        jobs,
        rounds,
        robots: 4,
        sampler: 'always_on',
        exporter: 'otlp http/protobuf, batch span processor defaults',
        off_jobs_per_s: round(median(results.map((r) => r.off))),
        on_jobs_per_s: round(median(results.map((r) => r.on))),
        on_vs_off: round(ratio, 3),
        overhead_pct: round((1 - ratio) * 100, 1),
        spans_per_job: round(median(results.map((r) => r.spansPerJob)), 1),
        cpu_ms_per_job_off: medianByKey(cpu.off),
        cpu_ms_per_job_on: medianByKey(cpu.on),
        projection_lag_p99_ms_off: round(percentile(lagMs.off, 0.99)),
        projection_lag_p99_ms_on: round(percentile(lagMs.on, 0.99)),
        load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
      })}\n`,
    );
  } finally {
    for (const platform of platforms) await platform.stop().catch(() => undefined);
    await sink.close();
  }
}

/** Each process's median of the rounds' CPU ms per job. */
function medianByKey(rounds: Record<string, number>[]): Record<string, number> {
  return Object.fromEntries(
    Object.keys(rounds[0] ?? {})
      .filter((key) => key !== 'postgres')
      .map((key) => [
        key,
        round(
          percentile(
            rounds.map((r) => r[key]),
            0.5,
          ),
          3,
        ),
      ]),
  );
}

interface Platform {
  readonly name: 'off' | 'on';
  readonly nats: TestNatsServer;
  readonly db: Client;
  /** CPU seconds used so far by each of its services and robots (nats-server and the shared PostgreSQL aside). */
  cpu(): Record<string, number>;
  stop(): Promise<void>;
}

async function startPlatform(
  name: 'off' | 'on',
  env: Record<string, string>,
  rounds: number,
): Promise<Platform> {
  const logDir = mkdtempSync(join(tmpdir(), `aether-bench-tracing-${name}-`));
  const nats = await startNatsServer();
  const database: TestDatabase = await createTestDatabase(`aether_bench_tracing_${name}`);
  const db = new Client({ connectionString: database.url });
  const stack = await startStack({
    natsUrl: nats.url,
    databaseUrl: database.url,
    logDir,
    robots: 4,
    env: { LOG_LEVEL: 'warn', ...env },
    robotEnv: { MAX_CONCURRENT_JOBS: '1', FILES_ROOT: join(logDir, 'files') },
  });
  await db.connect();
  await installLagProbe(db);
  const signedIn = { 'content-type': 'application/json', authorization: `Bearer ${stack.adminToken}` };
  for (const id of ['bench-warmup', ...Array.from({ length: rounds }, (_, i) => `bench-${i + 1}`)]) {
    const response = await fetch(`${stack.gatewayUrl}/api/v1/workflows`, {
      method: 'POST',
      headers: signedIn,
      body: JSON.stringify(noopWorkflow(id)),
    });
    if (!response.ok) throw new Error(`publishing ${id}: ${response.status} ${await response.text()}`);
  }
  await eventually(async () => {
    const robots = (await (
      await fetch(`${stack.gatewayUrl}/api/v1/robots?status=online`, { headers: signedIn })
    ).json()) as unknown[];
    return robots.length === 4 ? true : undefined;
  });
  const processes = [...stack.services, ...stack.robots].map((p) => ({ name: p.name, pid: p.child.pid }));
  return {
    name,
    nats,
    db,
    cpu: () => Object.fromEntries(processes.map(({ name, pid }) => [name, cpuSeconds(pid)])),
    async stop() {
      await stack.stop();
      await db.end().catch(() => undefined);
      await nats.stop();
      await database.drop();
      if (process.env['KEEP_LOGS']) say(`${name}: service logs kept in ${logDir}`);
      else rmSync(logDir, { recursive: true, force: true });
    },
  };
}

/**
 * Spans received for the round's jobs, once the processes' batches (5 s apart by default) have
 * come in: when 6 s bring less than one span per hundred jobs (presence keeps a trickle going).
 */
async function spansPerJob(sink: OtlpSink, before: number, jobs: number): Promise<number> {
  let last = sink.spanCount();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const now = sink.spanCount();
    if (now - last < jobs / 100) return (now - before) / jobs;
    last = now;
  }
}

const say = (line: string) => process.stderr.write(`${line}\n`);

main().catch(benchFailed);
