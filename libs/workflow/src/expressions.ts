/**
 * The expression language: a small, deliberately closed evaluator (no `eval`, no
 * `Function`, no assignment, no user functions, no regular expressions, no clock, no
 * randomness). It is synchronous and terminates by construction: without loops or
 * recursion, work is bounded by the size of the expression and the data it reads, and
 * both are capped. Member access reads only own data properties, never the prototype.
 */

export type ExpressionErrorCode = 'syntax' | 'undefined' | 'forbidden' | 'limit' | 'type' | 'secret';

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  constructor(
    readonly code: ExpressionErrorCode,
    message: string,
    /** 1-based column inside the expression, when known. */
    readonly column?: number,
  ) {
    super(message);
  }
}

/** Hard bounds; exceeding one is an `ExpressionError` with code `limit`. */
export const expressionLimits = {
  /** Characters in one expression. */
  maxExpressionLength: 4_000,
  /** Nesting of parentheses, brackets, operators and calls. */
  maxDepth: 32,
  /** Evaluation steps (AST nodes visited plus elements processed by functions). */
  maxSteps: 200_000,
  /** Characters in any string an expression produces. */
  maxStringLength: 1_000_000,
  /** Elements in any array an expression produces. */
  maxArrayLength: 100_000,
} as const;

const FORBIDDEN_NAMES = new Set([
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

// ---------------------------------------------------------------- tokens

type Token =
  | { t: 'num'; v: number; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'id'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'eof'; pos: number };

const OPERATORS = [
  '===',
  '!==',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '?',
  ':',
  '.',
  ',',
  '(',
  ')',
  '[',
  ']',
];

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c)) {
      const m = /^(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(src.slice(i));
      if (!m) throw new ExpressionError('syntax', `bad number`, i + 1);
      tokens.push({ t: 'num', v: Number(m[0]), pos: start });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let out = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExpressionError('syntax', 'unterminated string', start + 1);
        const d = src[i];
        if (d === c) break;
        if (d === '\\') {
          const e = src[i + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
          if (e === undefined || !(e in map))
            throw new ExpressionError('syntax', `bad escape \\${e ?? ''}`, i + 1);
          out += map[e];
          i += 2;
          continue;
        }
        out += d;
        i++;
      }
      i++;
      tokens.push({ t: 'str', v: out, pos: start });
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      // After a dot a property name may contain hyphens (`steps.extract-text.output`),
      // so node ids in kebab-case read naturally; write `a - b` with spaces to subtract.
      const afterDot =
        tokens.length > 0 &&
        tokens[tokens.length - 1].t === 'op' &&
        (tokens[tokens.length - 1] as { v: string }).v === '.';
      const re = afterDot ? /^[A-Za-z_$][A-Za-z0-9_$]*(?:-[A-Za-z0-9_$]+)*/ : /^[A-Za-z_$][A-Za-z0-9_$]*/;
      const m = re.exec(src.slice(i)) as RegExpExecArray;
      tokens.push({ t: 'id', v: m[0], pos: start });
      i += m[0].length;
      continue;
    }
    if (c === '=' && src[i + 1] !== '=')
      throw new ExpressionError('forbidden', 'assignment is not allowed', i + 1);
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionError('syntax', `unexpected character "${c}"`, i + 1);
    tokens.push({ t: 'op', v: op, pos: start });
    i += op.length;
  }
  tokens.push({ t: 'eof', pos: src.length });
  return tokens;
}

// ---------------------------------------------------------------- AST

export type Ast =
  | { readonly k: 'lit'; readonly v: unknown; readonly pos: number }
  | { readonly k: 'id'; readonly name: string; readonly pos: number }
  | { readonly k: 'member'; readonly obj: Ast; readonly prop: Ast | string; readonly pos: number }
  | { readonly k: 'call'; readonly fn: string; readonly args: readonly Ast[]; readonly pos: number }
  | { readonly k: 'unary'; readonly op: string; readonly arg: Ast; readonly pos: number }
  | {
      readonly k: 'binary';
      readonly op: string;
      readonly left: Ast;
      readonly right: Ast;
      readonly pos: number;
    }
  | { readonly k: 'cond'; readonly test: Ast; readonly then: Ast; readonly else: Ast; readonly pos: number }
  | { readonly k: 'array'; readonly items: readonly Ast[]; readonly pos: number };

