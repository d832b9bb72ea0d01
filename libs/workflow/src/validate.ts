import type { z } from 'zod';
import { catalogEntries, isSafeRelativePath, RELATIVE_PATH_MESSAGE, type CatalogEntry } from './catalog';
import type { ParseWorkflowResult, Problem, Workflow } from './contract';
import {
  ExpressionError,
  isTemplate,
  parseExpression,
  parseTemplate,
  references,
  type Ast,
  type Reference,
} from './expressions';
import {
  nodeSchema,
  workflowSchema,
  inputDefinitionSchema,
  outputDefinitionSchema,
  subflowSchema,
  type FlowDocument,
  type InputDefinition,
  type WorkflowDocument,
  type WorkflowNodeDocument,
} from './format';
import { checkInputValue } from './inputs';
import { didYouMean, pathOf } from './paths';

// ---------------------------------------------------------------- compiled form (used by the engine)

export interface CompiledFlow {
  readonly doc: FlowDocument;
  /** `''` for the workflow, `subflows[2]` for a subflow: the prefix of problem paths. */
  readonly path: string;
  readonly nodes: ReadonlyMap<string, WorkflowNodeDocument>;
  readonly indexOf: ReadonlyMap<string, number>;
  readonly start: string;
}

export interface CompiledWorkflow {
  readonly doc: WorkflowDocument;
  readonly main: CompiledFlow;
  readonly subflows: ReadonlyMap<string, CompiledFlow>;
}

// Memo by object identity: validation is pure, so a cache keyed by the document is safe.
const compiledCache = new WeakMap<object, { compiled?: CompiledWorkflow; problems: readonly Problem[] }>();

/** The validated, indexed form of a workflow, or its problems. The engine refuses anything else. */
export function compileWorkflow(workflow: Workflow | unknown): {
  compiled?: CompiledWorkflow;
  problems: readonly Problem[];
} {
  if (workflow !== null && typeof workflow === 'object') {
    const cached = compiledCache.get(workflow);
    if (cached) return cached;
  }
  const result = parseWorkflow(workflow);
  const entry = result.ok
    ? { compiled: compiledCache.get(result.workflow)?.compiled, problems: [] }
    : { problems: result.problems };
  if (workflow !== null && typeof workflow === 'object') compiledCache.set(workflow, entry);
  return entry;
}

// ---------------------------------------------------------------- parseWorkflow

