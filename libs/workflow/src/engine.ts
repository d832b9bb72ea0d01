import { catalogEntries } from './catalog';
import type { NextAction, PlannedStep, RunContext, StepHistory, Workflow } from './contract';
import {
  evaluateAst,
  evaluateValue,
  ExpressionError,
  LazyRoot,
  parseExpression,
  isTemplate,
  type Scope,
} from './expressions';
import type { RetryPolicy, WorkflowNodeDocument } from './format';
import { checkInputs, checkInputValue, withInputDefaults } from './inputs';
import { pathOf } from './paths';
import { compileWorkflow, unwrap, type CompiledFlow, type CompiledWorkflow } from './validate';

/**
 * The decider. `planNext` replays the workflow from its start against the recorded
 * history: completed steps yield their recorded outputs, and every branch, loop counter
 * and variable is recomputed from inputs and those outputs, so the same history always
 * gives the same answer. It stops at the first step that has not completed.
 */

/** Error codes of failures the engine itself decides (a step's own codes pass through). */
export const engineErrorCodes = {
  invalidWorkflow: 'INVALID_WORKFLOW',
  invalidInputs: 'INVALID_INPUTS',
  invalidParams: 'INVALID_PARAMS',
  expression: 'EXPRESSION',
  maxIterations: 'MAX_ITERATIONS',
  maxDepth: 'MAX_DEPTH',
  walkLimit: 'WALK_LIMIT',
  stopped: 'STOPPED',
  outputType: 'OUTPUT_TYPE',
} as const;

/** Items a `forEach` may iterate over. */
export const MAX_FOREACH_ITEMS = 100_000;
/** Nodes one `planNext` call may visit (a bound on nested loops over big histories). */
export const MAX_WALK = 2_000_000;
const MAX_SUBFLOW_DEPTH = 50;

interface Failure {
  readonly message: string;
  readonly code?: string;
  readonly nodeId: string;
  readonly stepKey: string;
}

type Flow =
  | { readonly t: 'done' }
  | { readonly t: 'action'; readonly action: NextAction }
  | { readonly t: 'error'; readonly error: Failure };
const DONE: Flow = { t: 'done' };

interface Invocation {
  readonly flow: CompiledFlow;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** `vars.*`: shared by every frame of one flow invocation, changed by completed `data.set` steps in walk order. */
  readonly vars: Record<string, unknown>;
  /** Prefix of step keys inside a subflow: `<callKey>/`. */
  readonly keyPrefix: string;
  /** Subflow ids on the call stack, for maxDepth. */
  readonly callStack: readonly string[];
}

interface Frame {
  readonly inv: Invocation;
  readonly parent?: Frame;
  readonly steps: Map<string, unknown>;
  readonly locals: Record<string, unknown>;
  readonly loops: readonly { readonly id: string; readonly index: number }[];
  readonly retry?: RetryPolicy;
}

interface Walk {
  readonly compiled: CompiledWorkflow;
  readonly context: RunContext;
  readonly history: StepHistory;
  visited: number;
}

class StepFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * Decides what the robot does next for a job: run a step, wait for an operator
 * (ambiguous step), complete with outputs, or fail. Pure and synchronous.
 */
