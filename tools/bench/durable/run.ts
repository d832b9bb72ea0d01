import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, startNatsServer } from '@aether/testing';
import { openAether } from './aether-inprocess';
import { openDbos } from './dbos';
import { perStepOverhead, round, throughput, type Runner } from './measure';
import { percentile } from '../stats';
import { measureResume } from './resume';

/**
 * `npm run bench:durable`: Aether's durable execution against DBOS Transact, same machine,
 * same PostgreSQL, same run. Environment: BENCH_JOBS (2000), BENCH_SAMPLES (200),
 * BENCH_KILLS (20), BENCH_LEASE_MS (robot lease for the resume part; default the robots' 30 s),
 * BENCH_HEARTBEAT_MS (robot heartbeat for the resume part; default the robots' own, a third of
 * the lease up to 5 s). The resume part runs the production defaults unless these are set.
 */
async function main() {
  const jobs = Number(process.env['BENCH_JOBS'] ?? 2000);
  const samples = Number(process.env['BENCH_SAMPLES'] ?? 200);
  const kills = Number(process.env['BENCH_KILLS'] ?? 20);
  const leaseMs = process.env['BENCH_LEASE_MS'] ? Number(process.env['BENCH_LEASE_MS']) : undefined;
  const heartbeatMs = process.env['BENCH_HEARTBEAT_MS']
    ? Number(process.env['BENCH_HEARTBEAT_MS'])
    : undefined;
  const say = (line: string) => process.stderr.write(`${line}\n`);

  const nats = await startNatsServer();
  const db = await createTestDatabase('aether_bench');
  const files = mkdtempSync(join(tmpdir(), 'aether-bench-'));
  try {
    const aether = await openAether(nats.url, files);
    const dbos = await openDbos(db.url);
    const warm = async (runner: Runner) => throughput(runner, 5, 200, 50);
    await warm(aether);
    await warm(dbos);

    const aetherWf = await throughput(aether, 5, jobs, 50);
    say(`aether: ${round(aetherWf, 0)} five-step workflows/s at concurrency 50`);
    const dbosWf = await throughput(dbos, 5, jobs, 50);
    say(`dbos:   ${round(dbosWf, 0)} five-step workflows/s at concurrency 50`);

    const aetherStep = await perStepOverhead(aether, samples);
    say(`aether: per-step checkpoint p50 ${round(aetherStep.p50, 3)} ms, p99 ${round(aetherStep.p99, 3)} ms`);
    const dbosStep = await perStepOverhead(dbos, samples);
    say(`dbos:   per-step checkpoint p50 ${round(dbosStep.p50, 3)} ms, p99 ${round(dbosStep.p99, 3)} ms`);
    await aether.close();
    await dbos.close();

    const resumes = await measureResume(nats, db, kills, { leaseMs, heartbeatMs });
    say(
      `resume after SIGKILL (standby robot, lease ${leaseMs ?? 'default 30000'} ms, heartbeat ${heartbeatMs ? `${heartbeatMs} ms` : 'default'}): median ${percentile(resumes, 0.5)} ms, max ${Math.max(...resumes)} ms`,
    );
    say(
      `ratios: throughput ${round(aetherWf / dbosWf)}× DBOS, per-step cost ${round(aetherStep.p50 / dbosStep.p50)}× DBOS`,
    );

    process.stdout.write(
      `${JSON.stringify({
        bench: 'durable',
        aether_wf_per_s: round(aetherWf, 1),
        dbos_wf_per_s: round(dbosWf, 1),
        aether_step_p50_ms: round(aetherStep.p50, 3),
        aether_step_p99_ms: round(aetherStep.p99, 3),
        dbos_step_p50_ms: round(dbosStep.p50, 3),
        resume_median_ms: percentile(resumes, 0.5),
        resume_max_ms: Math.max(...resumes),
      })}\n`,
    );
  } finally {
    await nats.stop();
    await db.drop();
    rmSync(files, { recursive: true, force: true });
  }
  process.exit(0);
}

void main();