const LIMIT_DEPTH = 64;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const EXPRESSION_ROOTS = ['inputs', 'vars', 'steps', 'secrets', 'error'];
/** A param holding only `{{ secrets.<name> }}`. */
const SECRET_REFERENCE = /^\s*\{\{\s*secrets\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}\s*$/;

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Validates an already-parsed workflow document and returns every problem found, each
 * with its path (`nodes[4].params.selector: required`). Never throws.
 */
export function parseWorkflow(doc: unknown): ParseWorkflowResult {
  try {
    return parseWorkflowUnsafe(doc);
  } catch (error) {
    // A validator bug must surface as a problem, never as a crash of the caller.
    return {
      ok: false,
      problems: [
        {
          path: '',
          message: `internal validation error: ${error instanceof Error ? error.message : String(error)}`,
        },
      ],
    };
  }
}

function parseWorkflowUnsafe(doc: unknown): ParseWorkflowResult {
  const problems = new Problems();
  if (!isObject(doc))
    return { ok: false, problems: [{ path: '', message: 'a workflow must be a JSON object' }] };
  checkShape(doc, '', 0, problems);
  if (problems.list.length > 0) return { ok: false, problems: problems.list };

  // Structure, field by field so that one bad node does not hide the others.
  const top = workflowSchema
    .omit({ nodes: true, subflows: true, inputs: true, outputs: true })
    .safeParse(stripKeys(doc, ['nodes', 'subflows', 'inputs', 'outputs']));
  if (!top.success) problems.addZod(top.error, '');

  const ctx: ValidationContext = {
    problems,
    trusted: doc['trusted'] === true,
    subflows: new Map(),
    calls: [],
  };
  const rawSubflows = doc['subflows'];
  if (rawSubflows !== undefined && !Array.isArray(rawSubflows)) problems.add('subflows', 'expected an array');
  const subflowList = Array.isArray(rawSubflows) ? rawSubflows : [];
  if (subflowList.length > 100) problems.add('subflows', 'at most 100 subflows');
  subflowList.slice(0, 100).forEach((sf, i) => {
    const path = pathOf('subflows', i);
    if (!isObject(sf)) {
      problems.add(path, 'expected an object');
      return;
    }
    const id = sf['id'];
    if (typeof id === 'string') {
      if (ctx.subflows.has(id))
        problems.add(pathOf(path, 'id'), `duplicate subflow id "${id}" (also ${ctx.subflows.get(id)?.path})`);
      else ctx.subflows.set(id, { path, raw: sf });
    }
    const head = subflowSchema
      .omit({ nodes: true, inputs: true, outputs: true })
      .safeParse(stripKeys(sf, ['nodes', 'inputs', 'outputs']));
    if (!head.success) problems.addZod(head.error, path);
  });

  checkFlow(doc, '', ctx);
  for (const { path, raw } of ctx.subflows.values()) checkFlow(raw, path, ctx);
  checkRecursion(ctx);

  if (problems.list.length > 0) return { ok: false, problems: problems.list };
  const parsed = workflowSchema.safeParse(doc);
  if (!parsed.success) {
    problems.addZod(parsed.error, '');
    return {
      ok: false,
      problems: problems.list.length ? problems.list : [{ path: '', message: 'invalid workflow' }],
    };
  }
  const workflow = parsed.data;
  const compiled: CompiledWorkflow = {
    doc: workflow,
    main: compileFlow(workflow, ''),
    subflows: new Map(
      (workflow.subflows ?? []).map((sf, i) => [sf.id, compileFlow(sf, pathOf('subflows', i))]),
    ),
  };
  compiledCache.set(workflow, { compiled, problems: [] });
  return { ok: true, workflow: workflow as Workflow };
}

function compileFlow(doc: FlowDocument, path: string): CompiledFlow {
  return {
    doc,
    path,
    nodes: new Map(doc.nodes.map((n) => [n.id, n])),
    indexOf: new Map(doc.nodes.map((n, i) => [n.id, i])),
    start: doc.start ?? doc.nodes[0].id,
  };
}

function stripKeys(raw: Raw, keys: readonly string[]): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(raw)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** Rejects what no schema should ever see: prototype keys, absurd nesting, non-JSON values. */
function checkShape(value: unknown, path: string, depth: number, problems: Problems): void {
  if (depth > LIMIT_DEPTH) {
    problems.add(path, `nested deeper than ${LIMIT_DEPTH} levels`);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length > 100_000) problems.add(path, 'array too long');
    else value.forEach((v, i) => checkShape(v, pathOf(path, i), depth + 1, problems));
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) problems.add(pathOf(path, key), `the key "${key}" is not allowed`);
      else checkShape((value as Raw)[key], pathOf(path, key), depth + 1, problems);
    }
    return;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) problems.add(path, 'not a finite number');
  else if (typeof value === 'string' && value.length > 1_000_000)
    problems.add(path, 'string longer than 1,000,000 characters');
  else if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint')
    problems.add(path, `a ${typeof value} is not JSON`);
}

// ---------------------------------------------------------------- problems

class Problems {
  readonly list: Problem[] = [];
  private readonly seen = new Set<string>();

  add(path: string, message: string): void {
    const key = `${path}\u0000${message}`;
    if (this.seen.has(key) || this.list.length >= 1000) return;
    this.seen.add(key);
    this.list.push({ path, message });
  }

  addZod(error: z.ZodError, base: string, label = 'field'): void {
    for (const issue of error.issues) this.addIssue(issue, base, label);
  }

