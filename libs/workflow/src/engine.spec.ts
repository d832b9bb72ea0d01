import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepRecord, Workflow } from './contract';
import { createPlanner, planNext } from './engine';
import { completed, drive, failed, given, plan, runStep, started } from './testing/given';

type NodeDoc = Record<string, unknown> & { id: string };

/** A workflow whose top-level nodes run in the order given (each `next` is the following node unless set). */
function linear(nodes: NodeDoc[], extra: Record<string, unknown> = {}) {
  const top = nodes.filter((n) => !n['inBlock']);
  const linked = nodes.map((original) => {
    const { inBlock, ...n } = original;
    const following = inBlock ? undefined : top[top.indexOf(original) + 1];
    return following && !('next' in n) ? { ...n, next: following.id } : n;
  });
  return { id: 'wf', version: 1, ...extra, nodes: linked };
}
const block = (n: NodeDoc): NodeDoc => ({ ...n, inBlock: true });
const workflowOf = (nodes: NodeDoc[]): Workflow => linear(nodes) as unknown as Workflow;

const demo = JSON.parse(
  readFileSync(join(__dirname, '../../../examples/demo-order-entry.workflow.json'), 'utf8'),
) as unknown;
const demoInputs = {
  siteUrl: 'http://localhost:4300',
  customer: 'ACME Corp',
  email: 'buyer@acme.test',
  product: 'gizmo',
  quantity: 3,
  deliveryDate: '2030-01-15',
  shipping: 'express',
  giftWrap: true,
};
const demoKeys = [
  'open-login',
  'fill-username',
  'fill-password',
  'submit-login',
  'wait-order-form',
  'fill-customer',
  'fill-email',
  'select-product',
  'fill-quantity',
  'fill-delivery-date',
  'choose-shipping',
  'set-gift-wrap',
  'fill-notes',
  'submit-order',
  'read-confirmation',
];

describe('planNext: a linear workflow (the demo order entry)', () => {
  const decide = plan(demo, { variables: demoInputs, secrets: { demoPassword: 'hunter2' } });

  it('given no history, when planning, then it runs the first step with its URL evaluated', () => {
    given()
      .when(decide)
      .then({
        kind: 'run',
        step: {
          key: 'open-login',
          nodeId: 'open-login',
          type: 'browser.goto',
          params: { url: 'http://localhost:4300/login' },
          timeoutMs: 30_000,
          idempotent: true,
          previousAttempts: 0,
        },
      });
  });

  it('given the login done, then it fills the password from the secret resolver', () => {
    given(completed('open-login'), completed('fill-username'))
      .when(decide)
      .then((action) => expect(runStep(action).params).toEqual({ selector: '#password', value: 'hunter2' }));
  });

  it('evaluates expressions on inputs: radio selector, boolean checked, number as text, default and optional inputs', () => {
    const { keys, action, history } = drive(decide, (key) =>
      key === 'read-confirmation' ? { text: 'ORD-1001' } : {},
    );
    expect(keys).toEqual(demoKeys);
    expect(action).toEqual({ kind: 'complete', outputs: { confirmationNumber: 'ORD-1001' } });
    const params = (key: string) =>
      runStep(decide(new Map([...history].filter(([k]) => demoKeys.indexOf(k) < demoKeys.indexOf(key)))))
        .params;
    expect(params('fill-username')).toEqual({ selector: '#username', value: 'demo' });
    expect(params('fill-quantity')).toEqual({ selector: '#quantity', value: '3' });
    expect(params('choose-shipping')).toEqual({ selector: '#shipping-express' });
    expect(params('set-gift-wrap')).toEqual({ selector: '#gift-wrap', checked: true });
    expect(params('fill-notes')).toEqual({ selector: '#notes', value: '' });
  });

  it('given a completed history, when replayed, then it completes with the mapped outputs', () => {
    const history = demoKeys.map((key) =>
      completed(key, key === 'read-confirmation' ? { text: 'ORD-7' } : {}),
    );
    given(...history)
      .when(decide)
      .then({ kind: 'complete', outputs: { confirmationNumber: 'ORD-7' } });
  });

  it('never runs a completed step again, whatever order the history map was built in', () => {
    const history = demoKeys.slice(0, 9).map((key) => completed(key));
    given(...history.reverse())
      .when(decide)
      .then((action) => expect(runStep(action).key).toBe('fill-delivery-date'));
  });

  it('does not mutate its arguments', () => {
    const history = new Map<string, StepRecord>([completed('open-login', Object.freeze({ url: 'x' }))]);
    const variables = Object.freeze({ ...demoInputs });
    Object.freeze(history);
    expect(() => planNext(demo as never, { variables, secret: () => 'pw' }, history)).not.toThrow();
  });
});