export function planNext(workflow: Workflow, context: RunContext, history: StepHistory): NextAction {
  const { compiled, problems } = compileWorkflow(workflow);
  if (!compiled) {
    const summary = problems
      .slice(0, 5)
      .map((p) => `${p.path}: ${p.message}`)
      .join('; ');
    return fail({
      message: `invalid workflow: ${summary}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
      code: engineErrorCodes.invalidWorkflow,
    });
  }
  const inputProblems = checkInputs(compiled.doc.inputs, context.variables);
  if (inputProblems.length > 0) {
    return fail({
      message: `invalid inputs: ${inputProblems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      code: engineErrorCodes.invalidInputs,
    });
  }
  const walk: Walk = { compiled, context, history, visited: 0 };
  try {
    const inv = invocation(compiled.main, withInputDefaults(compiled.doc.inputs, context.variables), '', []);
    const root: Frame = { inv, steps: new Map(), locals: {}, loops: [] };
    const result = runBlock(walk, compiled.main.start, root);
    switch (result.t) {
      case 'action':
        return result.action;
      case 'error':
        return fail(result.error);
      case 'done':
        return { kind: 'complete', outputs: flowOutputs(walk, root) };
      default: {
        const _exhaustive: never = result;
        return _exhaustive;
      }
    }
  } catch (error) {
    if (error instanceof StepFailure) return fail({ message: error.message, code: error.code });
    if (error instanceof ExpressionError)
      return fail({ message: error.message, code: engineErrorCodes.expression });
    throw error;
  }
}

function fail(error: { message: string; code?: string; nodeId?: string }): NextAction {
  return {
    kind: 'fail',
    error: {
      message: error.message,
      retryable: false,
      ...(error.code ? { code: error.code } : {}),
      ...(error.nodeId ? { nodeId: error.nodeId } : {}),
    },
  };
}

function invocation(
  flow: CompiledFlow,
  inputs: Record<string, unknown>,
  keyPrefix: string,
  callStack: readonly string[],
): Invocation {
  const vars: Record<string, unknown> = {};
  const inv: Invocation = { flow, inputs: Object.freeze({ ...inputs }), vars, keyPrefix, callStack };
  for (const [name, value] of Object.entries(flow.doc.variables ?? {})) {
    try {
      vars[name] = evaluateValue(value, { inputs: inv.inputs, vars: { ...vars } });
    } catch (error) {
      if (error instanceof ExpressionError)
        throw new StepFailure(
          `${pathOf(flow.path, 'variables', name)}: ${error.message}`,
          engineErrorCodes.expression,
        );
      throw error;
    }
  }
  return inv;
}

function flowOutputs(walk: Walk, frame: Frame): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  const flow = frame.inv.flow;
  for (const [name, def] of Object.entries(flow.doc.outputs ?? {})) {
    const value = typeof def === 'string' ? def : def.value;
    try {
      outputs[name] = evaluateValue(value, scopeOf(walk, frame));
    } catch (error) {
      if (error instanceof ExpressionError)
        throw new StepFailure(
          `${pathOf(flow.path, 'outputs', name)}: ${error.message}`,
          engineErrorCodes.expression,
        );
      throw error;
    }
    if (typeof def !== 'string' && def.type !== undefined && outputs[name] !== undefined) {
      const message = checkInputValue({ type: def.type }, outputs[name]);
      if (message)
        throw new StepFailure(
          `${pathOf(flow.path, 'outputs', name)}: ${message}`,
          engineErrorCodes.outputType,
        );
    }
  }
  return outputs;
}

// ---------------------------------------------------------------- scope

function scopeOf(walk: Walk, frame: Frame): Scope {
  const chain: Frame[] = [];
  for (let f: Frame | undefined = frame; f; f = f.parent) chain.unshift(f);
  const steps: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const locals: Record<string, unknown> = {};
  for (const f of chain) {
    for (const [id, output] of f.steps) steps[id] = { output };
    Object.assign(locals, f.locals);
  }
  return {
    error: null,
    ...locals,
    inputs: frame.inv.inputs,
    vars: { ...frame.inv.vars },
    steps,
    secrets: new LazyRoot('secrets', (name) => {
      const value = walk.context.secret(name);
      if (value === undefined) throw new ExpressionError('secret', `secret "${name}" is not available`);
      return value;
    }),
  };
}

function stepKey(frame: Frame, nodeId: string): string {
  const { loops } = frame;
  if (loops.length === 0) return frame.inv.keyPrefix + nodeId;
  const outer = loops
    .slice(0, -1)
    .map((l) => `${l.id}[${l.index}].`)
    .join('');
  return `${frame.inv.keyPrefix}${outer}${nodeId}[${loops[loops.length - 1].index}]`;
}

function nodePath(frame: Frame, nodeId: string): string {
  return pathOf(frame.inv.flow.path, 'nodes', frame.inv.flow.indexOf.get(nodeId) ?? -1);
}

