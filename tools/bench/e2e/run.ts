import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_LAUNCH_OPTIONS } from '@aether/nodes';
import { createTestDatabase, eventually, startNatsServer } from '@aether/testing';
import {
  DEMO_PASSWORD,
  DEMO_WORKFLOW_FILE,
  demoVariables,
  startTestPlatform,
  type TestPlatform,
  type ServiceProcess,
} from '@aether/platform';
import { round, sleep, withLimit } from '../dispatch/measure';
import { benchFailed } from '../failure';
import { percentile } from '../stats';
import { runBareScript } from './bare';
import { JobWatch, type WatchedJob } from './job-watch';
import { linearFit, treeMemory, type TreeMemory } from './memory';

/**
 * `npm run bench:e2e`: what the platform adds to a real browser job, how soon a triggered job
 * starts, and how many browser jobs one robot process runs at once.
 *
 * 1. Overhead. The demo order-entry workflow (15 Chromium steps against the demo site) run
 *    BENCH_E2E_JOBS times through Aether — HTTP trigger → scheduler → dispatcher → robot →
 *    `JobCompleted` as a subscriber to the job's events sees it — and the same steps as a bare
 *    Playwright script (`bare.ts`) on the same machine, the same Chromium with the robot's launch
 *    options, the same site, interleaved one for one and taking turns at going first. Both warm
 *    (BENCH_E2E_WARMUP runs each first). Each Aether job is triggered on an idle fleet, after
 *    BENCH_E2E_IDLE_MS with nothing running: the time from sending the trigger to its first
 *    `StepStarted` reaching a subscriber is the trigger-to-first-step latency.
 * 2. Density. One robot process with MAX_CONCURRENT_JOBS at each of BENCH_DENSITY_LEVELS (a
 *    fresh robot per level, warmed with one job per slot), fed BENCH_DENSITY_JOBS_PER_SLOT jobs
 *    per slot at once: jobs per minute, step latency p50/p99 (StepStarted → StepCompleted by the
 *    robot's clock) and the memory of the robot's process tree (the robot and its Chromium),
 *    sampled every 500 ms from /proc, the peak PSS and what it is made of. Memory per
 *    concurrent job is the slope of the peaks over the levels. An empty BENCH_DENSITY_LEVELS
 *    skips this part.
 *
 * Prints one JSON line; the details go to stderr. KEEP_LOGS keeps the services' logs; BENCH_BUILD
 * (a build's directory, `npm run build -- --out <dir>`) runs the services from it, as production
 * does, instead of compiling them as they load.
 */
const JOBS = Number(process.env['BENCH_E2E_JOBS'] ?? 30);
const WARMUP = Number(process.env['BENCH_E2E_WARMUP'] ?? 5);
const IDLE_MS = Number(process.env['BENCH_E2E_IDLE_MS'] ?? 300);
const LEVELS = (process.env['BENCH_DENSITY_LEVELS'] ?? '1,2,4,8')
  .split(',')
  .map((level) => level.trim())
  .filter(Boolean)
  .map(Number);
const JOBS_PER_SLOT = Number(process.env['BENCH_DENSITY_JOBS_PER_SLOT'] ?? 4);
const WORKFLOW = 'demo-order-entry';
const say = (line: string) => process.stderr.write(`${line}\n`);