describe('planNext: refusals', () => {
  it('given an invalid workflow, then it fails without starting', () => {
    const action = planNext(
      { id: 'x', nodes: [{ id: 'a', type: 'browser.clik' }] } as never,
      { variables: {}, secret: () => undefined },
      new Map(),
    );
    expect(action).toMatchObject({ kind: 'fail', error: { code: 'INVALID_WORKFLOW', retryable: false } });
    if (action.kind === 'fail') expect(action.error.message).toContain('nodes[0].type');
  });

  it('given invalid inputs, then it fails naming them', () => {
    given()
      .when(plan(demo, { variables: { ...demoInputs, quantity: 'three', product: 'spanner' } }))
      .then((action) =>
        expect(action).toMatchObject({
          kind: 'fail',
          error: {
            code: 'INVALID_INPUTS',
            message: expect.stringContaining('inputs.quantity: expected integer') as unknown,
          },
        }),
      );
  });

  it('given a missing secret, then the step fails with the node id and no value', () => {
    given(completed('open-login'), completed('fill-username'))
      .when(plan(demo, { variables: demoInputs, secrets: {} }))
      .then({
        kind: 'fail',
        error: {
          code: 'EXPRESSION',
          message: 'nodes[2].params.value: secret "demoPassword" is not available',
          nodeId: 'fill-password',
          retryable: false,
        },
      });
  });

  it('given params that are wrong after evaluation, then it fails with INVALID_PARAMS', () => {
    const wf = linear(
      [{ id: 'a', type: 'browser.fill', params: { selector: '#q', value: '{{ inputs.n }}' } }],
      { inputs: { n: { type: 'integer', default: 3 } } },
    );
    given()
      .when(plan(wf))
      .then((action) =>
        expect(action).toMatchObject({
          kind: 'fail',
          error: {
            code: 'INVALID_PARAMS',
            nodeId: 'a',
            message: expect.stringContaining('nodes[0].params.value') as unknown,
          },
        }),
      );
  });
});

describe('planNext: a deterministic failure fails the job, or parks it by policy', () => {
  const nodes = [
    { id: 'read', type: 'browser.extractText', params: { selector: '#a' } },
    { id: 'submit', type: 'browser.click', params: { selector: '#b' } },
  ];
  const ambiguous = { message: '#b matched 2 elements', code: 'AMBIGUOUS_SELECTOR' };
  const error = { ...ambiguous, retryable: false, nodeId: 'submit' };

  it('given no policy, then the job fails', () => {
    given(completed('read'), failed('submit', ambiguous))
      .when(plan(linear(nodes)))
      .then({ kind: 'fail', error });
  });

  it("given the workflow's default park, then the failure names the step an operator is asked about", () => {
    given(completed('read'), failed('submit', ambiguous))
      .when(plan(linear(nodes, { defaults: { onDeterministicFailure: 'park' } })))
      .then({ kind: 'fail', error, park: { stepKey: 'submit', nodeId: 'submit' } });
  });

  it("given a node's own fail over the workflow's park, then the node's policy wins", () => {
    given(completed('read'), failed('submit', ambiguous))
      .when(
        plan(
          linear([nodes[0], { ...nodes[1], onDeterministicFailure: 'fail' }], {
            defaults: { onDeterministicFailure: 'park' },
          }),
        ),
      )
      .then({ kind: 'fail', error });
  });

  it('given a retryable failure with its retries used up, then park does not apply', () => {
    given(completed('read'), failed('submit', { message: 'timeout', retryable: true }))
      .when(plan(linear([nodes[0], { ...nodes[1], onDeterministicFailure: 'park' }])))
      .then({ kind: 'fail', error: { message: 'timeout', retryable: true, nodeId: 'submit' } });
  });
});