function evaluateParam(
  walk: Walk,
  frame: Frame,
  node: WorkflowNodeDocument,
  name: string,
  asExpression: boolean,
): unknown {
  const value = node.params?.[name];
  try {
    if (asExpression && typeof value === 'string')
      return evaluateAst(parseExpression(unwrap(value)), scopeOf(walk, frame));
    return evaluateValue(value, scopeOf(walk, frame));
  } catch (error) {
    if (error instanceof ExpressionError)
      throw new StepFailure(
        `${pathOf(nodePath(frame, node.id), 'params', name)}: ${error.message}`,
        engineErrorCodes.expression,
      );
    throw error;
  }
}

// ---------------------------------------------------------------- walking

function runBlock(walk: Walk, entry: string | undefined, frame: Frame): Flow {
  let id = entry;
  while (id !== undefined) {
    const node = frame.inv.flow.nodes.get(id) as WorkflowNodeDocument;
    if (++walk.visited > MAX_WALK) {
      return {
        t: 'error',
        error: {
          message: `workflow walk exceeded ${MAX_WALK} nodes`,
          code: engineErrorCodes.walkLimit,
          nodeId: id,
          stepKey: stepKey(frame, id),
        },
      };
    }
    let result: Flow;
    try {
      result = runNode(walk, node, frame);
    } catch (error) {
      if (!(error instanceof StepFailure)) throw error;
      result = {
        t: 'error',
        error: {
          message: error.message,
          code: error.code,
          nodeId: node.id,
          stepKey: stepKey(frame, node.id),
        },
      };
    }
    if (result.t === 'action') return result;
    if (result.t === 'error') {
      if (node.onError === undefined) return result;
      frame.locals['error'] = errorValue(result.error);
      id = node.onError;
      continue;
    }
    id = node.next;
  }
  return DONE;
}

function errorValue(error: Failure): Record<string, unknown> {
  return { message: error.message, code: error.code ?? null, nodeId: error.nodeId, stepKey: error.stepKey };
}

function child(frame: Frame, extra: Partial<Pick<Frame, 'locals' | 'loops' | 'retry'>>): Frame {
  return {
    inv: frame.inv,
    parent: frame,
    steps: new Map(),
    locals: extra.locals ?? {},
    loops: extra.loops ?? frame.loops,
    retry: extra.retry ?? frame.retry,
  };
}

function truthy(v: unknown): boolean {
  return Array.isArray(v) ? v.length > 0 : Boolean(v);
}

