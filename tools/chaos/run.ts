import { chaosLine, runChaos } from './harness';

/** `npm run chaos`: the full chaos suite; the last line is the summary. */
async function main() {
  const trials = Number(process.env['CHAOS_TRIALS'] ?? 200);
  const report = await runChaos({ trials, log: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(
    `kills that landed after the job finished: ${report.missedKills}; freeze: fenced=${report.freeze.fencedRobotLogged} completions=${report.freeze.completions}; nats restart: ${report.natsRestart.completed}/${report.natsRestart.jobs}; dispatcher restart: ${report.dispatcherRestart.completed}/${report.dispatcherRestart.jobs} completed, ${report.dispatcherRestart.startedAfterKill} started after the kill, ${report.dispatcherRestart.startedTwice} started twice, ${report.dispatcherRestart.superseded} superseded, ${report.dispatcherRestart.leftInWork} left in WORK; projector rebuild equal: ${report.projector.equalsRebuild} (exercised: ${report.projector.exercised})\n`,
  );
  for (const step of report.ambiguousUnsettled) process.stderr.write(`ambiguous, not settled: ${step}\n`);
  for (const step of report.outcomesMissing) process.stderr.write(`outcome missing from the log: ${step}\n`);
  process.stdout.write(`${chaosLine(report)}\n`);
  const ok =
    report.lost === 0 &&
    report.duplicateSteps === 0 &&
    report.missingEffects === 0 &&
    report.ambiguousAppliedOnce === report.ambiguous &&
    report.ambiguous > 0 &&
    report.outcomesMissing.length === 0 &&
    report.freeze.completions === 1 &&
    report.dispatcherRestart.startedTwice === 0 &&
    report.dispatcherRestart.startedAfterKill > 0 &&
    report.dispatcherRestart.leftInWork === 0 &&
    report.projector.equalsRebuild &&
    report.projector.exercised;
  process.exit(ok ? 0 : 1);
}

void main();
