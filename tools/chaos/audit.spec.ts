import { auditJob } from './harness';

/** One step's events, as the gateway lists them. */
const step = (key: string, ...types: string[]) =>
  types.map((type, i) => ({ sequence: i, type, occurredAt: '', data: { stepKey: key } }));
const allSteps = (...types: string[]) =>
  Array.from({ length: 10 }, (_, i) => step(`s${i + 1}`, ...types)).flat();
const counts = (requests: number, applied: number, except: Record<string, [number, number]> = {}) => {
  const of = (pick: 0 | 1) =>
    Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => {
        const key = `s${i + 1}`;
        return [`run-${key}`, except[key]?.[pick] ?? (pick === 0 ? requests : applied)];
      }),
    );
  return { requests: of(0), applied: of(1) };
};
const completedJob = { sequence: 99, type: 'JobCompleted', occurredAt: '', data: {} };

describe('the chaos audit sees what it claims', () => {
  it('counts a clean run as clean', () => {
    expect(
      auditJob([...allSteps('StepStarted', 'StepCompleted'), completedJob], counts(1, 1), 'run'),
    ).toEqual({
      completed: true,
      duplicateSteps: 0,
      ambiguous: 0,
      ambiguousAppliedOnce: 0,
      ambiguousUnsettled: [],
      outcomesMissing: [],
      reexecuted: 0,
      missingEffects: 0,
    });
  });

  it('sees a step that legitimately started twice but applied its effect twice (invisible before)', () => {
    const events = [...allSteps('StepStarted', 'StepStarted', 'StepCompleted'), completedJob];
    const audit = auditJob(events, counts(1, 1, { s4: [2, 2] }), 'run');
    expect(audit).toMatchObject({ duplicateSteps: 1, ambiguous: 10, ambiguousAppliedOnce: 9, reexecuted: 1 });
  });

  it('accepts an ambiguous step run again when its idempotency key kept the effect to one', () => {
    const events = [...allSteps('StepStarted', 'StepStarted', 'StepCompleted'), completedJob];
    expect(auditJob(events, counts(2, 1), 'run')).toMatchObject({
      duplicateSteps: 0,
      ambiguous: 10,
      ambiguousAppliedOnce: 10,
      reexecuted: 10,
    });
  });

  it("describes an ambiguous step that was never settled: its events and the site's counts", () => {
    const events = [...allSteps('StepStarted', 'StepCompleted'), ...step('s3', 'StepStarted'), completedJob];
    expect(auditJob(events, counts(1, 1, { s3: [2, 2] }), 'run')).toMatchObject({
      ambiguous: 1,
      ambiguousAppliedOnce: 0,
      ambiguousUnsettled: ['run/s3: StepStarted StepCompleted StepStarted; requests 2, applied 2'],
    });
  });

  it("tells a completed job whose log lost a step's outcome from an unsettled step", () => {
    const steps = allSteps('StepStarted', 'StepCompleted').filter(
      (e) => !(e.data.stepKey === 's5' && e.type === 'StepCompleted'),
    );
    const events = [...steps, ...step('s5', 'StepStarted'), completedJob];
    expect(auditJob(events, counts(1, 1, { s5: [2, 1] }), 'run')).toMatchObject({
      ambiguous: 2,
      ambiguousAppliedOnce: 2,
      ambiguousUnsettled: [],
      outcomesMissing: ['run/s5: StepStarted StepStarted; requests 2, applied 1'],
    });
  });

  it('flags a completed job whose step never applied its effect', () => {
    const events = [...allSteps('StepStarted', 'StepCompleted'), completedJob];
    expect(auditJob(events, counts(1, 1, { s7: [1, 0] }), 'run').missingEffects).toBe(1);
  });
});