async function main() {
  const heapFile = join(tmpdir(), `aether-bench-e2e-heap-${process.pid}.json`);
  const robotEnv = (slots: number) => ({
    AETHER_SECRET_DEMO_PASSWORD: DEMO_PASSWORD,
    MAX_CONCURRENT_JOBS: String(slots),
    NODE_OPTIONS: `--require ${join(__dirname, 'heap-probe.cjs')}`,
    BENCH_HEAP_FILE: heapFile,
  });
  say(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  // Started here, not by the platform, so that they are stopped even when the platform fails to start.
  const [nats, db] = await Promise.all([startNatsServer(), createTestDatabase('aether_bench_e2e')]);
  let platform: TestPlatform | undefined;
  let browser: Browser | undefined;
  let watch: JobWatch | undefined;
  try {
    platform = await startTestPlatform({
      name: 'bench-e2e',
      robots: 0,
      nats,
      db,
      env: { LOG_LEVEL: 'warn' },
      ...(process.env['BENCH_BUILD'] ? { build: process.env['BENCH_BUILD'] } : {}),
    });
    const published = await platform.api(
      'POST',
      '/api/v1/workflows',
      readFileSync(DEMO_WORKFLOW_FILE, 'utf8'),
    );
    if (published.status >= 300)
      throw new Error(`publishing the demo workflow: ${JSON.stringify(published.body)}`);
    watch = await JobWatch.open(platform.nats.url);
    browser = await chromium.launch(CHROMIUM_LAUNCH_OPTIONS);
    let robot = await startRobot(platform, 'robot-e2e', robotEnv(1));

    const overhead = await measureOverhead(platform, watch, browser);
    const density: DensityLevel[] = [];
    for (const level of LEVELS) {
      await robot.stop();
      robot = await startRobot(platform, `robot-x${level}`, robotEnv(level));
      density.push(await measureDensity(platform, watch, robot, level, heapFile));
    }
    const summary = summarizeDensity(density);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'e2e',
        jobs: JOBS,
        steps: overhead.steps,
        aether_job_ms_p50: round(overhead.aetherP50),
        bare_job_ms_p50: round(overhead.bareP50),
        overhead_pct: round(((overhead.aetherP50 - overhead.bareP50) / overhead.bareP50) * 100),
        overhead_ms_per_step: round((overhead.aetherP50 - overhead.bareP50) / overhead.steps, 2),
        aether_job_ms_p99: round(overhead.aetherP99),
        bare_job_ms_p99: round(overhead.bareP99),
        first_step_p50_ms: round(overhead.firstStepP50),
        first_step_p99_ms: round(overhead.firstStepP99),
        mb_per_browser_job: summary.mbPerJob === undefined ? null : round(summary.mbPerJob),
        mb_robot_base: summary.mbBase === undefined ? null : round(summary.mbBase),
        density_max_concurrent: summary.maxConcurrent ?? null,
        density_p99_doubles_at: summary.doublesAt ?? null,
        density: density.map((d) => ({
          concurrent: d.level,
          jobs_per_min: round(d.jobsPerMin),
          step_p50_ms: round(d.stepP50),
          step_p99_ms: round(d.stepP99),
          pss_mb: d.peak.pssMb,
          rss_mb: d.peak.rssMb,
        })),
        load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
      })}\n`,
    );
  } finally {
    await browser?.close();
    await watch?.close();
    await platform?.stop();
    await nats.stop();
    await db.drop();
    rmSync(heapFile, { force: true });
  }
}

/** Starts a robot process and waits until the registry lists it online (and nothing else). */
async function startRobot(
  platform: TestPlatform,
  name: string,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const robot = await platform.stack.addRobot(name, env);
  await eventually(
    async () => {
      const { body } = await platform.api<{ robotId: string }[]>('GET', '/api/v1/robots?status=online');
      return body.length === 1 && body[0].robotId === name ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  return robot;
}

/** Triggers the demo job; the job's id and when the trigger was sent (`performance.now()`). */
async function trigger(platform: TestPlatform): Promise<{ jobId: string; sentAt: number }> {
  const sentAt = performance.now();
  const { status, body } = await platform.api<{ jobId: string }>(
    'POST',
    `/api/v1/workflows/${WORKFLOW}/trigger`,
    {
      variables: demoVariables(platform.site.url),
      priority: 10,
    },
  );
  if (status !== 202 && status !== 201 && status !== 200)
    throw new Error(`trigger answered ${status}: ${JSON.stringify(body)}`);
  return { jobId: body.jobId, sentAt };
}

async function completed(watch: JobWatch, jobId: string): Promise<WatchedJob> {
  const job = await watch.ended(jobId);
  if (job.outcome !== 'JobCompleted') throw new Error(`job ${jobId} ended ${job.outcome}`);
  return job;
}

interface Overhead {
  steps: number;
  aetherP50: number;
  aetherP99: number;
  bareP50: number;
  bareP99: number;
  firstStepP50: number;
  firstStepP99: number;
}

async function measureOverhead(platform: TestPlatform, watch: JobWatch, browser: Browser): Promise<Overhead> {
  const aetherJob = async () => {
    await sleep(IDLE_MS);
    const { jobId, sentAt } = await trigger(platform);
    const job = await completed(watch, jobId);
    return {
      ms: (job.endedAt as number) - sentAt,
      firstStepMs: (job.firstStepAt as number) - sentAt,
      sentAtEpoch: performance.timeOrigin + sentAt,
      job,
    };
  };
  const bareJob = () => runBareScript(browser, platform.site.url);
  for (let i = 0; i < WARMUP; i++) {
    await aetherJob();
    await bareJob();
  }
  const aether: Awaited<ReturnType<typeof aetherJob>>[] = [];
  const bare: Awaited<ReturnType<typeof bareJob>>[] = [];
  for (let i = 0; i < JOBS; i++) {
    if (i % 2 === 0) {
      aether.push(await aetherJob());
      bare.push(await bareJob());
    } else {
      bare.push(await bareJob());
      aether.push(await aetherJob());
    }
  }
  const p = (values: number[], q: number) => percentile(values, q);
  const steps = bare[0]?.stepMs.length ?? 0;
  // Where Aether's time goes, by the robot's clock: before the claim, in the steps, between them, after the last.
  const inSteps = aether.map((a) =>
    sum([...a.job.steps.values()].map((s) => (s.endedAt ?? s.startedAt) - s.startedAt)),
  );
  const stepSpan = aether.map((a) => {
    const s = [...a.job.steps.values()];
    return (s.at(-1)?.endedAt ?? 0) - (s[0]?.startedAt ?? 0);
  });
  const toRequest = aether.map((a) => (a.job.requestedOccurredAt ?? 0) - a.sentAtEpoch);
  const toClaim = aether.map((a) => (a.job.startedOccurredAt ?? 0) - a.sentAtEpoch);
  const afterLast = aether.map((a) => {
    const s = [...a.job.steps.values()];
    return (a.job.endedOccurredAt ?? 0) - (s.at(-1)?.endedAt ?? 0);
  });
  const bareSteps = bare.map((b) => sum(b.stepMs));
  say(
    `overhead, ${JOBS} jobs each: aether p50 ${round(
      p(
        aether.map((a) => a.ms),
        0.5,
      ),
    )} ms (p99 ${round(
      p(
        aether.map((a) => a.ms),
        0.99,
      ),
    )}), bare Playwright p50 ${round(
      p(
        bare.map((b) => b.ms),
        0.5,
      ),
    )} ms (p99 ${round(
      p(
        bare.map((b) => b.ms),
        0.99,
      ),
    )})`,
  );
  say(
    `  aether, medians by the robot's clock: trigger sent → JobRequested at ${round(p(toRequest, 0.5))} ms (gateway, scheduler) → JobStarted at ${round(p(toClaim, 0.5))} ms (dispatcher, robot), ${steps} steps ${round(p(inSteps, 0.5))} ms inside + ${round(p(stepSpan, 0.5) - p(inSteps, 0.5))} ms between them, last step → JobCompleted ${round(p(afterLast, 0.5))} ms; bare steps ${round(p(bareSteps, 0.5))} ms`,
  );
  const byNode = new Map<string, { aether: number[]; bare: number[] }>();
  for (const a of aether)
    for (const s of a.job.steps.values()) {
      const node = byNode.get(s.nodeId) ?? { aether: [], bare: [] };
      node.aether.push((s.endedAt ?? s.startedAt) - s.startedAt);
      byNode.set(s.nodeId, node);
    }
  const nodes = [...byNode.entries()];
  for (const b of bare) b.stepMs.forEach((ms, i) => nodes[i]?.[1].bare.push(ms));
  say(
    `  step medians, aether/bare ms: ${nodes.map(([id, n]) => `${id} ${round(p(n.aether, 0.5))}/${round(p(n.bare, 0.5))}`).join(', ')}`,
  );
  const firstStep = aether.map((a) => a.firstStepMs);
  say(
    `trigger → first StepStarted seen, idle fleet: p50 ${round(p(firstStep, 0.5))} ms, p99 ${round(p(firstStep, 0.99))} ms, max ${round(Math.max(...firstStep))} ms`,
  );
  return {
    steps,
    aetherP50: p(
      aether.map((a) => a.ms),
      0.5,
    ),
    aetherP99: p(
      aether.map((a) => a.ms),
      0.99,
    ),
    bareP50: p(
      bare.map((b) => b.ms),
      0.5,
    ),
    bareP99: p(
      bare.map((b) => b.ms),
      0.99,
    ),
    firstStepP50: p(firstStep, 0.5),
    firstStepP99: p(firstStep, 0.99),
  };
}