const BINARY_PRECEDENCE: Record<string, number> = {
  '??': 1,
  '||': 2,
  '&&': 3,
  '==': 4,
  '!=': 4,
  '===': 4,
  '!==': 4,
  '<': 5,
  '<=': 5,
  '>': 5,
  '>=': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
};

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Ast {
    const ast = this.expression();
    const tok = this.peek();
    if (tok.t !== 'eof') throw this.unexpected(tok);
    return ast;
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private isOp(v: string): boolean {
    const tok = this.peek();
    return tok.t === 'op' && tok.v === v;
  }

  private expectOp(v: string): void {
    if (!this.isOp(v)) throw new ExpressionError('syntax', `expected "${v}"`, this.peek().pos + 1);
    this.i++;
  }

  private unexpected(tok: Token): ExpressionError {
    if (tok.t === 'eof') return new ExpressionError('syntax', 'unexpected end of expression', tok.pos + 1);
    return new ExpressionError('syntax', `unexpected "${String(tok.v)}"`, tok.pos + 1);
  }

  private enter(): void {
    if (++this.depth > expressionLimits.maxDepth) {
      throw new ExpressionError(
        'limit',
        `expression nested deeper than ${expressionLimits.maxDepth}`,
        this.peek().pos + 1,
      );
    }
  }

  private expression(): Ast {
    this.enter();
    const test = this.binary(1);
    let result = test;
    if (this.isOp('?')) {
      const pos = this.peek().pos;
      this.i++;
      const then = this.expression();
      this.expectOp(':');
      const otherwise = this.expression();
      result = { k: 'cond', test, then, else: otherwise, pos };
    }
    this.depth--;
    return result;
  }

  private binary(minPrec: number): Ast {
    let left = this.unary();
    for (;;) {
      const tok = this.peek();
      const prec = tok.t === 'op' ? BINARY_PRECEDENCE[tok.v] : undefined;
      if (tok.t !== 'op' || prec === undefined || prec < minPrec) return left;
      this.i++;
      this.enter();
      const right = this.binary(prec + 1);
      this.depth--;
      left = { k: 'binary', op: tok.v, left, right, pos: tok.pos };
    }
  }

  private unary(): Ast {
    const tok = this.peek();
    if (tok.t === 'op' && (tok.v === '!' || tok.v === '-' || tok.v === '+')) {
      this.i++;
      this.enter();
      const arg = this.unary();
      this.depth--;
      return { k: 'unary', op: tok.v, arg, pos: tok.pos };
    }
    return this.postfix(this.primary());
  }

  private postfix(base: Ast): Ast {
    let node = base;
    for (;;) {
      const tok = this.peek();
      if (tok.t === 'op' && tok.v === '.') {
        this.i++;
        const name = this.peek();
        if (name.t !== 'id')
          throw new ExpressionError('syntax', 'expected a property name after "."', name.pos + 1);
        this.i++;
        node = { k: 'member', obj: node, prop: name.v, pos: name.pos };
      } else if (tok.t === 'op' && tok.v === '[') {
        this.i++;
        const prop = this.expression();
        this.expectOp(']');
        node = {
          k: 'member',
          obj: node,
          prop: prop.k === 'lit' && typeof prop.v === 'string' ? prop.v : prop,
          pos: tok.pos,
        };
      } else if (tok.t === 'op' && tok.v === '(') {
        throw new ExpressionError('syntax', 'only built-in functions can be called, by name', tok.pos + 1);
      } else {
        return node;
      }
      this.enter();
    }
  }

  private primary(): Ast {
    const tok = this.peek();
    switch (tok.t) {
      case 'num':
      case 'str':
        this.i++;
        return { k: 'lit', v: tok.v, pos: tok.pos };
      case 'id': {
        this.i++;
        if (tok.v === 'true' || tok.v === 'false') return { k: 'lit', v: tok.v === 'true', pos: tok.pos };
        if (tok.v === 'null') return { k: 'lit', v: null, pos: tok.pos };
        if (tok.v === 'undefined') return { k: 'lit', v: undefined, pos: tok.pos };
        if (
          tok.v === 'function' ||
          tok.v === 'new' ||
          tok.v === 'this' ||
          tok.v === 'import' ||
          tok.v === 'class'
        ) {
          throw new ExpressionError(
            'forbidden',
            `"${tok.v}" is not part of the expression language`,
            tok.pos + 1,
          );
        }
        if (this.isOp('(')) {
          this.i++;
          const args: Ast[] = [];
          if (!this.isOp(')')) {
            for (;;) {
              args.push(this.expression());
              if (this.isOp(',')) {
                this.i++;
                continue;
              }
              break;
            }
          }
          this.expectOp(')');
          if (!Object.prototype.hasOwnProperty.call(FUNCTIONS, tok.v)) {
            throw new ExpressionError('undefined', `unknown function "${tok.v}"`, tok.pos + 1);
          }
          return { k: 'call', fn: tok.v, args, pos: tok.pos };
        }
        return { k: 'id', name: tok.v, pos: tok.pos };
      }
      case 'op':
        if (tok.v === '(') {
          this.i++;
          const inner = this.expression();
          this.expectOp(')');
          return inner;
        }
        if (tok.v === '[') {
          this.i++;
          const items: Ast[] = [];
          if (!this.isOp(']')) {
            for (;;) {
              items.push(this.expression());
              if (this.isOp(',')) {
                this.i++;
                continue;
              }
              break;
            }
          }
          this.expectOp(']');
          return { k: 'array', items, pos: tok.pos };
        }
        throw this.unexpected(tok);
      case 'eof':
        throw this.unexpected(tok);
      default: {
        const _exhaustive: never = tok;
        throw new ExpressionError('syntax', `unexpected token ${String(_exhaustive)}`);
      }
    }
  }
}

