import { queueChaosLine, runQueueChaos } from './queues';

/** `npm run chaos:queues`: 1,000 items, 4 robots, robots SIGKILLed at random; the last line is the summary. */
async function main() {
  const report = await runQueueChaos({
    items: Number(process.env['CHAOS_ITEMS'] ?? 1_000),
    robots: Number(process.env['CHAOS_ROBOTS'] ?? 4),
    kills: Number(process.env['CHAOS_KILLS'] ?? 8),
    timeoutMs: 600_000,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${queueChaosLine(report)}\n`);
  const ok =
    report.unfinished === 0 &&
    report.completedTwice === 0 &&
    report.duplicateRefused &&
    report.plain.successful === report.plain.count &&
    report.plain.completedOnce === report.plain.count &&
    report.business.failed === report.business.count &&
    report.business.maxAttempts === 1 &&
    report.flakyOnce.successful === report.flakyOnce.count &&
    report.flaky.failed === report.flaky.count;
  process.exit(ok ? 0 : 1);
}

void main();