interface DensityLevel {
  level: number;
  jobsPerMin: number;
  stepP50: number;
  stepP99: number;
  /** The sample with the most PSS while the level ran. */
  peak: TreeMemory;
  /** The robot's own V8 heap at that sample, MB. */
  heapMb: number;
}

async function measureDensity(
  platform: TestPlatform,
  watch: JobWatch,
  robot: ServiceProcess,
  level: number,
  heapFile: string,
): Promise<DensityLevel> {
  const runBatch = async (count: number) => {
    const jobIds: string[] = [];
    await withLimit(count, 8, async () => jobIds.push((await trigger(platform)).jobId));
    return Promise.all(jobIds.map((id) => completed(watch, id)));
  };
  await runBatch(level);
  let peak: TreeMemory | undefined;
  let heapMb = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const sample = treeMemory(robot.child.pid as number);
      if (!peak || sample.pssMb > peak.pssMb) {
        peak = sample;
        heapMb = readHeapMb(heapFile);
      }
      await sleep(500);
    }
  })();
  const started = performance.now();
  const jobs = await runBatch(level * JOBS_PER_SLOT);
  const minutes = (performance.now() - started) / 60_000;
  sampling = false;
  await sampler;
  const stepMs = jobs.flatMap((job) =>
    [...job.steps.values()].map((s) => (s.endedAt ?? s.startedAt) - s.startedAt),
  );
  const result = {
    level,
    jobsPerMin: jobs.length / minutes,
    stepP50: percentile(stepMs, 0.5),
    stepP99: percentile(stepMs, 0.99),
    peak: peak as TreeMemory,
    heapMb,
  };
  const kinds = Object.entries(result.peak.byKind)
    .map(([kind, m]) => `${kind} ×${m.count} ${m.pssMb} (RSS ${m.rssMb})`)
    .join(', ');
  say(
    `density ${level} at once: ${round(result.jobsPerMin)} jobs/min, step p50 ${round(result.stepP50)} ms, p99 ${round(result.stepP99)} ms; peak PSS ${result.peak.pssMb} MB (RSS ${result.peak.rssMb}): ${kinds}; robot V8 heap ${heapMb} MB; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  );
  return result;
}

function readHeapMb(file: string): number {
  try {
    const usage = JSON.parse(readFileSync(file, 'utf8')) as { heapUsed: number };
    return round(usage.heapUsed / 2 ** 20);
  } catch {
    return NaN;
  }
}

/** Memory per concurrent job (slope of peak PSS over the levels), and where step latency's p99 doubles. */
function summarizeDensity(levels: readonly DensityLevel[]) {
  if (levels.length === 0) return {};
  const fit = linearFit(levels.map((l) => ({ x: l.level, y: l.peak.pssMb })));
  const base = levels[0];
  const doubled = levels.find((l) => l.stepP99 >= 2 * base.stepP99);
  const held = levels.filter((l) => l.stepP99 < 2 * base.stepP99);
  say(
    `memory per concurrent browser job (slope of peak PSS over ${levels.map((l) => l.level).join(', ')} at once): ${round(fit.slope)} MB, plus ${round(fit.intercept)} MB for the robot and its browser`,
  );
  return {
    mbPerJob: Number.isFinite(fit.slope) ? fit.slope : undefined,
    mbBase: Number.isFinite(fit.intercept) ? fit.intercept : undefined,
    maxConcurrent: held.at(-1)?.level,
    doublesAt: doubled?.level,
  };
}

const sum = (values: readonly number[]) => values.reduce((total, v) => total + v, 0);

main().catch(benchFailed);
