// Planning cost of long jobs: a forEach over N rows of two steps, driven to its end the way the
// robot drives it — plan, record the step's outcome, plan again. "fresh" walks the history from
// the start at every step (`planNext`); "planner" keeps its walk (`createPlanner`). Then the
// robot's other per-step cost: folding each step's StepStarted and StepCompleted into the claim's
// state, copying its maps (`evolveJob`) or writing them in place (`evolveJobInPlace`). Last, an
// expression evaluated once per element, as a `data.map` handler is (`evaluateExpression`).
//   npm run bench:planning            (BENCH_ROWS=5000)
import { StepCompleted, StepStarted, type JobEvent } from '@aether/contracts';
import { evolveJob, evolveJobInPlace, foldJob, type JobState } from '@aether/job-domain';
import {
  createPlanner,
  evaluateExpression,
  planNext,
  type NextAction,
  type StepHistory,
  type StepRecord,
  type Workflow,
} from '@aether/workflow';

const rows = Number(process.env['BENCH_ROWS'] ?? 5000);
const workflow = {
  id: 'rows',
  version: 1,
  inputs: { rows: { type: 'array', required: true } },
  nodes: [
    { id: 'each-row', type: 'forEach', params: { items: 'inputs.rows', as: 'row' }, body: 'enter-row' },
    {
      id: 'enter-row',
      type: 'browser.fill',
      params: { selector: '#name', value: '{{ row.name }}' },
      next: 'save-row',
    },
    { id: 'save-row', type: 'browser.click', params: { selector: '#save' } },
  ],
} as unknown as Workflow;
const context = {
  variables: { rows: Array.from({ length: rows }, (_, i) => ({ name: `row-${i}` })) },
  secret: () => undefined,
};

function drive(plan: (history: StepHistory) => NextAction): { steps: number; ms: number } {
  const history = new Map<string, StepRecord>();
  const started = process.hrtime.bigint();
  for (;;) {
    const action = plan(history);
    if (action.kind !== 'run') break;
    history.set(action.step.key, { status: 'completed', output: {} });
  }
  return { steps: history.size, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

function fold(evolve: (state: JobState, event: JobEvent) => JobState, events: readonly JobEvent[]): number {
  let state = foldJob([]);
  const started = process.hrtime.bigint();
  for (const event of events) state = evolve(state, event);
  if (state.completedSteps !== events.length / 2) throw new Error('fold lost steps');
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const planner = createPlanner(workflow, context);
const kept = drive((history) => planner.next(history));
const fresh = drive((history) => planNext(workflow, context, history));
const id = { tenantId: 'default', aggregateId: 'bench-job' };
const stepEvents: JobEvent[] = Array.from({ length: kept.steps }, (_, i) => [
  StepStarted.create({
    ...id,
    data: { stepKey: `s${i}`, nodeId: 'enter-row', nodeType: 'browser.fill', robotId: 'r', attempt: 1 },
  }),
  StepCompleted.create({ ...id, data: { stepKey: `s${i}`, nodeId: 'enter-row', output: {}, durationMs: 1 } }),
]).flat();
const inPlaceMs = fold(evolveJobInPlace, stepEvents);
const copyingMs = fold(evolveJob, stepEvents);
function perEvaluationMicros(items: number): number {
  const elements = Array.from({ length: items }, (_, i) => ({ price: i }));
  let sum = 0;
  const started = process.hrtime.bigint();
  for (const item of elements) sum += evaluateExpression('item.price * 2 + 1', { item }) as number;
  if (sum !== items * items) throw new Error('expression evaluated wrong');
  return Number(process.hrtime.bigint() - started) / 1e3 / items;
}
perEvaluationMicros(rows * 20); // warm-up
const evaluationUs = perEvaluationMicros(rows * 20);
const round = (n: number) => Math.round(n * 10) / 10;
process.stderr.write(`fresh walk per step: ${round(fresh.ms)} ms for ${fresh.steps} steps\n`);
process.stderr.write(`kept planner:        ${round(kept.ms)} ms for ${kept.steps} steps\n`);
process.stderr.write(`fold, copying maps:  ${round(copyingMs)} ms for ${stepEvents.length} events\n`);
process.stderr.write(`fold, in place:      ${round(inPlaceMs)} ms for ${stepEvents.length} events\n`);
process.stderr.write(`map expression:      ${evaluationUs.toFixed(3)} µs per element\n`);
process.stdout.write(
  `${JSON.stringify({
    bench: 'planning',
    rows,
    steps: kept.steps,
    fresh_ms: round(fresh.ms),
    planner_ms: round(kept.ms),
    speedup: round(fresh.ms / kept.ms),
    fold_copying_ms: round(copyingMs),
    fold_in_place_ms: round(inPlaceMs),
    map_expression_us: Math.round(evaluationUs * 1000) / 1000,
  })}\n`,
);