/**
 * Expressions parsed so far, by source. A workflow evaluates the same few expressions at every
 * job, step and item (a `data.map` handler once per element), and an AST is never changed once
 * built, so each is tokenized and parsed once. Bounded: emptied when full.
 */
const parsed = new Map<string, Ast>();
const PARSED_KEPT = 4_096;

/** Parses one expression (the text between `{{` and `}}`). Throws `ExpressionError`. */
export function parseExpression(source: string): Ast {
  const known = parsed.get(source);
  if (known) return known;
  const ast = parseAnew(source);
  if (parsed.size >= PARSED_KEPT) parsed.clear();
  parsed.set(source, ast);
  return ast;
}

function parseAnew(source: string): Ast {
  if (typeof source !== 'string') throw new ExpressionError('type', 'an expression must be a string');
  if (source.length > expressionLimits.maxExpressionLength) {
    throw new ExpressionError(
      'limit',
      `expression longer than ${expressionLimits.maxExpressionLength} characters`,
    );
  }
  if (source.trim() === '') throw new ExpressionError('syntax', 'empty expression');
  return new Parser(tokenize(source)).parse();
}

// ---------------------------------------------------------------- references (static analysis)

/** A variable an expression reads: its root name and the leading literal property names. */
export interface Reference {
  readonly root: string;
  readonly path: readonly string[];
  readonly column: number;
}

export function references(ast: Ast): Reference[] {
  const out: Reference[] = [];
  const visit = (node: Ast): void => {
    switch (node.k) {
      case 'lit':
        return;
      case 'id':
        out.push({ root: node.name, path: [], column: node.pos + 1 });
        return;
      case 'member': {
        const chain: string[] = [];
        let cur: Ast = node;
        while (cur.k === 'member') {
          if (typeof cur.prop === 'string') chain.unshift(cur.prop);
          else {
            visit(cur.prop);
            chain.length = 0;
          }
          cur = cur.obj;
        }
        if (cur.k === 'id') out.push({ root: cur.name, path: chain, column: cur.pos + 1 });
        else visit(cur);
        return;
      }
      case 'call':
        node.args.forEach(visit);
        return;
      case 'unary':
        visit(node.arg);
        return;
      case 'binary':
        visit(node.left);
        visit(node.right);
        return;
      case 'cond':
        visit(node.test);
        visit(node.then);
        visit(node.else);
        return;
      case 'array':
        node.items.forEach(visit);
        return;
      default: {
        const _exhaustive: never = node;
        return _exhaustive;
      }
    }
  };
  visit(ast);
  return out;
}