  private addIssue(issue: z.core.$ZodIssue, base: string, label: string): void {
    const path = pathOf(base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) this.add(pathOf(path, key), `unknown ${label}`);
    } else if (issue.code === 'invalid_union') {
      // Template-accepting params are `union([schema, template])`: report the first branch.
      const first = issue.errors[0];
      if (first && first.length > 0) for (const inner of first) this.addIssue(inner, path, label);
      else this.add(path, issue.message);
    } else if (/expected [^,]+, received undefined$/.test(issue.message)) {
      this.add(path, 'required');
    } else {
      this.add(path, issue.message.replace(/^(Invalid (input|option|string)|Too (small|big)): /, ''));
    }
  }
}

// ---------------------------------------------------------------- flows

interface ValidationContext {
  readonly problems: Problems;
  readonly trusted: boolean;
  readonly subflows: Map<string, { path: string; raw: Raw }>;
  /** Subflow calls: caller flow (`''` = main) → callee id, with the calling node's path. */
  readonly calls: { from: string; to: string; path: string; bounded: boolean }[];
}

interface NodeView {
  readonly index: number;
  readonly path: string;
  readonly raw: Raw;
  readonly id?: string;
  readonly type?: string;
  readonly spec?: CatalogEntry;
}

interface Region {
  readonly id: string;
  /** The container node (`forEach`, `if`, ...) whose block this is; undefined for the top level. */
  readonly container?: string;
  readonly entry: string;
  readonly members: Set<string>;
  readonly label: string;
}

