import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { nodeCatalog } from './catalog';
import type { NextAction, RunContext, StepRecord, Workflow } from './contract';
import { createPlanner, planNext } from './engine';
import { parseWorkflowText } from './text';
import { parseWorkflow } from './validate';

const demo = JSON.parse(
  readFileSync(join(__dirname, '../../../examples/demo-order-entry.workflow.json'), 'utf8'),
) as Record<string, unknown>;

/** A valid workflow using every kind of control flow, as a seed for mutations. */
const rich: Record<string, unknown> = {
  id: 'rich',
  version: 1,
  inputs: { rows: { type: 'array', default: [1, 2, 3] }, mode: { type: 'string', default: 'a' } },
  variables: { n: 0 },
  outputs: { last: '{{ steps.read.output.text }}', n: { value: '{{ vars.n }}' } },
  nodes: [
    { id: 'read', type: 'browser.extractText', params: { selector: '#x' }, next: 'each' },
    { id: 'each', type: 'forEach', params: { items: 'inputs.rows' }, body: 'guard', next: 'route' },
    { id: 'guard', type: 'try', body: 'click', catch: 'note', finally: 'bump' },
    {
      id: 'click',
      type: 'browser.click',
      params: { selector: '#row-{{ item }}' },
      retry: { attempts: 2, backoffMs: 5 },
    },
    { id: 'note', type: 'browser.fill', params: { selector: '#err', value: '{{ error.message }}' } },
    { id: 'bump', type: 'data.set', params: { values: { n: '{{ vars.n + 1 }}' } } },
    {
      id: 'route',
      type: 'switch',
      params: { value: 'inputs.mode' },
      branches: { a: 'poll', default: 'stop' },
      next: 'sub',
    },
    { id: 'poll', type: 'while', params: { condition: 'index < 2', maxIterations: 5 }, body: 'wait' },
    { id: 'wait', type: 'delay', params: { ms: 10 } },
    { id: 'stop', type: 'stopWithError', params: { message: 'mode {{ inputs.mode }}' } },
    { id: 'sub', type: 'subflow', params: { workflowId: 'inner', inputs: { q: '{{ vars.n }}' } } },
  ],
  subflows: [
    {
      id: 'inner',
      inputs: { q: { type: 'integer', required: true } },
      nodes: [
        { id: 'go', type: 'http.request', params: { method: 'GET', url: 'https://x.test/{{ inputs.q }}' } },
      ],
    },
  ],
};

const seeds = [demo, rich];
const types = [...nodeCatalog.keys()];
const hostileStrings = [
  '{{ inputs.__proto__ }}',
  '{{ constructor.constructor("return process")() }}',
  '{{ process.exit(1) }}',
  '{{ require("fs") }}',
  '{{ this }}',
  '{{ $f := function(){ $f() }; $f() }}',
  '{{ join(range(0, 100000)) + join(range(0, 100000)) }}',
  '{{ ((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))) }}',
  '{{ steps.read.output.text }}',
  '{{ item }}',
  '{{',
  '}}',
  '../../etc/passwd',
  '/abs',
  'read',
  'each',
  'nowhere',
];

type Mutation = (doc: Record<string, unknown>) => void;