// ---------------------------------------------------------------- evaluation

/** A root value that resolves members lazily, e.g. `secrets.<name>`; it cannot be read whole. */
export class LazyRoot {
  constructor(
    readonly label: string,
    readonly resolve: (name: string) => unknown,
  ) {}
}

/** The variables an expression can see, by root name (`inputs`, `steps`, `item`, ...). */
export type Scope = Readonly<Record<string, unknown>>;

interface EvalState {
  steps: number;
}

function charge(state: EvalState, n = 1): void {
  state.steps += n;
  if (state.steps > expressionLimits.maxSteps) {
    throw new ExpressionError('limit', `expression exceeded ${expressionLimits.maxSteps} evaluation steps`);
  }
}

function checkString(s: string): string {
  if (s.length > expressionLimits.maxStringLength) {
    throw new ExpressionError(
      'limit',
      `expression produced a string longer than ${expressionLimits.maxStringLength} characters`,
    );
  }
  return s;
}

function checkArray<T>(a: T[]): T[] {
  if (a.length > expressionLimits.maxArrayLength) {
    throw new ExpressionError(
      'limit',
      `expression produced an array longer than ${expressionLimits.maxArrayLength} elements`,
    );
  }
  return a;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function readMember(obj: unknown, prop: unknown, pos: number): unknown {
  if (typeof prop !== 'string' && typeof prop !== 'number') {
    throw new ExpressionError(
      'type',
      `a property name must be a string or a number, not ${typeName(prop)}`,
      pos + 1,
    );
  }
  const key = String(prop);
  if (FORBIDDEN_NAMES.has(key))
    throw new ExpressionError('forbidden', `access to "${key}" is not allowed`, pos + 1);
  if (obj instanceof LazyRoot) return obj.resolve(key);
  if (obj === null || obj === undefined) return undefined;
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (key === 'length') return obj.length;
    if (!/^\d+$/.test(key)) return undefined;
    return obj[Number(key)];
  }
  if (isPlainObject(obj)) {
    const desc = Object.getOwnPropertyDescriptor(obj, key);
    return desc && 'value' in desc ? (desc.value as unknown) : undefined;
  }
  return undefined;
}

function deepEqual(a: unknown, b: unknown, state: EvalState): boolean {
  charge(state);
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i], state));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k], state))
    );
  }
  return false;
}