function checkFlow(flow: Raw, base: string, ctx: ValidationContext): void {
  const { problems } = ctx;
  const at = (...segments: (string | number)[]) => pathOf(base, ...segments);
  const flowId = base === '' ? '' : String(flow['id'] ?? base);

  // inputs / outputs / variables
  const inputs = new Map<string, InputDefinition>();
  const rawInputs = flow['inputs'];
  if (rawInputs !== undefined) {
    if (!isObject(rawInputs)) problems.add(at('inputs'), 'expected an object of input definitions');
    else
      for (const [name, def] of Object.entries(rawInputs)) {
        const parsed = inputDefinitionSchema.safeParse(def);
        if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name))
          problems.add(
            at('inputs', name),
            'an input name must start with a letter or "_" and hold only letters, digits, "_" and "-"',
          );
        if (!parsed.success) {
          problems.addZod(parsed.error, at('inputs', name));
          continue;
        }
        inputs.set(name, parsed.data);
        if (parsed.data.default !== undefined) {
          const message = checkInputValue(parsed.data, parsed.data.default);
          if (message) problems.add(at('inputs', name, 'default'), message);
        }
        if (parsed.data.pattern !== undefined) {
          try {
            new RegExp(parsed.data.pattern, 'u');
          } catch {
            problems.add(at('inputs', name, 'pattern'), 'not a valid regular expression');
          }
        }
        parsed.data.enum?.forEach((e, i) => {
          const message = checkInputValue({ type: parsed.data.type }, e);
          if (message) problems.add(at('inputs', name, 'enum', i), message);
        });
      }
  }

  const rawNodes = flow['nodes'];
  const views: NodeView[] = [];
  if (rawNodes === undefined) problems.add(at('nodes'), 'required');
  else if (!Array.isArray(rawNodes)) problems.add(at('nodes'), 'expected an array of nodes');
  else if (rawNodes.length === 0) problems.add(at('nodes'), 'a workflow needs at least one node');
  else if (rawNodes.length > 2000) problems.add(at('nodes'), 'at most 2000 nodes');
  else
    rawNodes.forEach((raw, index) => {
      const path = at('nodes', index);
      if (!isObject(raw)) {
        problems.add(path, 'expected a node object');
        return;
      }
      const structure = nodeSchema.safeParse(raw);
      if (!structure.success) problems.addZod(structure.error, path);
      const id = typeof raw['id'] === 'string' ? raw['id'] : undefined;
      const type = typeof raw['type'] === 'string' ? raw['type'] : undefined;
      views.push({ index, path, raw, id, type, spec: type ? catalogEntries.get(type) : undefined });
    });

  // ids
  const byId = new Map<string, NodeView>();
  for (const view of views) {
    if (view.id === undefined) continue;
    const first = byId.get(view.id);
    if (first) problems.add(pathOf(view.path, 'id'), `duplicate node id "${view.id}" (also ${first.path})`);
    else byId.set(view.id, view);
  }

  // types, params, trust, paths
  for (const view of views) {
    if (view.type === undefined) continue;
    if (!view.spec) {
      problems.add(
        pathOf(view.path, 'type'),
        `unknown node type "${view.type}"${didYouMean(view.type, catalogEntries.keys())}`,
      );
      continue;
    }
    if (view.spec.requiresTrusted && !ctx.trusted)
      problems.add(
        pathOf(view.path, 'type'),
        `${view.type} is only allowed in workflows with "trusted": true`,
      );
    const params = view.raw['params'] ?? {};
    if (!isObject(params)) continue; // reported by the node schema
    const parsed = view.spec.staticParams.safeParse(params);
    if (!parsed.success) problems.addZod(parsed.error, pathOf(view.path, 'params'), 'param');
    for (const name of view.spec.pathParams ?? []) {
      const value = params[name];
      if (isTemplate(value)) {
        // The literal parts of a templated path must not make it absolute or climb out.
        const literal = value.replace(/\{\{[\s\S]*?\}\}/g, 'x');
        if (!isSafeRelativePath(literal))
          problems.add(pathOf(view.path, 'params', name), RELATIVE_PATH_MESSAGE);
      }
    }
  }

  // edges
  const start = typeof flow['start'] === 'string' ? flow['start'] : views[0]?.id;
  if (typeof flow['start'] === 'string' && !byId.has(flow['start']))
    problems.add(at('start'), `unknown node "${flow['start']}"${didYouMean(flow['start'], byId.keys())}`);
  const edgeOk = (view: NodeView, field: (string | number)[], target: unknown): target is string => {
    if (typeof target !== 'string') return false;
    if (!byId.has(target)) {
      problems.add(pathOf(view.path, ...field), `unknown node "${target}"${didYouMean(target, byId.keys())}`);
      return false;
    }
    return true;
  };
  const regionEntries: { container: NodeView; field: string; entry: string; path: string }[] = [];
  for (const view of views) {
    const { raw, spec } = view;
    for (const field of ['next', 'onError'] as const) edgeOk(view, [field], raw[field]);
    const allowed = new Set(spec?.edges ?? []);
    const seenTargets = new Map<string, string>();
    const structural = (field: string, target: unknown, path: (string | number)[]) => {
      if (!edgeOk(view, path, target)) return;
      const fieldPath = pathOf(view.path, ...path);
      const other = seenTargets.get(target);
      if (other) problems.add(fieldPath, `duplicate edge to "${target}" (also ${other})`);
      else seenTargets.set(target, fieldPath);
      if (target === raw['next'])
        problems.add(fieldPath, `"${target}" is both a block of this node and its next node`);
      regionEntries.push({ container: view, field, entry: target, path: fieldPath });
    };
    for (const field of ['body', 'catch', 'finally'] as const) {
      if (raw[field] === undefined) continue;
      if (!spec || !allowed.has(field)) {
        if (spec) problems.add(pathOf(view.path, field), `${view.type} has no ${field}`);
        continue;
      }
      structural(field, raw[field], [field]);
    }
    const branches = raw['branches'];
    if (branches !== undefined && spec) {
      if (!allowed.has('branches'))
        problems.add(pathOf(view.path, 'branches'), `${view.type} has no branches`);
      else if (isObject(branches))
        for (const [name, target] of Object.entries(branches)) {
          if (view.type === 'if' && name !== 'then' && name !== 'else') {
            problems.add(pathOf(view.path, 'branches', name), 'an if has only "then" and "else" branches');
            continue;
          }
          structural(`branches.${name}`, target, ['branches', name]);
        }
    }
    if (spec) {
      const type = view.type;
      if (
        (type === 'forEach' || type === 'while' || type === 'try' || type === 'retry') &&
        raw['body'] === undefined
      )
        problems.add(pathOf(view.path, 'body'), 'required');
      if (type === 'try' && raw['catch'] === undefined && raw['finally'] === undefined)
        problems.add(view.path, 'a try needs a catch or a finally block');
      if ((type === 'if' || type === 'switch') && (!isObject(branches) || Object.keys(branches).length === 0))
        problems.add(pathOf(view.path, 'branches'), 'required');
    }
  }

  // regions: the top level and each block, by the next/onError edges from their entry
  const regions: Region[] = [];
  const regionOf = new Map<string, Region>();
  const addRegion = (region: Region, containerView?: NodeView, entryPath?: string) => {
    regions.push(region);
    const queue = [region.entry];
    while (queue.length > 0) {
      const id = queue.shift() as string;
      if (region.members.has(id)) continue;
      const view = byId.get(id);
      if (!view) continue;
      const owner = regionOf.get(id);
      if (owner && owner !== region) {
        problems.add(
          entryPath ?? view.path,
          `node "${id}" is reached from two blocks (${owner.label} and ${region.label}); edges must stay inside their block`,
        );
        continue;
      }
      region.members.add(id);
      regionOf.set(id, region);
      for (const field of ['next', 'onError']) {
        const target = view.raw[field];
        if (typeof target === 'string' && byId.has(target)) queue.push(target);
      }
    }
    void containerView;
  };
  if (start !== undefined && byId.has(start))
    addRegion({ id: 'top', entry: start, members: new Set(), label: 'the top level' });
  for (const e of regionEntries) {
    if (e.container.id === undefined) continue;
    addRegion(
      {
        id: `${e.container.id}.${e.field}`,
        container: e.container.id,
        entry: e.entry,
        members: new Set(),
        label: `${e.container.id}.${e.field}`,
      },
      e.container,
      e.path,
    );
  }

  // reachability: a block is reachable when its container is
  const reachable = new Set<Region>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const region of regions) {
      if (reachable.has(region)) continue;
      const ok =
        region.container === undefined
          ? region.id === 'top'
          : reachable.has(regionOf.get(region.container) as Region);
      if (ok && (region.container === undefined || regionOf.has(region.container))) {
        reachable.add(region);
        grew = true;
      }
    }
  }
  for (const view of views) {
    if (view.id === undefined || byId.get(view.id) !== view) continue;
    const region = regionOf.get(view.id);
    if (!region || !reachable.has(region))
      problems.add(view.path, `node "${view.id}" is unreachable from the start node`);
  }

  // cycles inside a block (loops must use forEach / while)
  for (const region of regions) {
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (id: string): void => {
      state.set(id, 'open');
      stack.push(id);
      const view = byId.get(id) as NodeView;
      for (const field of ['next', 'onError'] as const) {
        const target = view.raw[field];
        if (typeof target !== 'string' || !region.members.has(target)) continue;
        if (state.get(target) === 'open') {
          const cycle = [...stack.slice(stack.indexOf(target)), target].join(' → ');
          problems.add(
            pathOf(view.path, field),
            `cycle ${cycle} is not made by a loop node (use while or forEach)`,
          );
        } else if (!state.has(target)) visit(target);
      }
      stack.pop();
      state.set(id, 'done');
    };
    for (const id of region.members) if (!state.has(id)) visit(id);
  }

  // expressions: syntax, variables, visible steps, secrets
  const declaredVars = new Set(isObject(flow['variables']) ? Object.keys(flow['variables']) : []);
  let dynamicVars = false;
  for (const view of views) {
    if (view.type !== 'data.set') continue;
    const values = isObject(view.raw['params']) ? view.raw['params']['values'] : undefined;
    if (isObject(values)) Object.keys(values).forEach((k) => declaredVars.add(k));
    else dynamicVars = true;
  }
  const ancestors = (region: Region | undefined): Region[] => {
    const out: Region[] = [];
    const seen = new Set<Region>();
    let cur = region;
    while (cur && !seen.has(cur)) {
      seen.add(cur);
      out.push(cur);
      cur = cur.container ? regionOf.get(cur.container) : undefined;
    }
    return out;
  };
  const outputFieldsOf = (nodeId: string): readonly string[] | undefined => {
    const view = byId.get(nodeId);
    if (!view) return undefined;
    if (view.type === 'subflow') {
      const callee = isObject(view.raw['params']) ? view.raw['params']['workflowId'] : undefined;
      const target = typeof callee === 'string' ? ctx.subflows.get(callee) : undefined;
      return target && isObject(target.raw['outputs']) ? Object.keys(target.raw['outputs']) : undefined;
    }
    return view.spec?.outputFields;
  };

  interface ExprScope {
    readonly visibleSteps: ReadonlySet<string>;
    readonly locals: ReadonlySet<string>;
    /** Why secrets are refused here, if they are. */
    readonly noSecrets?: string;
  }
  const scopeFor = (
    regionChain: Region[],
    extraRegions: Region[] = [],
  ): { visibleSteps: Set<string>; locals: Set<string> } => {
    const visibleSteps = new Set<string>();
    const locals = new Set<string>();
    for (const r of [...regionChain, ...extraRegions]) r.members.forEach((m) => visibleSteps.add(m));
    for (const r of regionChain) {
      if (!r.container) continue;
      const container = byId.get(r.container);
      const params = container && isObject(container.raw['params']) ? container.raw['params'] : {};
      if (container?.type === 'forEach' && r.id.endsWith('.body')) {
        locals.add(typeof params['as'] === 'string' ? params['as'] : 'item');
        locals.add(typeof params['indexAs'] === 'string' ? params['indexAs'] : 'index');
      }
      if (container?.type === 'while' && r.id.endsWith('.body')) locals.add('index');
    }
    return { visibleSteps, locals };
  };

  const checkReferences = (refs: Reference[], path: string, scope: ExprScope, source: string) => {
    for (const ref of refs) {
      const where = `in "${source.length > 60 ? `${source.slice(0, 57)}...` : source}"`;
      if (scope.locals.has(ref.root)) continue;
      switch (ref.root) {
        case 'inputs': {
          const name = ref.path[0];
          if (name !== undefined && !inputs.has(name))
            problems.add(
              path,
              `undefined variable inputs.${name}${didYouMean(name, inputs.keys())} ${where}`,
            );
          break;
        }
        case 'vars': {
          const name = ref.path[0];
          if (name !== undefined && !dynamicVars && !declaredVars.has(name))
            problems.add(path, `undefined variable vars.${name}${didYouMean(name, declaredVars)} ${where}`);
          break;
        }
        case 'steps': {
          const [id, field, outputField] = ref.path;
          if (id === undefined) break;
          if (!byId.has(id))
            problems.add(
              path,
              `undefined variable steps.${id}: no node "${id}"${didYouMean(id, byId.keys())} ${where}`,
            );
          else if (!scope.visibleSteps.has(id))
            problems.add(path, `steps.${id} is not visible here (it runs in another block) ${where}`);
          else if (field !== undefined && field !== 'output')
            problems.add(path, `steps.${id}.${field}: a step exposes only .output ${where}`);
          else if (outputField !== undefined) {
            const fields = outputFieldsOf(id);
            if (fields && !fields.includes(outputField)) {
              problems.add(
                path,
                `steps.${id}.output.${outputField}: ${byId.get(id)?.type} outputs ${fields.join(', ') || 'nothing'}${didYouMean(outputField, fields)} ${where}`,
              );
            }
          }
          break;
        }
        case 'secrets':
          if (scope.noSecrets) problems.add(path, `secrets cannot be used here: ${scope.noSecrets}`);
          else if (ref.path[0] === undefined)
            problems.add(path, `secrets can only be read by name (secrets.<name>) ${where}`);
          break;
        case 'error':
          break;
        default:
          problems.add(
            path,
            `undefined variable "${ref.root}"${didYouMean(ref.root, [...EXPRESSION_ROOTS, ...scope.locals])} ${where}`,
          );
      }
    }
  };

  const checkExpression = (source: string, path: string, scope: ExprScope, asTemplate: boolean) => {
    let asts: { ast: Ast; source: string }[];
    try {
      asts = asTemplate
        ? parseTemplate(source).flatMap((p) => ('expr' in p ? [{ ast: p.expr, source: p.source }] : []))
        : [{ ast: parseExpression(unwrap(source)), source: unwrap(source) }];
    } catch (error) {
      if (error instanceof ExpressionError) {
        problems.add(
          path,
          `bad expression${error.column !== undefined ? ` at column ${error.column}` : ''}: ${error.message}`,
        );
        return;
      }
      throw error;
    }
    for (const { ast, source: s } of asts) checkReferences(references(ast), path, scope, s);
  };

  const walkTemplates = (value: unknown, path: string, scope: ExprScope, depth = 0): void => {
    if (depth > LIMIT_DEPTH) return;
    if (typeof value === 'string') {
      if (isTemplate(value)) checkExpression(value, path, scope, true);
    } else if (Array.isArray(value))
      value.forEach((v, i) => walkTemplates(v, pathOf(path, i), scope, depth + 1));
    else if (isObject(value))
      for (const [k, v] of Object.entries(value)) walkTemplates(v, pathOf(path, k), scope, depth + 1);
  };

  for (const view of views) {
    if (view.id === undefined || !view.spec) continue;
    const region = regionOf.get(view.id);
    const chain = ancestors(region);
    const extra = view.type === 'while' ? regions.filter((r) => r.container === view.id) : [];
    // An unreachable node (already reported) still gets its expressions checked, with every step visible.
    const base = region
      ? scopeFor(chain, extra)
      : { ...scopeFor(regions.filter((r) => r.container === undefined)), visibleSteps: new Set(byId.keys()) };
    if (view.type === 'while') base.locals.add('index');
    const params = isObject(view.raw['params']) ? view.raw['params'] : {};
    const leaky =
      view.spec.category === 'data'
        ? `${view.type} outputs are recorded in the job's events`
        : view.spec.category === 'spreadsheet'
          ? `${view.type} keeps values in the workbook and its outputs in the job's events`
          : view.spec.category === 'pdf'
            ? `${view.type} keeps values in the document and its outputs in the job's events`
            : view.spec.category === 'database'
              ? `${view.type} rows may echo it into the job's events; only its connection takes a secret`
              : view.spec.category === 'queue'
                ? `${view.type} values are recorded in the queue item's events`
                : view.type === 'stopWithError'
                  ? 'the message is recorded in the job events'
                  : view.type === 'subflow'
                    ? 'subflow inputs may reach its outputs; read the secret inside the subflow'
                    : undefined;
    for (const [name, value] of Object.entries(params)) {
      const path = pathOf(view.path, 'params', name);
      if (view.spec.deferredParams?.includes(name)) {
        if (typeof value === 'string') {
          try {
            parseExpression(unwrap(value));
          } catch (error) {
            if (error instanceof ExpressionError)
              problems.add(
                path,
                `bad expression${error.column !== undefined ? ` at column ${error.column}` : ''}: ${error.message}`,
              );
            else throw error;
          }
        }
        continue;
      }
      if (view.spec.secretParams?.includes(name)) {
        if (typeof value !== 'string' || !SECRET_REFERENCE.test(value))
          problems.add(
            path,
            'must be a secret reference such as "{{ secrets.erpDatabase }}": credentials never stand in a workflow',
          );
        continue;
      }
      if (view.spec.expressionParams?.includes(name)) {
        if (typeof value === 'string')
          checkExpression(
            value,
            path,
            {
              ...base,
              noSecrets:
                'a flow decision must not depend on a secret (replay must take the same path after it rotates)',
            },
            false,
          );
        else walkTemplates(value, path, { ...base, noSecrets: 'flow decisions must not depend on secrets' });
        continue;
      }
      walkTemplates(value, path, { ...base, noSecrets: leaky });
    }
    if (typeof view.raw['idempotencyKey'] === 'string')
      walkTemplates(view.raw['idempotencyKey'], pathOf(view.path, 'idempotencyKey'), {
        ...base,
        noSecrets: 'the key is recorded in events',
      });

    if (view.type === 'subflow') checkSubflowCall(view, params, flowId, ctx);
  }

  const top = regions.find((r) => r.id === 'top');
  const topScope = top ? scopeFor([top]) : { visibleSteps: new Set<string>(), locals: new Set<string>() };
  const rawOutputs = flow['outputs'];
  if (rawOutputs !== undefined) {
    if (!isObject(rawOutputs)) problems.add(at('outputs'), 'expected an object of outputs');
    else
      for (const [name, def] of Object.entries(rawOutputs)) {
        const parsed = outputDefinitionSchema.safeParse(def);
        if (!parsed.success) {
          problems.addZod(parsed.error, at('outputs', name));
          continue;
        }
        const value = typeof parsed.data === 'string' ? parsed.data : parsed.data.value;
        walkTemplates(
          value,
          typeof parsed.data === 'string' ? at('outputs', name) : at('outputs', name, 'value'),
          {
            ...topScope,
            noSecrets: 'outputs are recorded in the job events',
          },
        );
      }
  }
  const rawVariables = flow['variables'];
  if (isObject(rawVariables)) {
    for (const [name, value] of Object.entries(rawVariables)) {
      walkTemplates(value, at('variables', name), {
        visibleSteps: new Set(),
        locals: new Set(),
        noSecrets: 'variables may be recorded by data.set and outputs',
      });
    }
  }
}

