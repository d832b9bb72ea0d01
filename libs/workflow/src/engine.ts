import { catalogEntries, type CatalogEntry } from './catalog';
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
  /**
   * Whether another attempt of the job may help: a step's application exception (its own retries
   * used up) or `stopWithError` of kind `application`. Absent: deterministic, or a business exception.
   */
  readonly retryable?: boolean;
  /** A deterministic failure of a node whose policy is `onDeterministicFailure: 'park'`. */
  readonly park?: true;
}

/** How a block or node ended; a step to run is not an end but a `yield` of the walk. */
type Flow = { readonly t: 'done' } | { readonly t: 'error'; readonly error: Failure };
const DONE: Flow = { t: 'done' };

/** A walk of the workflow: yields each action the robot must take, returns how the block ended. */
type Walker = Generator<NextAction, Flow, void>;

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
  history: StepHistory;
  /** Nodes visited since the planner was last asked. */
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
  return createPlanner(workflow, context).next(history);
}

/** `planNext` for one job, asked again after each step. */
export interface Planner {
  next(history: StepHistory): NextAction;
}

/**
 * A planner keeps its walk between calls: asked again after the step it planned has a new
 * record, it continues from that step instead of walking the history again, so a job of n
 * steps costs O(n) planning instead of O(n²). The answers are those of `planNext`: a walk
 * only reads the records of steps it passed, and those are final. Any other change to the
 * history (a record other than the last planned step's) starts a fresh walk.
 */