/** How a value reads inside a string template: null/undefined as empty, objects as JSON. */
export function stringify(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return checkString(JSON.stringify(v) ?? '');
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

type Fn = (args: unknown[], state: EvalState) => unknown;

const num = (v: unknown, fn: string): number => {
  if (typeof v !== 'number' || Number.isNaN(v))
    throw new ExpressionError('type', `${fn}() expects a number, got ${typeName(v)}`);
  return v;
};
const str = (v: unknown, fn: string): string => {
  if (typeof v !== 'string')
    throw new ExpressionError('type', `${fn}() expects a string, got ${typeName(v)}`);
  return v;
};
const arr = (v: unknown, fn: string): unknown[] => {
  if (!Array.isArray(v)) throw new ExpressionError('type', `${fn}() expects an array, got ${typeName(v)}`);
  return v;
};

/** The built-in functions, the only callable things. All pure and bounded. */
const FUNCTIONS: Readonly<Record<string, Fn>> = Object.freeze({
  length: ([v]) =>
    typeof v === 'string' || Array.isArray(v) ? v.length : isPlainObject(v) ? Object.keys(v).length : 0,
  upper: ([v]) => str(v, 'upper').toUpperCase(),
  lower: ([v]) => str(v, 'lower').toLowerCase(),
  trim: ([v]) => str(v, 'trim').trim(),
  string: ([v]) => stringify(v),
  number: ([v]) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (Number.isNaN(n))
      throw new ExpressionError(
        'type',
        `number() cannot convert ${JSON.stringify(stringify(v)).slice(0, 40)}`,
      );
    return n;
  },
  boolean: ([v]) => truthy(v),
  round: ([v, d]) => {
    const f = 10 ** (d === undefined ? 0 : num(d, 'round'));
    return Math.round(num(v, 'round') * f) / f;
  },
  floor: ([v]) => Math.floor(num(v, 'floor')),
  ceil: ([v]) => Math.ceil(num(v, 'ceil')),
  abs: ([v]) => Math.abs(num(v, 'abs')),
  min: (args, s) => {
    const xs = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map((x) => num(x, 'min'));
    charge(s, xs.length);
    return xs.length ? xs.reduce((a, b) => Math.min(a, b)) : undefined;
  },
  max: (args, s) => {
    const xs = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map((x) => num(x, 'max'));
    charge(s, xs.length);
    return xs.length ? xs.reduce((a, b) => Math.max(a, b)) : undefined;
  },
  sum: ([v], s) => {
    const xs = arr(v, 'sum');
    charge(s, xs.length);
    return xs.reduce<number>((a, b) => a + num(b, 'sum'), 0);
  },
  contains: ([h, n], s) => {
    if (typeof h === 'string') return h.includes(str(n, 'contains'));
    const xs = arr(h, 'contains');
    return xs.some((x) => deepEqual(x, n, s));
  },
  startsWith: ([h, n]) => str(h, 'startsWith').startsWith(str(n, 'startsWith')),
  endsWith: ([h, n]) => str(h, 'endsWith').endsWith(str(n, 'endsWith')),
  replace: ([h, find, repl], s) => {
    const text = str(h, 'replace');
    const f = str(find, 'replace');
    if (f === '') throw new ExpressionError('type', 'replace() needs a non-empty search string');
    const parts = text.split(f);
    const r = str(repl, 'replace');
    charge(s, parts.length);
    if (text.length + (parts.length - 1) * (r.length - f.length) > expressionLimits.maxStringLength)
      checkString('x'.repeat(expressionLimits.maxStringLength + 1));
    return parts.join(r);
  },
  split: ([h, sep], s) => {
    const parts = str(h, 'split').split(str(sep, 'split'));
    charge(s, parts.length);
    return checkArray(parts);
  },
  join: ([v, sep], s) => {
    const xs = arr(v, 'join');
    charge(s, xs.length);
    const sp = sep === undefined ? ',' : str(sep, 'join');
    let total = 0;
    for (const x of xs) {
      total += stringify(x).length + sp.length;
      if (total > expressionLimits.maxStringLength + sp.length)
        checkString('x'.repeat(expressionLimits.maxStringLength + 1));
    }
    return xs.map(stringify).join(sp);
  },
  substring: ([v, a, b]) =>
    str(v, 'substring').substring(num(a, 'substring'), b === undefined ? undefined : num(b, 'substring')),
  padStart: ([v, n, fill]) => {
    const width = num(n, 'padStart');
    if (width > expressionLimits.maxStringLength)
      checkString('x'.repeat(expressionLimits.maxStringLength + 1));
    return stringify(v).padStart(width, fill === undefined ? ' ' : str(fill, 'padStart'));
  },
  indexOf: ([h, n], s) => {
    if (typeof h === 'string') return h.indexOf(str(n, 'indexOf'));
    return arr(h, 'indexOf').findIndex((x) => deepEqual(x, n, s));
  },
  slice: ([v, a, b], s) => {
    const start = a === undefined ? undefined : num(a, 'slice');
    const end = b === undefined ? undefined : num(b, 'slice');
    if (typeof v === 'string') return v.slice(start, end);
    const out = arr(v, 'slice').slice(start, end);
    charge(s, out.length);
    return out;
  },
  first: ([v]) => arr(v, 'first')[0],
  last: ([v]) => {
    const xs = arr(v, 'last');
    return xs[xs.length - 1];
  },
  concat: (args, s) => {
    const out: unknown[] = [];
    for (const a of args) {
      const xs = arr(a, 'concat');
      charge(s, xs.length);
      if (out.length + xs.length > expressionLimits.maxArrayLength)
        checkArray(new Array<unknown>(out.length + xs.length));
      out.push(...xs);
    }
    return out;
  },
  keys: ([v], s) => {
    if (!isPlainObject(v)) throw new ExpressionError('type', `keys() expects an object, got ${typeName(v)}`);
    const ks = Object.keys(v);
    charge(s, ks.length);
    return ks;
  },
  values: ([v], s) => {
    if (!isPlainObject(v))
      throw new ExpressionError('type', `values() expects an object, got ${typeName(v)}`);
    const vs = Object.values(v);
    charge(s, vs.length);
    return vs;
  },
  range: ([a, b], s) => {
    const from = num(a, 'range');
    const to = num(b, 'range');
    const n = Math.max(0, Math.ceil(to - from));
    checkArray(new Array<unknown>(Math.min(n, expressionLimits.maxArrayLength + 1)));
    charge(s, n);
    return Array.from({ length: n }, (_, i) => from + i);
  },
  pluck: ([v, key], s) => {
    const xs = arr(v, 'pluck');
    charge(s, xs.length);
    const k = str(key, 'pluck');
    return xs.map((x) => readMember(x, k, 0));
  },
  defined: ([v]) => v !== undefined && v !== null,
  coalesce: (args) => args.find((a) => a !== undefined && a !== null && a !== ''),
  type: ([v]) => typeName(v),
  json: ([v]) => checkString(JSON.stringify(v) ?? 'null'),
  parseJson: ([v]) => {
    const text = str(v, 'parseJson');
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ExpressionError('type', `parseJson(): ${(error as Error).message}`);
    }
  },
});

