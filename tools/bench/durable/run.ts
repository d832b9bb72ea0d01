import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, startNatsServer } from '@aether/testing';
import { openAether } from './aether-inprocess';
import { openDbos } from './dbos';
import { perStepOverhead, round, throughput, type Runner } from './measure';
import { benchFailed } from '../failure';
import { percentile } from '../stats';
import { measureResume } from './resume';

/**
 * `npm run bench:durable`: Aether's durable execution against DBOS Transact, same machine,
 * same PostgreSQL, same run, in BENCH_ROUNDS interleaved rounds (taking turns at going first):
 * five-step workflows per second at concurrency BENCH_CONCURRENCY, and the per-step checkpoint
 * cost. DBOS runs with a connection pool sized for that concurrency (BENCH_DBOS_POOL, default
 * the concurrency plus 10; its own default is 10), twice: PostgreSQL's `synchronous_commit` on
 * (its users' default: a step is on disk when it returns) and off (acknowledged before the WAL
 * is flushed, the durability nats-server 2.9 gives Aether). Then resume after SIGKILL with an
 * idle standby robot. Environment: BENCH_JOBS (2000 per round), BENCH_SAMPLES (200 per stage,
 * spread over the rounds), BENCH_ROUNDS (3), BENCH_CONCURRENCY (50), BENCH_DBOS_POOL,
 * BENCH_KILLS (20), BENCH_LEASE_MS (robot lease for the resume part; default the robots' 30 s),
 * BENCH_HEARTBEAT_MS (robot heartbeat for the resume part; default the robots' own, a third of
 * the lease up to 5 s), BENCH_BUILD (a build's directory, `npm run build -- --out <dir>`: the
 * resume part's services run its JavaScript instead of compiling as they load). The resume part
 * runs the production defaults unless these are set.
 */
async function main() {
  const jobs = Number(process.env['BENCH_JOBS'] ?? 2000);
  const samples = Number(process.env['BENCH_SAMPLES'] ?? 200);
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
  const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 50);
  const poolSize = Number(process.env['BENCH_DBOS_POOL'] ?? concurrency + 10);
  const kills = Number(process.env['BENCH_KILLS'] ?? 20);
  const leaseMs = process.env['BENCH_LEASE_MS'] ? Number(process.env['BENCH_LEASE_MS']) : undefined;
  const heartbeatMs = process.env['BENCH_HEARTBEAT_MS']
    ? Number(process.env['BENCH_HEARTBEAT_MS'])
    : undefined;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);

  const nats = await startNatsServer();
  const db = await createTestDatabase('aether_bench');
  const files = mkdtempSync(join(tmpdir(), 'aether-bench-'));
  try {
    const aether = await openAether(nats.url, files);
    const stages: Stage[] = [
      { name: 'aether', open: async () => aether, close: async () => undefined },
      ...(['on', 'off'] as const).map((synchronousCommit) => {
        let dbos: Awaited<ReturnType<typeof openDbos>> | undefined;
        return {
          name: synchronousCommit === 'on' ? 'dbos' : 'dbos_sync_off',
          open: async () => (dbos = await openDbos(db.url, { poolSize, synchronousCommit })),
          close: async () => dbos?.close(),
        };
      }),
    ];
    const results: Record<string, number>[] = [];
    const steps: Record<string, number[]> = {};
    for (const stage of stages) {
      // Warm: each runs once unmeasured (DBOS one process at a time, so it is launched per stage).
      await throughput(await stage.open(), 5, 200, concurrency);
      await stage.close();
    }
    for (let round = 0; round < rounds; round++) {
      const result: Record<string, number> = {};
      for (let k = 0; k < stages.length; k++) {
        const stage = stages[(round + k) % stages.length];
        const runner = await stage.open();
        await throughput(runner, 5, 100, concurrency);
        result[stage.name] = await throughput(runner, 5, jobs, concurrency);
        const step = await perStepOverhead(runner, Math.ceil(samples / rounds));
        (steps[stage.name] ??= []).push(...step);
        await stage.close();
      }
      results.push(result);
      say(
        `round ${round + 1}: five-step workflows/s at concurrency ${concurrency}: aether ${round1(result['aether'])}, dbos (pool ${poolSize}) ${round1(result['dbos'])}, with synchronous_commit off ${round1(result['dbos_sync_off'])}`,
      );
    }
    await aether.close();
    const median = (values: number[]) => percentile(values, 0.5);
    const of = (pick: (r: Record<string, number>) => number) => median(results.map(pick));
    const stepP50 = (name: string) => percentile(steps[name], 0.5);
    say(
      `per-step checkpoint p50/p99 ms: ${stages.map((s) => `${s.name} ${round(stepP50(s.name), 3)}/${round(percentile(steps[s.name], 0.99), 3)}`).join(', ')}`,
    );

    const resumes = await measureResume(nats, db, kills, { leaseMs, heartbeatMs });
    say(
      `resume after SIGKILL (standby robot, lease ${leaseMs ?? 'default 30000'} ms, heartbeat ${heartbeatMs ? `${heartbeatMs} ms` : 'default'}): median ${percentile(resumes, 0.5)} ms, max ${Math.max(...resumes)} ms`,
    );

    process.stdout.write(
      `${JSON.stringify({
        bench: 'durable',
        rounds,
        concurrency,
        dbos_pool: poolSize,
        durability: {
          aether: 'nats-server 2.9: acknowledged before fsync',
          dbos: 'synchronous_commit=on',
          dbos_sync_off: 'synchronous_commit=off',
        },
        aether_wf_per_s: round(
          of((r) => r['aether']),
          1,
        ),
        dbos_wf_per_s: round(
          of((r) => r['dbos']),
          1,
        ),
        dbos_sync_off_wf_per_s: round(
          of((r) => r['dbos_sync_off']),
          1,
        ),
        aether_vs_dbos: round(of((r) => r['aether'] / r['dbos'])),
        aether_vs_dbos_sync_off: round(of((r) => r['aether'] / r['dbos_sync_off'])),
        aether_step_p50_ms: round(stepP50('aether'), 3),
        aether_step_p99_ms: round(percentile(steps['aether'], 0.99), 3),
        dbos_step_p50_ms: round(stepP50('dbos'), 3),
        dbos_sync_off_step_p50_ms: round(stepP50('dbos_sync_off'), 3),
        resume_median_ms: percentile(resumes, 0.5),
        resume_max_ms: Math.max(...resumes),
        load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
      })}\n`,
    );
  } finally {
    await nats.stop();
    await db.drop();
    rmSync(files, { recursive: true, force: true });
  }
  process.exit(0);
}

interface Stage {
  readonly name: string;
  open(): Promise<Runner>;
  close(): Promise<unknown>;
}

const round1 = (value: number | undefined) => round(value ?? NaN, 0);

main().catch(benchFailed);