describe('planNext: ambiguous steps (started, no outcome)', () => {
  const wf = linear(
    [
      { id: 'read', type: 'browser.extractText', params: { selector: '#a' } },
      { id: 'submit', type: 'browser.click', params: { selector: '#b' } },
      {
        id: 'keyed',
        type: 'http.request',
        params: { method: 'POST', url: 'https://x.test' },
        idempotencyKey: 'order-{{ inputs.id }}',
      },
      { id: 'get', type: 'http.request', params: { method: 'GET', url: 'https://x.test' } },
    ],
    { inputs: { id: { type: 'string', default: '42' } } },
  );

  it('given an idempotent step started, then it is run again with previousAttempts counting the lost attempt', () => {
    given(started('read', 1))
      .when(plan(wf))
      .then((action) =>
        expect(runStep(action)).toMatchObject({ key: 'read', previousAttempts: 1, idempotent: true }),
      );
  });

  it('given a non-idempotent step started, then an operator must decide', () => {
    given(completed('read'), started('submit', 2))
      .when(plan(wf))
      .then((action) =>
        expect(action).toMatchObject({
          kind: 'ambiguous',
          stepKey: 'submit',
          nodeId: 'submit',
          reason: expect.stringContaining('not idempotent') as unknown,
        }),
      );
  });

  it('given autoRetryAmbiguous, then even a click is re-run', () => {
    given(completed('read'), started('submit'))
      .when(plan({ ...wf, autoRetryAmbiguous: true }))
      .then((action) =>
        expect(runStep(action)).toMatchObject({ key: 'submit', previousAttempts: 1, idempotent: false }),
      );
  });

  it('given an idempotencyKey, then a POST is re-run and carries the evaluated key', () => {
    given(completed('read'), completed('submit'), started('keyed'))
      .when(plan(wf))
      .then((action) =>
        expect(runStep(action)).toMatchObject({
          key: 'keyed',
          idempotent: true,
          idempotencyKey: 'order-42',
          previousAttempts: 1,
        }),
      );
  });

  it('an HTTP GET is idempotent, a POST is not', () => {
    const post = runStep(plan(wf)(new Map([completed('read'), completed('submit'), completed('keyed')])));
    expect(post).toMatchObject({ key: 'get', idempotent: true });
    const noKey = linear([
      { id: 'p', type: 'http.request', params: { method: 'POST', url: 'https://x.test' } },
    ]);
    given(started('p'))
      .when(plan(noKey))
      .then((action) => expect(action.kind).toBe('ambiguous'));
  });
});

describe('createPlanner: asked again after each step', () => {
  const wf = workflowOf([
    { id: 'a', type: 'browser.click', params: { selector: '#a' } },
    { id: 'b', type: 'browser.click', params: { selector: '#b' } },
    { id: 'c', type: 'browser.click', params: { selector: '#c' } },
  ]);
  const context = { variables: {}, secret: () => undefined };

  it('given the planned step completed, then it continues with the next one', () => {
    const planner = createPlanner(wf, context);
    const history = new Map<string, StepRecord>();
    expect(runStep(planner.next(history)).key).toBe('a');
    history.set('a', { status: 'completed', output: {} });
    expect(runStep(planner.next(history)).key).toBe('b');
    history.set('b', { status: 'failed', attempt: 1, error: { message: 'x', retryable: false } });
    expect(planner.next(history)).toMatchObject({ kind: 'fail', error: { message: 'x' } });
  });

  it('given a history that changed elsewhere than the planned step, then it walks again from the start', () => {
    const planner = createPlanner(wf, context);
    expect(runStep(planner.next(new Map([completed('a')]))).key).toBe('b');
    expect(runStep(planner.next(new Map())).key).toBe('a');
  });
});