function runNode(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Flow {
  switch (node.type) {
    case 'if': {
      const branch = truthy(evaluateParam(walk, frame, node, 'condition', true)) ? 'then' : 'else';
      frame.steps.set(node.id, { branch });
      const target = node.branches?.[branch];
      return target === undefined ? DONE : runBlock(walk, target, child(frame, {}));
    }
    case 'switch': {
      const value = evaluateParam(walk, frame, node, 'value', true);
      const name =
        value === null || value === undefined
          ? ''
          : typeof value === 'object'
            ? JSON.stringify(value)
            : String(value);
      const branches = node.branches ?? {};
      const branch = Object.prototype.hasOwnProperty.call(branches, name)
        ? name
        : Object.prototype.hasOwnProperty.call(branches, 'default')
          ? 'default'
          : null;
      frame.steps.set(node.id, { branch });
      return branch === null ? DONE : runBlock(walk, branches[branch], child(frame, {}));
    }
    case 'forEach':
      return runForEach(walk, node, frame);
    case 'while':
      return runWhile(walk, node, frame);
    case 'try':
      return runTry(walk, node, frame);
    case 'retry': {
      const p = node.params ?? {};
      const retry: RetryPolicy = {
        attempts: p['attempts'] as number,
        backoffMs: p['backoffMs'] as number,
        ...(typeof p['backoffFactor'] === 'number' ? { backoffFactor: p['backoffFactor'] } : {}),
        ...(typeof p['maxBackoffMs'] === 'number' ? { maxBackoffMs: p['maxBackoffMs'] } : {}),
      };
      return runBlock(walk, node.body, child(frame, { retry }));
    }
    case 'subflow':
      return runSubflow(walk, node, frame);
    case 'stopWithError': {
      const message = evaluateParam(walk, frame, node, 'message', false);
      const code =
        node.params?.['code'] === undefined
          ? engineErrorCodes.stopped
          : evaluateParam(walk, frame, node, 'code', false);
      return {
        t: 'error',
        error: {
          message: String(message),
          code: String(code),
          nodeId: node.id,
          stepKey: stepKey(frame, node.id),
        },
      };
    }
    default:
      return runStep(walk, node, frame);
  }
}

function runForEach(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Flow {
  const items = evaluateParam(walk, frame, node, 'items', true);
  if (!Array.isArray(items))
    throw new StepFailure(
      `${pathOf(nodePath(frame, node.id), 'params', 'items')}: expected an array, got ${items === null ? 'null' : typeof items}`,
      engineErrorCodes.expression,
    );
  if (items.length > MAX_FOREACH_ITEMS)
    throw new StepFailure(
      `forEach over ${items.length} items exceeds ${MAX_FOREACH_ITEMS}`,
      engineErrorCodes.maxIterations,
    );
  const as = typeof node.params?.['as'] === 'string' ? node.params['as'] : 'item';
  const indexAs = typeof node.params?.['indexAs'] === 'string' ? node.params['indexAs'] : 'index';
  for (let i = 0; i < items.length; i++) {
    const iteration = child(frame, {
      locals: { [as]: items[i] as unknown, [indexAs]: i },
      loops: [...frame.loops, { id: node.id, index: i }],
    });
    const result = runBlock(walk, node.body, iteration);
    if (result.t !== 'done') return result;
  }
  frame.steps.set(node.id, { count: items.length });
  return DONE;
}

function runWhile(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Flow {
  const max = node.params?.['maxIterations'] as number;
  let last: Frame = frame;
  for (let i = 0; ; i++) {
    // The condition sees the previous iteration's step outputs, and `index`: iterations done so far.
    if (!truthy(evaluateParam(walk, child(last, { locals: { index: i } }), node, 'condition', true))) {
      frame.steps.set(node.id, { iterations: i });
      return DONE;
    }
    if (i >= max) {
      throw new StepFailure(
        `while "${node.id}" still true after maxIterations (${max})`,
        engineErrorCodes.maxIterations,
      );
    }
    last = child(frame, { locals: { index: i }, loops: [...frame.loops, { id: node.id, index: i }] });
    const result = runBlock(walk, node.body, last);
    if (result.t !== 'done') return result;
  }
}

function runTry(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Flow {
  let outcome = runBlock(walk, node.body, child(frame, {}));
  if (outcome.t === 'action') return outcome;
  if (outcome.t === 'error' && node.catch !== undefined) {
    outcome = runBlock(walk, node.catch, child(frame, { locals: { error: errorValue(outcome.error) } }));
    if (outcome.t === 'action') return outcome;
  }
  if (node.finally !== undefined) {
    const fin = runBlock(walk, node.finally, child(frame, {}));
    if (fin.t !== 'done') return fin;
  }
  return outcome;
}

function runSubflow(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Flow {
  const key = stepKey(frame, node.id);
  const id = String(node.params?.['workflowId']);
  const flow = walk.compiled.subflows.get(id) as CompiledFlow;
  const depth = frame.inv.callStack.filter((c) => c === id).length + 1;
  const maxDepth =
    typeof node.params?.['maxDepth'] === 'number' ? node.params['maxDepth'] : MAX_SUBFLOW_DEPTH;
  if (depth > maxDepth || frame.inv.callStack.length >= MAX_SUBFLOW_DEPTH) {
    throw new StepFailure(
      `subflow "${id}" nested deeper than maxDepth (${Math.min(maxDepth, MAX_SUBFLOW_DEPTH)})`,
      engineErrorCodes.maxDepth,
    );
  }
  const given = (evaluateParam(walk, frame, node, 'inputs', false) ?? {}) as Record<string, unknown>;
  const problems = checkInputs(flow.doc.inputs, given, pathOf(nodePath(frame, node.id), 'params', 'inputs'));
  if (problems.length > 0)
    throw new StepFailure(
      problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      engineErrorCodes.invalidInputs,
    );
  const inv = invocation(flow, withInputDefaults(flow.doc.inputs, given), `${key}/`, [
    ...frame.inv.callStack,
    id,
  ]);
  const root: Frame = { inv, steps: new Map(), locals: {}, loops: [], retry: frame.retry };
  const result = runBlock(walk, flow.start, root);
  if (result.t !== 'done') return result;
  frame.steps.set(node.id, flowOutputs(walk, root));
  return DONE;
}

function backoff(policy: RetryPolicy, failedAttempts: number): number {
  const delay = policy.backoffMs * (policy.backoffFactor ?? 2) ** Math.max(0, failedAttempts - 1);
  return Math.round(policy.maxBackoffMs !== undefined ? Math.min(policy.maxBackoffMs, delay) : delay);
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function runStep(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Flow {
  const spec = catalogEntries.get(node.type);
  if (!spec) throw new StepFailure(`unknown node type "${node.type}"`, engineErrorCodes.invalidWorkflow);
  const key = stepKey(frame, node.id);
  const record = walk.history.get(key);

  if (record?.status === 'completed') {
    frame.steps.set(node.id, record.output);
    if (node.type === 'data.set' && isPlainRecord(record.output) && isPlainRecord(record.output['values'])) {
      Object.assign(frame.inv.vars, record.output['values']);
    }
    return DONE;
  }

  const policy: RetryPolicy = node.retry ??
    frame.retry ??
    walk.compiled.doc.defaults?.retry ?? { attempts: 1, backoffMs: 0 };
  if (record?.status === 'failed' && !(record.error.retryable && record.attempt < policy.attempts)) {
    return {
      t: 'error',
      error: { message: record.error.message, code: record.error.code, nodeId: node.id, stepKey: key },
    };
  }

  const params = resolveParams(walk, node, frame);
  const idempotent =
    node.idempotent ??
    (node.idempotencyKey !== undefined ? true : (spec.idempotentFor?.(params) ?? spec.idempotent));
  const timeoutMs =
    node.timeoutMs ??
    spec.timeoutFor?.(params) ??
    walk.compiled.doc.defaults?.timeoutMs ??
    spec.defaultTimeoutMs;
  const idempotencyKey =
    node.idempotencyKey === undefined ? undefined : evaluateValue(node.idempotencyKey, scopeOf(walk, frame));
  const step = (previousAttempts: number, retryDelayMs?: number): Flow => {
    const planned: PlannedStep = {
      key,
      nodeId: node.id,
      type: node.type,
      params,
      timeoutMs,
      idempotent,
      previousAttempts,
      ...(retryDelayMs ? { retryDelayMs } : {}),
      ...(idempotencyKey !== undefined ? { idempotencyKey: String(idempotencyKey) } : {}),
    };
    return { t: 'action', action: { kind: 'run', step: planned } };
  };

  if (record === undefined) return step(0);
  if (record.status === 'started') {
    if (idempotent || walk.compiled.doc.autoRetryAmbiguous === true) return step(record.attempt);
    return {
      t: 'action',
      action: {
        kind: 'ambiguous',
        stepKey: key,
        nodeId: node.id,
        reason: `${node.type} "${node.id}" started (attempt ${record.attempt}) without a recorded outcome and is not idempotent; an operator must decide whether it took effect`,
      },
    };
  }
  return step(record.attempt, backoff(policy, record.attempt));
}

function resolveParams(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Record<string, unknown> {
  const spec = catalogEntries.get(node.type);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(node.params ?? {})) {
    if (spec?.deferredParams?.includes(name)) out[name] = value;
    else
      out[name] =
        isTemplate(value) || typeof value === 'object'
          ? evaluateParam(walk, frame, node, name, false)
          : value;
    if (out[name] === undefined) delete out[name];
  }
  const parsed = spec?.params.safeParse(out);
  if (parsed && !parsed.success) {
    const issue = parsed.error.issues[0];
    const where = pathOf(
      nodePath(frame, node.id),
      'params',
      ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    );
    throw new StepFailure(
      `${where}: ${issue.message.replace(/^Invalid input: /, '')} (after evaluating expressions)`,
      engineErrorCodes.invalidParams,
    );
  }
  return out;
}
