import { readFileSync } from 'node:fs';
import { CLUSTER_FAULTS, clusterChaosLine, runClusterChaos, type ClusterFaultKind } from './cluster';

/**
 * `npm run chaos:cluster`: three nats-servers, streams at R3, four robots under load; stream
 * leaders killed and a node paused. Stdout is one JSON line with every fault's figures; stderr
 * the progress, then the `cluster:` summary line.
 * Knobs: CHAOS_CLUSTER_FAULTS (comma-separated, of events,work,pause; default all, in that order),
 * CHAOS_LOAD_INTERVAL_MS (400: one job triggered every this many ms), CHAOS_ROBOTS (4),
 * CHAOS_DISPATCHERS (2: the second on the node the first fault hits),
 * CHAOS_BUILD (a build's directory, `npm run build -- --out <dir>`: the services run its JavaScript),
 * CHAOS_RECOVERY_TIMEOUT_MS (60000: after a kill), CHAOS_END_TIMEOUT_MS (180000: for the jobs to end).
 */
async function main() {
  const started = Date.now();
  const faults = (process.env['CHAOS_CLUSTER_FAULTS'] ?? CLUSTER_FAULTS.join(','))
    .split(',')
    .map((fault) => fault.trim())
    .filter((fault) => fault !== '');
  const unknown = faults.filter((fault) => !(CLUSTER_FAULTS as readonly string[]).includes(fault));
  if (unknown.length > 0 || faults.length === 0) {
    process.stderr.write(
      `CHAOS_CLUSTER_FAULTS takes ${CLUSTER_FAULTS.join(', ')}; not "${unknown.join(',')}"\n`,
    );
    process.exit(2);
  }
  const report = await runClusterChaos({
    faults: faults as ClusterFaultKind[],
    loadIntervalMs: Number(process.env['CHAOS_LOAD_INTERVAL_MS'] ?? 400),
    robots: Number(process.env['CHAOS_ROBOTS'] ?? 4),
    dispatchers: Number(process.env['CHAOS_DISPATCHERS'] ?? 2),
    recoveryTimeoutMs: Number(process.env['CHAOS_RECOVERY_TIMEOUT_MS'] ?? 60_000),
    endTimeoutMs: Number(process.env['CHAOS_END_TIMEOUT_MS'] ?? 180_000),
    ...(process.env['CHAOS_BUILD'] ? { build: process.env['CHAOS_BUILD'] } : {}),
    log: (line) => process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1)} s  ${line}\n`),
  });
  const ok =
    report.lost === 0 &&
    report.duplicateSteps === 0 &&
    report.duplicateEvents === 0 &&
    report.completed === report.jobs &&
    report.jobs > 0 &&
    report.extraDispatchers.every((dispatcher) => dispatcher.healthyAtEnd);
  process.stderr.write(`${clusterChaosLine(report)}\n`);
  process.stdout.write(
    `${JSON.stringify({
      chaos: 'cluster',
      ok,
      ...report,
      elapsedMs: Date.now() - started,
      load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
    })}\n`,
  );
  process.exit(ok ? 0 : 1);
}

// A rejection nobody awaits ends the run with its stack, which through timers alone names no
// call: say which it was when one escapes, and print the cause chain of main's own failure.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection in the harness: ${chain(reason)}\n`);
  process.exit(3);
});

main().catch((error: unknown) => {
  process.stderr.write(`chaos:cluster failed: ${chain(error)}\n`);
  process.exit(3);
});

function chain(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause === undefined ? '' : `\ncaused by: ${chain(error.cause)}`;
  return `${error.stack ?? error.message}${cause}`;
}