describe('planNext: forEach', () => {
  const rows = Array.from({ length: 100 }, (_, i) => ({ name: `row-${i}` }));
  const wf = {
    id: 'loop',
    version: 1,
    inputs: { rows: { type: 'array', required: true } },
    outputs: { count: '{{ steps.each-row.output.count }}' },
    nodes: [
      {
        id: 'each-row',
        type: 'forEach',
        params: { items: 'inputs.rows', as: 'row' },
        body: 'enter-row',
        next: 'done',
      },
      {
        id: 'enter-row',
        type: 'browser.fill',
        params: { selector: '#name', value: '{{ row.name }} ({{ index + 1 }}/{{ length(inputs.rows) }})' },
        next: 'save-row',
      },
      { id: 'save-row', type: 'browser.click', params: { selector: '#save' } },
      { id: 'done', type: 'browser.screenshot' },
    ],
  };
  const decide = plan(wf, { variables: { rows } });

  it('given 37 rows done, when the job resumes, then it continues at item 37', () => {
    const history = Array.from({ length: 37 }, (_, i) => [
      completed(`enter-row[${i}]`),
      completed(`save-row[${i}]`),
    ]).flat();
    given(...history)
      .when(decide)
      .then((action) =>
        expect(runStep(action)).toMatchObject({
          key: 'enter-row[37]',
          nodeId: 'enter-row',
          params: { selector: '#name', value: 'row-37 (38/100)' },
        }),
      );
  });

  it('given item 37 half done, then it runs the rest of item 37', () => {
    const history = [
      ...Array.from({ length: 37 }, (_, i) => [
        completed(`enter-row[${i}]`),
        completed(`save-row[${i}]`),
      ]).flat(),
      completed('enter-row[37]'),
    ];
    given(...history)
      .when(decide)
      .then((action) => expect(runStep(action).key).toBe('save-row[37]'));
  });

  it('runs every item in order, then the next node, and exposes the count', () => {
    const { keys, action } = drive(decide);
    expect(keys).toHaveLength(201);
    expect(keys.slice(0, 4)).toEqual(['enter-row[0]', 'save-row[0]', 'enter-row[1]', 'save-row[1]']);
    expect(keys[200]).toBe('done');
    expect(action).toEqual({ kind: 'complete', outputs: { count: 100 } });
  });

  it('nested loops carry every iteration in the key: outer[3].inner[2]', () => {
    const nested = {
      id: 'nested',
      version: 1,
      nodes: [
        { id: 'outer', type: 'forEach', params: { items: 'range(0, 4)', as: 'i' }, body: 'inner' },
        { id: 'inner', type: 'forEach', params: { items: 'range(0, 3)', as: 'j' }, body: 'cell' },
        { id: 'cell', type: 'browser.fill', params: { selector: '#c', value: '{{ i }},{{ j }}' } },
      ],
    };
    const { keys } = drive(plan(nested));
    expect(keys).toHaveLength(12);
    expect(keys[0]).toBe('outer[0].cell[0]');
    expect(keys[11]).toBe('outer[3].cell[2]');
    const step = runStep(plan(nested)(new Map(keys.slice(0, 11).map((k) => completed(k)))));
    expect(step).toMatchObject({ key: 'outer[3].cell[2]', params: { value: '3,2' } });
  });

  it('iterates over a recorded step output (rows extracted from a table)', () => {
    const table = linear([
      { id: 'read', type: 'browser.extractTable', params: { selector: 'table' }, next: 'each' },
      { id: 'each', type: 'forEach', params: { items: '{{ steps.read.output.rows }}' }, body: 'open' },
      block({ id: 'open', type: 'browser.goto', params: { url: 'https://x.test/{{ item.id }}' } }),
    ]);
    const { keys, action } = drive(plan(table), (key) =>
      key === 'read' ? { rows: [{ id: 'a' }, { id: 'b' }] } : {},
    );
    expect(keys).toEqual(['read', 'open[0]', 'open[1]']);
    expect(action.kind).toBe('complete');
  });

  it('fails when items is not an array', () => {
    const bad = linear(
      [
        { id: 'each', type: 'forEach', params: { items: 'inputs.x' }, body: 'a' },
        block({ id: 'a', type: 'delay', params: { ms: 1 } }),
      ],
      { inputs: { x: { type: 'string', default: 'abc' } } },
    );
    given()
      .when(plan(bad))
      .then((action) =>
        expect(action).toMatchObject({ kind: 'fail', error: { code: 'EXPRESSION', nodeId: 'each' } }),
      );
  });
});