/** An expression param may be written with or without `{{ }}`. */
export function unwrap(source: string): string {
  const trimmed = source.trim();
  if (trimmed.startsWith('{{') && trimmed.endsWith('}}') && trimmed.indexOf('{{', 2) < 0)
    return trimmed.slice(2, -2);
  return source;
}

function checkSubflowCall(view: NodeView, params: Raw, flowId: string, ctx: ValidationContext): void {
  const { problems } = ctx;
  const callee = params['workflowId'];
  if (typeof callee !== 'string') return;
  const target = ctx.subflows.get(callee);
  const path = pathOf(view.path, 'params', 'workflowId');
  if (!target) {
    problems.add(
      path,
      `unknown subflow "${callee}"${didYouMean(callee, ctx.subflows.keys())}: define it under "subflows" (a referenced workflow must be inlined and pinned before the job starts)`,
    );
    return;
  }
  const version = params['version'];
  if (
    typeof version === 'number' &&
    typeof target.raw['version'] === 'number' &&
    target.raw['version'] !== version
  ) {
    problems.add(
      pathOf(view.path, 'params', 'version'),
      `subflow "${callee}" is version ${String(target.raw['version'])}, not ${version}`,
    );
  }
  const declared = isObject(target.raw['inputs']) ? target.raw['inputs'] : {};
  const given = isObject(params['inputs']) ? params['inputs'] : {};
  for (const name of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(declared, name))
      problems.add(
        pathOf(view.path, 'params', 'inputs', name),
        `subflow "${callee}" has no input "${name}"${didYouMean(name, Object.keys(declared))}`,
      );
  }
  for (const [name, def] of Object.entries(declared)) {
    if (
      isObject(def) &&
      def['required'] === true &&
      def['default'] === undefined &&
      !Object.prototype.hasOwnProperty.call(given, name)
    ) {
      problems.add(pathOf(view.path, 'params', 'inputs', name), `required by subflow "${callee}"`);
    }
  }
  ctx.calls.push({
    from: flowId,
    to: callee,
    path: view.path,
    bounded: typeof params['maxDepth'] === 'number',
  });
}

function checkRecursion(ctx: ValidationContext): void {
  const edges = new Map<string, typeof ctx.calls>();
  for (const call of ctx.calls) edges.set(call.from, [...(edges.get(call.from) ?? []), call]);
  // A call is recursive when its callee can reach its caller again.
  const reaches = (from: string, to: string): string[] | undefined => {
    const seen = new Set<string>();
    const walk = (at: string, trail: string[]): string[] | undefined => {
      if (at === to) return trail;
      if (seen.has(at)) return undefined;
      seen.add(at);
      for (const call of edges.get(at) ?? []) {
        const found = walk(call.to, [...trail, call.to]);
        if (found) return found;
      }
      return undefined;
    };
    return walk(from, [from]);
  };
  for (const call of ctx.calls) {
    if (call.from === '' || call.bounded) continue;
    const trail = reaches(call.to, call.from);
    if (trail)
      ctx.problems.add(
        pathOf(call.path, 'params', 'maxDepth'),
        `recursive subflow call ${[call.from, ...trail].join(' → ')} needs a maxDepth bound`,
      );
  }
}