const jsonLeaf = fc.oneof(
  fc.constantFrom(...hostileStrings),
  fc.constantFrom(...types),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const anyJson = fc.oneof(
  { weight: 3, arbitrary: jsonLeaf },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Picks an object or array inside the document (by a random walk) and changes it. */
const mutation: fc.Arbitrary<Mutation> = fc
  .record({
    walk: fc.array(fc.nat(), { maxLength: 6 }),
    op: fc.nat(5),
    key: fc.oneof(
      fc.constantFrom(
        'id',
        'type',
        'next',
        'body',
        'params',
        'branches',
        'catch',
        'items',
        'condition',
        'maxIterations',
        'nodes',
        'inputs',
        'workflowId',
        'selector',
        'onError',
        'start',
        'maxDepth',
      ),
      fc.string(),
    ),
    value: anyJson,
  })
  .map(({ walk, op, key, value }) => (doc: Record<string, unknown>) => {
    let target: unknown = doc;
    for (const step of walk) {
      const children =
        target !== null && typeof target === 'object'
          ? Object.values(target).filter((v) => v !== null && typeof v === 'object')
          : [];
      if (children.length === 0) break;
      target = children[step % children.length];
    }
    if (Array.isArray(target)) {
      if (op === 0 && target.length) target.splice(walk.length % target.length, 1);
      else if (op === 1 && target.length)
        target.push(structuredClone(target[walk.length % target.length]) as unknown);
      else target.push(value);
    } else if (target !== null && typeof target === 'object') {
      const obj = target as Record<string, unknown>;
      const keys = Object.keys(obj);
      if (op === 0 && keys.length) delete obj[keys[walk.length % keys.length]];
      else if (op === 1 && keys.length) obj[keys[walk.length % keys.length]] = value;
      else obj[key] = value;
    }
  });

const context = (variables: Record<string, unknown>): RunContext => ({
  variables,
  secret: (name) => (name === 'demoPassword' ? 'pw' : undefined),
});
const demoInputs = {
  siteUrl: 'http://x.test',
  customer: 'c',
  email: 'a@b.co',
  product: 'gizmo',
  quantity: 1,
  deliveryDate: '2030-01-01',
  shipping: 'standard',
  giftWrap: false,
};

function assertAction(action: NextAction): void {
  expect(['run', 'ambiguous', 'complete', 'fail']).toContain(action.kind);
}

/**
 * Runs a valid workflow to its end with arbitrary step outcomes; it must always terminate
 * cleanly, and a planner kept across steps must answer exactly as a fresh walk does.
 */
function driveRandomly(
  workflow: Workflow,
  variables: Record<string, unknown>,
  outcomes: readonly number[],
): void {
  const history = new Map<string, StepRecord>();
  const planner = createPlanner(workflow, context(variables));
  for (let i = 0; i < 300; i++) {
    const action = planNext(workflow, context(variables), history);
    assertAction(action);
    expect(planner.next(history)).toEqual(action);
    if (action.kind !== 'run') return;
    const o = outcomes[i % outcomes.length] ?? 0;
    const attempt = action.step.previousAttempts + 1;
    history.set(
      action.step.key,
      o % 5 === 0
        ? { status: 'failed', attempt, error: { message: 'boom', retryable: o % 2 === 0 } }
        : o % 7 === 0
          ? { status: 'started', attempt }
          : { status: 'completed', output: { text: String(o), rows: [o], value: o, values: { n: o } } },
    );
  }
}

/** Full counts under `npm run test:chaos`; a fifth in the default suite, which reseeds every run (ADR 63). */
const runs = (full: number) => (process.env['AETHER_TEST_CHAOS'] === '1' ? full : full / 5);

describe('fuzz: the validator and the engine never crash, never hang', () => {
  jest.setTimeout(120_000);

  it('random JSON values are rejected with problems, not exceptions', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), (doc) => {
        const result = parseWorkflow(doc);
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) expect(result.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: runs(2000) },
    );
  });

  it('random text is rejected with problems, not exceptions', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.constantFrom('{', '[', ':', '- - -', '&a [*a, *a]', '!!js/function "x"'),
        ),
        (text) => {
          const result = parseWorkflowText(text);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: runs(2000) },
    );
  });

  it('mutated workflows: every problem has a path and message; valid ones run to an end; invalid ones never start', () => {
    let valid = 0;
    let slowest = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(100), { minLength: 1, maxLength: 20 }),
        (seed, mutations, outcomes) => {
          const doc = structuredClone(seeds[seed]);
          for (const mutate of mutations) mutate(doc);
          // CPU time, not wall time: a loaded machine deschedules the process for longer than a
          // parse may take (1.1–1.5 s seen at load 25–30), which is no hang of the parser.
          const started = process.cpuUsage();
          const result = parseWorkflow(doc);
          const used = process.cpuUsage(started);
          slowest = Math.max(slowest, (used.user + used.system) / 1_000);
          const variables = seed === 0 ? demoInputs : {};
          if (result.ok) {
            valid++;
            driveRandomly(result.workflow, variables, outcomes);
          } else {
            for (const p of result.problems) {
              expect(typeof p.path).toBe('string');
              expect(p.message.length).toBeGreaterThan(0);
            }
            // The engine refuses the raw (invalid) document: it never plans a step for it.
            const action = planNext(doc as unknown as Workflow, context(variables), new Map());
            expect(action).toMatchObject({ kind: 'fail', error: { code: 'INVALID_WORKFLOW' } });
          }
        },
      ),
      { numRuns: runs(3000) },
    );
    expect(valid).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(1000);
  });

  it('the seeds themselves are valid and run to an end under random outcomes', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(100), { minLength: 1, maxLength: 30 }), (outcomes) => {
        for (const [i, seed] of seeds.entries()) {
          const result = parseWorkflow(seed);
          if (!result.ok) throw new Error(JSON.stringify(result.problems));
          driveRandomly(result.workflow, i === 0 ? demoInputs : {}, outcomes);
        }
      }),
      { numRuns: runs(300) },
    );
  });
});