describe('planNext: branches decided from recorded outputs', () => {
  const wf = {
    id: 'branchy',
    version: 1,
    nodes: [
      { id: 'status', type: 'browser.extractText', params: { selector: '#status' }, next: 'decide' },
      {
        id: 'decide',
        type: 'if',
        params: { condition: "steps.status.output.text == 'open'" },
        branches: { then: 'close', else: 'log' },
        next: 'end',
      },
      { id: 'close', type: 'browser.click', params: { selector: '#close' } },
      { id: 'log', type: 'browser.screenshot' },
      { id: 'end', type: 'browser.goto', params: { url: 'https://x.test/next' } },
    ],
  };
  const decide = plan(wf);

  it('given the status was "open", then it takes the then branch, on every replay', () => {
    for (let replay = 0; replay < 3; replay++) {
      given(completed('status', { text: 'open' }))
        .when(decide)
        .then((action) => expect(runStep(action).key).toBe('close'));
    }
  });

  it('given the branch step done, then it continues after the if', () => {
    given(completed('status', { text: 'open' }), completed('close'))
      .when(decide)
      .then((action) => expect(runStep(action).key).toBe('end'));
  });

  it('given another status, then the else branch', () => {
    given(completed('status', { text: 'closed' }))
      .when(decide)
      .then((action) => expect(runStep(action).key).toBe('log'));
  });

  it('switch routes by value, with a default', () => {
    const sw = {
      id: 'sw',
      version: 1,
      inputs: { kind: { type: 'string', required: true } },
      nodes: [
        {
          id: 'route',
          type: 'switch',
          params: { value: 'inputs.kind' },
          branches: { a: 'go-a', b: 'go-b', default: 'go-other' },
        },
        { id: 'go-a', type: 'browser.goto', params: { url: 'https://a.test' } },
        { id: 'go-b', type: 'browser.goto', params: { url: 'https://b.test' } },
        { id: 'go-other', type: 'browser.goto', params: { url: 'https://other.test' } },
      ],
    };
    expect(runStep(plan(sw, { variables: { kind: 'b' } })(new Map())).key).toBe('go-b');
    expect(runStep(plan(sw, { variables: { kind: 'zzz' } })(new Map())).key).toBe('go-other');
  });
});

