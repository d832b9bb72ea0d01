import { clusterChaosLine, runClusterChaos } from './cluster';

/**
 * `npm run chaos:cluster`: three nats-servers, streams at R3, four robots under load; stream
 * leaders killed and a node paused. The last line is the summary; each fault's recovery time
 * (fault → first append stored after it) is printed above it.
 */
async function main() {
  const report = await runClusterChaos({
    loadIntervalMs: Number(process.env['CHAOS_LOAD_INTERVAL_MS'] ?? 400),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  for (const fault of report.faults)
    process.stdout.write(`${fault.what} (${fault.node}): unavailable_ms=${fault.unavailableMs}\n`);
  process.stdout.write(
    `events: lost=${report.lostEvents} duplicate=${report.duplicateEvents}; triggers resent by status=${JSON.stringify(report.triggerRetries)}\n`,
  );
  process.stdout.write(`${clusterChaosLine(report)}\n`);
  const ok =
    report.lost === 0 &&
    report.duplicateSteps === 0 &&
    report.duplicateEvents === 0 &&
    report.completed === report.jobs &&
    report.jobs > 0;
  process.exit(ok ? 0 : 1);
}

void main();