export const expressionFunctions: readonly string[] = Object.keys(FUNCTIONS);

function evaluate(node: Ast, scope: Scope, state: EvalState): unknown {
  charge(state);
  switch (node.k) {
    case 'lit':
      return node.v;
    case 'id': {
      if (!Object.prototype.hasOwnProperty.call(scope, node.name)) {
        throw new ExpressionError('undefined', `unknown variable "${node.name}"`, node.pos + 1);
      }
      const v = scope[node.name];
      if (v instanceof LazyRoot) return v;
      return v;
    }
    case 'member': {
      const obj = evaluate(node.obj, scope, state);
      const prop = typeof node.prop === 'string' ? node.prop : evaluate(node.prop, scope, state);
      const v = readMember(obj, prop, node.pos);
      return v;
    }
    case 'call': {
      const fn = FUNCTIONS[node.fn];
      const args = node.args.map((a) => plain(evaluate(a, scope, state), a.pos));
      const result = fn(args, state);
      if (typeof result === 'string') checkString(result);
      return result;
    }
    case 'unary': {
      const v = plain(evaluate(node.arg, scope, state), node.pos);
      if (node.op === '!') return !truthy(v);
      if (typeof v !== 'number')
        throw new ExpressionError(
          'type',
          `unary ${node.op} expects a number, got ${typeName(v)}`,
          node.pos + 1,
        );
      return node.op === '-' ? -v : v;
    }
    case 'binary':
      return binary(node.op, node.left, node.right, scope, state, node.pos);
    case 'cond':
      return truthy(plain(evaluate(node.test, scope, state), node.pos))
        ? evaluate(node.then, scope, state)
        : evaluate(node.else, scope, state);
    case 'array':
      return checkArray(node.items.map((item) => plain(evaluate(item, scope, state), item.pos)));
    default: {
      const _exhaustive: never = node;
      throw new ExpressionError('syntax', `unknown node ${JSON.stringify(_exhaustive)}`);
    }
  }
}

function plain(v: unknown, pos: number): unknown {
  if (v instanceof LazyRoot)
    throw new ExpressionError(
      'forbidden',
      `${v.label} can only be read by name (${v.label}.<name>)`,
      pos + 1,
    );
  return v;
}