describe('planNext: try / catch / finally, onError, stopWithError', () => {
  const wf = {
    id: 'guarded',
    version: 1,
    nodes: [
      { id: 'guard', type: 'try', body: 'pay', catch: 'report', finally: 'logout', next: 'after' },
      { id: 'pay', type: 'browser.click', params: { selector: '#pay' } },
      {
        id: 'report',
        type: 'browser.fill',
        params: { selector: '#err', value: '{{ error.nodeId }}: {{ error.message }}' },
      },
      { id: 'logout', type: 'browser.click', params: { selector: '#logout' } },
      { id: 'after', type: 'browser.screenshot' },
    ],
  };
  const decide = plan(wf);

  it('given a step failed terminally in the body, then the catch block runs with the error in scope', () => {
    given(failed('pay', { message: 'card declined', code: 'DECLINED' }))
      .when(decide)
      .then((action) =>
        expect(runStep(action)).toMatchObject({ key: 'report', params: { value: 'pay: card declined' } }),
      );
  });

  it('given the catch done, then finally, then the node after the try', () => {
    given(failed('pay', { message: 'x' }), completed('report'))
      .when(decide)
      .then((action) => expect(runStep(action).key).toBe('logout'));
    given(failed('pay', { message: 'x' }), completed('report'), completed('logout'))
      .when(decide)
      .then((action) => expect(runStep(action).key).toBe('after'));
  });

  it('given no failure, then finally runs and catch does not', () => {
    expect(drive(decide).keys).toEqual(['pay', 'logout', 'after']);
  });

  it('given no catch, then finally runs and the failure then fails the job', () => {
    const noCatch = {
      ...wf,
      nodes: wf.nodes
        .map((n) =>
          n.id === 'guard' ? { id: 'guard', type: 'try', body: 'pay', finally: 'logout', next: 'after' } : n,
        )
        .filter((n) => n.id !== 'report'),
    };
    given(failed('pay', { message: 'boom', code: 'E1' }))
      .when(plan(noCatch))
      .then((action) => expect(runStep(action).key).toBe('logout'));
    given(failed('pay', { message: 'boom', code: 'E1' }), completed('logout'))
      .when(plan(noCatch))
      .then({ kind: 'fail', error: { message: 'boom', code: 'E1', retryable: false, nodeId: 'pay' } });
  });

  it('an onError edge routes a failed step, with error in scope', () => {
    const edge = linear([
      { id: 'save', type: 'browser.click', params: { selector: '#save' }, onError: 'shot', next: 'done' },
      { id: 'done', type: 'browser.goto', params: { url: 'https://x.test/ok' } },
      { id: 'shot', type: 'data.set', params: { values: { failedAt: '{{ error.stepKey }}' } } },
    ]);
    given(failed('save', { message: 'gone' }))
      .when(plan(edge))
      .then((action) =>
        expect(runStep(action)).toMatchObject({ key: 'shot', params: { values: { failedAt: 'save' } } }),
      );
  });

  it('stopWithError fails the job with its message, and a try catches it', () => {
    const stop = linear(
      [
        {
          id: 'stop',
          type: 'stopWithError',
          params: { message: 'no stock for {{ inputs.sku }}', code: 'NO_STOCK' },
        },
      ],
      { inputs: { sku: { type: 'string', default: 'A1' } } },
    );
    given()
      .when(plan(stop))
      .then({
        kind: 'fail',
        error: { message: 'no stock for A1', code: 'NO_STOCK', retryable: false, nodeId: 'stop' },
      });
    const caught = linear([
      { id: 't', type: 'try', body: 'stop', catch: 'c' },
      block({ id: 'stop', type: 'stopWithError', params: { message: 'halt' } }),
      block({ id: 'c', type: 'browser.fill', params: { selector: '#m', value: '{{ error.code }}' } }),
    ]);
    given()
      .when(plan(caught))
      .then((action) => expect(runStep(action)).toMatchObject({ key: 'c', params: { value: 'STOPPED' } }));
  });

  it('stopWithError raises a business exception (never retried) unless its kind is application', () => {
    const stop = (kind?: 'business' | 'application') =>
      linear([
        {
          id: 'stop',
          type: 'stopWithError',
          params: { message: 'portal down', code: 'PORTAL', ...(kind ? { kind } : {}) },
        },
      ]);
    const failure = (retryable: boolean) => ({
      kind: 'fail' as const,
      error: { message: 'portal down', code: 'PORTAL', retryable, nodeId: 'stop' },
    });
    given().when(plan(stop())).then(failure(false));
    given()
      .when(plan(stop('business')))
      .then(failure(false));
    given()
      .when(plan(stop('application')))
      .then(failure(true));
    const caught = linear([
      { id: 't', type: 'try', body: 'stop', catch: 'c' },
      block({ id: 'stop', type: 'stopWithError', params: { message: 'halt', kind: 'application' } }),
      block({ id: 'c', type: 'data.set', params: { values: { again: '{{ error.retryable }}' } } }),
    ]);
    given()
      .when(plan(caught))
      .then((action) => expect(runStep(action)).toMatchObject({ params: { values: { again: true } } }));
  });
});