export function createPlanner(workflow: Workflow, context: RunContext): Planner {
  const { compiled, problems } = compileWorkflow(workflow);
  if (!compiled) {
    const summary = problems
      .slice(0, 5)
      .map((p) => `${p.path}: ${p.message}`)
      .join('; ');
    return always(
      fail({
        message: `invalid workflow: ${summary}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
        code: engineErrorCodes.invalidWorkflow,
      }),
    );
  }
  const inputProblems = checkInputs(compiled.doc.inputs, context.variables);
  if (inputProblems.length > 0) {
    return always(
      fail({
        message: `invalid inputs: ${inputProblems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        code: engineErrorCodes.invalidInputs,
      }),
    );
  }
  return new IncrementalPlanner(compiled, context);
}

function always(action: NextAction): Planner {
  return { next: () => action };
}

class IncrementalPlanner implements Planner {
  private readonly walk: Walk;
  private walker?: Walker;
  private root?: Frame;
  /** The step the walker stopped at, and the history's size then. */
  private pausedAt?: { readonly key: string; readonly hadRecord: boolean; readonly size: number };
  private finished?: NextAction;

  constructor(compiled: CompiledWorkflow, context: RunContext) {
    this.walk = { compiled, context, history: new Map(), visited: 0 };
  }

  next(history: StepHistory): NextAction {
    if (this.finished) return this.finished;
    if (!this.continues(history)) this.walker = undefined;
    this.walk.history = history;
    this.walk.visited = 0;
    try {
      if (!this.walker) {
        const inv = invocation(
          this.walk.compiled.main,
          withInputDefaults(this.walk.compiled.doc.inputs, this.walk.context.variables),
          '',
          [],
        );
        this.root = { inv, steps: new Map(), locals: {}, loops: [] };
        this.walker = runBlock(this.walk, this.walk.compiled.main.start, this.root);
      }
      const step = this.walker.next();
      if (!step.done) {
        const key =
          step.value.kind === 'run'
            ? step.value.step.key
            : step.value.kind === 'ambiguous'
              ? step.value.stepKey
              : '';
        this.pausedAt = { key, hadRecord: history.has(key), size: history.size };
        return step.value;
      }
      const end = step.value;
      this.finished =
        end.t === 'error'
          ? fail(end.error)
          : { kind: 'complete', outputs: flowOutputs(this.walk, this.root as Frame) };
    } catch (error) {
      if (error instanceof StepFailure) this.finished = fail({ message: error.message, code: error.code });
      else if (error instanceof ExpressionError)
        this.finished = fail({ message: error.message, code: engineErrorCodes.expression });
      else throw error;
    }
    return this.finished;
  }

  /** Whether `history` differs from the one the walker paused on by the paused step's record only. */
  private continues(history: StepHistory): boolean {
    const paused = this.pausedAt;
    if (!this.walker || !paused) return false;
    const grew = paused.hadRecord ? 0 : history.has(paused.key) ? 1 : 0;
    return history.size === paused.size + grew;
  }
}

function fail(error: {
  message: string;
  code?: string;
  nodeId?: string;
  stepKey?: string;
  retryable?: boolean;
  park?: true;
}): NextAction {
  return {
    kind: 'fail',
    error: {
      message: error.message,
      retryable: error.retryable ?? false,
      ...(error.code ? { code: error.code } : {}),
      ...(error.nodeId ? { nodeId: error.nodeId } : {}),
    },
    ...(error.park && error.nodeId && error.stepKey
      ? { park: { stepKey: error.stepKey, nodeId: error.nodeId } }
      : {}),
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

function* runBlock(walk: Walk, entry: string | undefined, frame: Frame): Walker {
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
      result = yield* runNode(walk, node, frame);
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
  return {
    message: error.message,
    code: error.code ?? null,
    nodeId: error.nodeId,
    stepKey: error.stepKey,
    retryable: error.retryable ?? false,
  };
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

function* runNode(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Walker {
  switch (node.type) {
    case 'if': {
      const branch = truthy(evaluateParam(walk, frame, node, 'condition', true)) ? 'then' : 'else';
      frame.steps.set(node.id, { branch });
      const target = node.branches?.[branch];
      return target === undefined ? DONE : yield* runBlock(walk, target, child(frame, {}));
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
      return branch === null ? DONE : yield* runBlock(walk, branches[branch], child(frame, {}));
    }
    case 'forEach':
      return yield* runForEach(walk, node, frame);
    case 'while':
      return yield* runWhile(walk, node, frame);
    case 'try':
      return yield* runTry(walk, node, frame);
    case 'retry': {
      const p = node.params ?? {};
      const retry: RetryPolicy = {
        attempts: p['attempts'] as number,
        backoffMs: p['backoffMs'] as number,
        ...(typeof p['backoffFactor'] === 'number' ? { backoffFactor: p['backoffFactor'] } : {}),
        ...(typeof p['maxBackoffMs'] === 'number' ? { maxBackoffMs: p['maxBackoffMs'] } : {}),
      };
      return yield* runBlock(walk, node.body, child(frame, { retry }));
    }
    case 'subflow':
      return yield* runSubflow(walk, node, frame);
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
          ...(node.params?.['kind'] === 'application' ? { retryable: true } : {}),
        },
      };
    }
    default:
      return yield* runStep(walk, node, frame);
  }
}

function* runForEach(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Walker {
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
    const result = yield* runBlock(walk, node.body, iteration);
    if (result.t !== 'done') return result;
  }
  frame.steps.set(node.id, { count: items.length });
  return DONE;
}

function* runWhile(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Walker {
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
    const result = yield* runBlock(walk, node.body, last);
    if (result.t !== 'done') return result;
  }
}

function* runTry(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Walker {
  let outcome = yield* runBlock(walk, node.body, child(frame, {}));
  if (outcome.t === 'error' && node.catch !== undefined) {
    outcome = yield* runBlock(
      walk,
      node.catch,
      child(frame, { locals: { error: errorValue(outcome.error) } }),
    );
  }
  if (node.finally !== undefined) {
    const fin = yield* runBlock(walk, node.finally, child(frame, {}));
    if (fin.t !== 'done') return fin;
  }
  return outcome;
}

function* runSubflow(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Walker {
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
  const result = yield* runBlock(walk, flow.start, root);
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

/**
 * A step ends when its record is final: completed, or failed beyond its retry policy. Until
 * then it yields what the robot must do, and reads the step's record again when resumed.
 */
function* runStep(walk: Walk, node: WorkflowNodeDocument, frame: Frame): Walker {
  const spec = catalogEntries.get(node.type);
  if (!spec) throw new StepFailure(`unknown node type "${node.type}"`, engineErrorCodes.invalidWorkflow);
  const key = stepKey(frame, node.id);
  const policy: RetryPolicy = node.retry ??
    frame.retry ??
    walk.compiled.doc.defaults?.retry ?? { attempts: 1, backoffMs: 0 };
  let planned: Omit<PlannedStep, 'previousAttempts' | 'retryDelayMs'> | undefined;

  for (;;) {
    const record = walk.history.get(key);
    if (record?.status === 'completed') {
      frame.steps.set(node.id, record.output);
      if (
        node.type === 'data.set' &&
        isPlainRecord(record.output) &&
        isPlainRecord(record.output['values'])
      ) {
        Object.assign(frame.inv.vars, record.output['values']);
      }
      return DONE;
    }
    if (record?.status === 'failed' && !(record.error.retryable && record.attempt < policy.attempts)) {
      const park =
        !record.error.retryable &&
        (node.onDeterministicFailure ?? walk.compiled.doc.defaults?.onDeterministicFailure) === 'park';
      return {
        t: 'error',
        error: {
          ...(park ? { park } : {}),
          message: record.error.message,
          code: record.error.code,
          nodeId: node.id,
          stepKey: key,
          ...(record.error.retryable ? { retryable: true } : {}),
        },
      };
    }

    planned ??= planStep(walk, node, frame, spec, key);
    if (record === undefined) {
      yield { kind: 'run', step: { ...planned, previousAttempts: 0 } };
    } else if (record.status === 'started') {
      yield planned.idempotent || walk.compiled.doc.autoRetryAmbiguous === true
        ? { kind: 'run', step: { ...planned, previousAttempts: record.attempt } }
        : {
            kind: 'ambiguous',
            stepKey: key,
            nodeId: node.id,
            reason: `${node.type} "${node.id}" started (attempt ${record.attempt}) without a recorded outcome and is not idempotent; an operator must decide whether it took effect`,
          };
    } else {
      const retryDelayMs = backoff(policy, record.attempt);
      yield {
        kind: 'run',
        step: { ...planned, previousAttempts: record.attempt, ...(retryDelayMs ? { retryDelayMs } : {}) },
      };
    }
  }
}

/** The step as the robot runs it: parameters evaluated, idempotency and timeout decided. */
function planStep(
  walk: Walk,
  node: WorkflowNodeDocument,
  frame: Frame,
  spec: CatalogEntry,
  key: string,
): Omit<PlannedStep, 'previousAttempts' | 'retryDelayMs'> {
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
  return {
    key,
    nodeId: node.id,
    type: node.type,
    params,
    timeoutMs,
    idempotent,
    ...(idempotencyKey !== undefined ? { idempotencyKey: String(idempotencyKey) } : {}),
  };
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