function binary(op: string, l: Ast, r: Ast, scope: Scope, state: EvalState, pos: number): unknown {
  if (op === '&&') {
    const a = plain(evaluate(l, scope, state), l.pos);
    return truthy(a) ? plain(evaluate(r, scope, state), r.pos) : a;
  }
  if (op === '||') {
    const a = plain(evaluate(l, scope, state), l.pos);
    return truthy(a) ? a : plain(evaluate(r, scope, state), r.pos);
  }
  if (op === '??') {
    const a = plain(evaluate(l, scope, state), l.pos);
    return a === undefined || a === null ? plain(evaluate(r, scope, state), r.pos) : a;
  }
  const a = plain(evaluate(l, scope, state), l.pos);
  const b = plain(evaluate(r, scope, state), r.pos);
  switch (op) {
    case '==':
    case '===':
      return deepEqual(a, b, state);
    case '!=':
    case '!==':
      return !deepEqual(a, b, state);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (!(
        (typeof a === 'number' && typeof b === 'number') ||
        (typeof a === 'string' && typeof b === 'string')
      )) {
        throw new ExpressionError(
          'type',
          `"${op}" compares two numbers or two strings, got ${typeName(a)} and ${typeName(b)}`,
          pos + 1,
        );
      }
      return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
    }
    case '+':
      if (typeof a === 'number' && typeof b === 'number') return a + b;
      if (typeof a === 'string' || typeof b === 'string') {
        const sa = stringify(a);
        const sb = stringify(b);
        if (sa.length + sb.length > expressionLimits.maxStringLength)
          checkString('x'.repeat(expressionLimits.maxStringLength + 1));
        return sa + sb;
      }
      throw new ExpressionError(
        'type',
        `"+" adds numbers or joins strings, got ${typeName(a)} and ${typeName(b)}`,
        pos + 1,
      );
    case '-':
    case '*':
    case '/':
    case '%': {
      if (typeof a !== 'number' || typeof b !== 'number') {
        throw new ExpressionError(
          'type',
          `"${op}" expects numbers, got ${typeName(a)} and ${typeName(b)}`,
          pos + 1,
        );
      }
      return op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
    }
    default:
      throw new ExpressionError('syntax', `unknown operator ${op}`, pos + 1);
  }
}

/** Evaluates a parsed expression against a scope. Throws `ExpressionError`. */
export function evaluateAst(ast: Ast, scope: Scope): unknown {
  const v = evaluate(ast, scope, { steps: 0 });
  return plain(v, ast.pos);
}

/** Parses and evaluates one expression (`item.price * 2`), e.g. for `data.map` handlers. */
export function evaluateExpression(source: string, scope: Scope): unknown {
  return evaluateAst(parseExpression(source), scope);
}

// ---------------------------------------------------------------- templates

/** A string with `{{ expression }}` parts. */
export type TemplatePart =
  { readonly text: string } | { readonly expr: Ast; readonly source: string; readonly offset: number };

/** True when a string contains a `{{ ... }}` expression. */
export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && value.includes('{{');
}

/** Splits a template into literal text and parsed expressions. Throws `ExpressionError` (column relative to the whole string). */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open < 0) {
      parts.push({ text: template.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: template.slice(i, open) });
    const close = findClose(template, open + 2);
    if (close < 0) throw new ExpressionError('syntax', 'unclosed "{{"', open + 1);
    const source = template.slice(open + 2, close);
    try {
      parts.push({ expr: parseExpression(source), source: source.trim(), offset: open + 2 });
    } catch (error) {
      if (error instanceof ExpressionError && error.column !== undefined) {
        throw new ExpressionError(error.code, error.message, error.column + open + 2);
      }
      throw error;
    }
    i = close + 2;
  }
  return parts;
}

function findClose(s: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '}' && s[i + 1] === '}') return i;
  }
  return -1;
}

/**
 * Evaluates a template. A string that is exactly one `{{ expression }}` yields the raw
 * value (a boolean stays a boolean); anything else yields a string.
 */
export function evaluateTemplate(template: string, scope: Scope): unknown {
  const parts = parseTemplate(template);
  if (parts.length === 1 && 'expr' in parts[0]) return evaluateAst(parts[0].expr, scope);
  let out = '';
  for (const part of parts) {
    out += 'expr' in part ? stringify(evaluateAst(part.expr, scope)) : part.text;
    checkString(out);
  }
  return out;
}

/** Evaluates every template string inside a JSON value, returning a new value. */
export function evaluateValue(value: unknown, scope: Scope, depth = 0): unknown {
  if (depth > 64) throw new ExpressionError('limit', 'value nested deeper than 64 levels');
  if (typeof value === 'string') return isTemplate(value) ? evaluateTemplate(value, scope) : value;
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, scope, depth + 1));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN_NAMES.has(k)) throw new ExpressionError('forbidden', `key "${k}" is not allowed`);
      out[k] = evaluateValue(v, scope, depth + 1);
    }
    return out;
  }
  return value;
}