describe('planNext: retry', () => {
  const wf = linear([
    { id: 'r', type: 'retry', params: { attempts: 3, backoffMs: 1000 }, body: 'call' },
    block({ id: 'call', type: 'http.request', params: { method: 'GET', url: 'https://api.test' } }),
  ]);
  const decide = plan(wf);
  const flaky = { message: '503', code: 'HTTP_503', retryable: true };

  it('given a retryable failure, then the step is re-planned with previousAttempts and a backoff', () => {
    given(failed('call', flaky, 1))
      .when(decide)
      .then((action) =>
        expect(runStep(action)).toMatchObject({ key: 'call', previousAttempts: 1, retryDelayMs: 1000 }),
      );
    given(failed('call', flaky, 2))
      .when(decide)
      .then((action) => expect(runStep(action)).toMatchObject({ previousAttempts: 2, retryDelayMs: 2000 }));
  });

  it('given the attempts used up, then the job fails, and may be retried as a job (an application exception)', () => {
    given(failed('call', flaky, 3))
      .when(decide)
      .then({ kind: 'fail', error: { message: '503', code: 'HTTP_503', retryable: true, nodeId: 'call' } });
  });

  it('given a non-retryable failure, then there is no retry, and the job failure is not retryable either', () => {
    given(failed('call', { ...flaky, retryable: false }, 1))
      .when(decide)
      .then({ kind: 'fail', error: { message: '503', code: 'HTTP_503', retryable: false, nodeId: 'call' } });
  });

  it('a node-level retry policy works without a block, and without one a failure is final', () => {
    const node = linear([
      {
        id: 'n',
        type: 'browser.click',
        params: { selector: '#x' },
        retry: { attempts: 2, backoffMs: 10, backoffFactor: 3 },
      },
    ]);
    given(failed('n', flaky, 1))
      .when(plan(node))
      .then((action) => expect(runStep(action)).toMatchObject({ previousAttempts: 1, retryDelayMs: 10 }));
    const none = linear([{ id: 'n', type: 'browser.click', params: { selector: '#x' } }]);
    given(failed('n', flaky, 1))
      .when(plan(none))
      .then((action) => expect(action.kind).toBe('fail'));
  });
});

