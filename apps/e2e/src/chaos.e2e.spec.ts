import { chaosLine, runChaos, type ChaosReport } from '@aether/chaos';

/**
 * The short chaos suite (`npm run chaos` kills 200 times, `npm run test:chaos` 20): robots
 * SIGKILLed 5 times at random moments of a ten-step workflow, one frozen past its lease, nats-server killed and
 * restarted, the dispatcher and the projector killed mid-burst. Side effects are counted by the demo site.
 */
describe('chaos: no job lost, no completed step run twice', () => {
  let report: ChaosReport;

  beforeAll(async () => {
    report = await runChaos({
      trials: Number(process.env['CHAOS_TRIALS'] ?? (process.env['AETHER_TEST_CHAOS'] === '1' ? 20 : 5)),
      leaseMs: 1_000,
    });
    process.stdout.write(`${chaosLine(report)}\n`);
  }, 600_000);

  it('completes every job and never repeats a completed step', () => {
    expect(report.lost).toBe(0);
    expect(report.completed).toBe(
      report.trials + 1 + report.natsRestart.jobs + report.dispatcherRestart.jobs + 5,
    );
    expect(report.duplicateSteps).toBe(0);
  });

  it('applies every step of every completed job exactly once, however often it ran (idempotency keys)', () => {
    expect(report.missingEffects).toBe(0);
  });

  it('re-runs every step a killed robot left without an outcome, its effect still applied once', () => {
    expect(report.ambiguous).toBeGreaterThan(0);
    expect(report.ambiguousUnsettled).toEqual([]);
    expect(report.ambiguousAppliedOnce).toBe(report.ambiguous);
    // And the log keeps every outcome a robot went on from: after a nats-server SIGKILL two claims
    // of one robot on one delivery count took each other's commits for their own (ADR 103).
    expect(report.outcomesMissing).toEqual([]);
  });

  it('resumes a killed robot’s job on the standby within the lease plus a second', () => {
    expect(report.resumeMs.length).toBeGreaterThan(report.trials / 2);
    expect(report.maxResumeMs).toBeLessThan(1_000 + 1_000);
  });

  it('fences a robot frozen past its lease: one completion, and the robot says it was fenced', () => {
    expect(report.freeze).toEqual({ fencedRobotLogged: true, completions: 1 });
  });

  it('survives a nats-server restart: every job of the batch completes', () => {
    expect(report.natsRestart.completed).toBe(report.natsRestart.jobs);
  });

  it('a dispatcher killed mid-burst places again what no robot had claimed, and each job starts once', () => {
    expect(report.dispatcherRestart).toMatchObject({
      completed: report.dispatcherRestart.jobs,
      startedTwice: 0,
      leftInWork: 0,
    });
    // Not vacuous: the restart had jobs in flight that no robot had started.
    expect(report.dispatcherRestart.startedAfterKill).toBeGreaterThan(0);
    // The failover time is the new dispatcher's first placement: after it started, within the watch.
    const { readyMs, firstPlacementMs } = report.dispatcherRestart;
    expect(readyMs).toBeGreaterThanOrEqual(300);
    expect(firstPlacementMs).toBeGreaterThanOrEqual(300);
    expect(firstPlacementMs).toBeLessThan(60_000);
  });

  it('a projector killed mid-batch catches up to exactly a rebuild from sequence 1', () => {
    expect(report.projector).toMatchObject({ equalsRebuild: true, exercised: true });
  });
});