describe('planNext: while', () => {
  it('enforces maxIterations', () => {
    const forever = linear([
      { id: 'poll', type: 'while', params: { condition: 'true', maxIterations: 3 }, body: 'wait' },
      block({ id: 'wait', type: 'delay', params: { ms: 500 } }),
    ]);
    const { keys, action } = drive(plan(forever));
    expect(keys).toEqual(['wait[0]', 'wait[1]', 'wait[2]']);
    expect(action).toMatchObject({ kind: 'fail', error: { code: 'MAX_ITERATIONS', nodeId: 'poll' } });
  });

  it('re-evaluates its condition from the last iteration outputs and data.set variables', () => {
    const paging = {
      id: 'paging',
      version: 1,
      variables: { page: 1 },
      nodes: [
        {
          id: 'pages',
          type: 'while',
          params: {
            condition: "vars.page <= 3 && steps.next-link.output.value != 'none'",
            maxIterations: 10,
          },
          body: 'open',
          next: 'end',
        },
        {
          id: 'open',
          type: 'browser.goto',
          params: { url: 'https://x.test/?page={{ vars.page }}' },
          next: 'next-link',
        },
        {
          id: 'next-link',
          type: 'browser.extractAttribute',
          params: { selector: 'a.next', attribute: 'href' },
          next: 'count',
        },
        { id: 'count', type: 'data.set', params: { values: { page: '{{ vars.page + 1 }}' } } },
        { id: 'end', type: 'browser.screenshot' },
      ],
    };
    const { keys, action } = drive(plan(paging), (key, type, params) =>
      type === 'data.set'
        ? { values: params['values'] }
        : key === 'next-link[1]'
          ? { value: 'none' }
          : { value: '/more' },
    );
    expect(keys).toEqual([
      'open[0]',
      'next-link[0]',
      'count[0]',
      'open[1]',
      'next-link[1]',
      'count[1]',
      'end',
    ]);
    expect(action.kind).toBe('complete');
    const urls = runStep(
      plan(paging)(
        new Map([
          completed('open[0]'),
          completed('next-link[0]', { value: '/2' }),
          completed('count[0]', { values: { page: 2 } }),
        ]),
      ),
    ).params;
    expect(urls).toEqual({ url: 'https://x.test/?page=2' });
  });
});

describe('planNext: subflows and delay', () => {
  const wf = {
    id: 'main',
    version: 1,
    outputs: { id: '{{ steps.create.output.customerId }}' },
    nodes: [
      {
        id: 'create',
        type: 'subflow',
        params: { workflowId: 'create-customer', inputs: { name: 'Ada' } },
        next: 'pause',
      },
      { id: 'pause', type: 'delay', params: { ms: 60_000 } },
    ],
    subflows: [
      {
        id: 'create-customer',
        inputs: { name: { type: 'string', required: true } },
        outputs: { customerId: '{{ steps.read-id.output.text }}' },
        nodes: [
          {
            id: 'type-name',
            type: 'browser.fill',
            params: { selector: '#name', value: '{{ inputs.name }}' },
            next: 'read-id',
          },
          { id: 'read-id', type: 'browser.extractText', params: { selector: '#id' } },
        ],
      },
    ],
  };

  it('runs the subflow steps under the caller key, then maps its outputs', () => {
    const { keys, action } = drive(plan(wf), (key) => (key === 'create/read-id' ? { text: 'C-9' } : {}));
    expect(keys).toEqual(['create/type-name', 'create/read-id', 'pause']);
    expect(action).toEqual({ kind: 'complete', outputs: { id: 'C-9' } });
  });

  it('plans a delay as a robot step whose timeout covers it', () => {
    given(completed('create/type-name'), completed('create/read-id', { text: 'x' }))
      .when(plan(wf))
      .then((action) =>
        expect(runStep(action)).toMatchObject({
          key: 'pause',
          type: 'delay',
          params: { ms: 60_000 },
          timeoutMs: 90_000,
        }),
      );
  });

  it('bounds recursion by maxDepth', () => {
    const recursive = {
      id: 'rec',
      version: 1,
      nodes: [{ id: 'go', type: 'subflow', params: { workflowId: 'walk', maxDepth: 5 } }],
      subflows: [
        {
          id: 'walk',
          nodes: [
            { id: 'step', type: 'browser.click', params: { selector: '#down' }, next: 'again' },
            { id: 'again', type: 'subflow', params: { workflowId: 'walk', maxDepth: 3 } },
          ],
        },
      ],
    };
    const { keys, action } = drive(plan(recursive));
    expect(keys).toEqual(['go/step', 'go/again/step', 'go/again/again/step']);
    expect(action).toMatchObject({ kind: 'fail', error: { code: 'MAX_DEPTH' } });
  });
});
