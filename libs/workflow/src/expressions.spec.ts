import {
  evaluateExpression,
  evaluateTemplate,
  evaluateValue,
  ExpressionError,
  LazyRoot,
  parseExpression,
  references,
} from './expressions';

const scope = {
  inputs: {
    customer: 'ACME',
    quantity: 3,
    tags: ['a', 'b'],
    nested: { deep: { value: 7 } },
    empty: '',
    rows: [{ n: 1 }, { n: 2 }],
  },
  steps: { 'read-total': { output: { text: '42.50' } } },
  vars: { page: 2 },
  item: { name: 'row', price: 2.5 },
  index: 4,
};

describe('expressions: the language', () => {
  it.each([
    ['inputs.customer', 'ACME'],
    ['inputs.quantity * 2 + 1', 7],
    ['inputs.nested.deep.value', 7],
    ["inputs['customer']", 'ACME'],
    ['inputs.tags[1]', 'b'],
    ['inputs.tags.length', 2],
    ['steps.read-total.output.text', '42.50'],
    ['number(steps.read-total.output.text) > 40', true],
    ["inputs.customer == 'ACME' && !false", true],
    ['inputs.missing ?? "fallback"', 'fallback'],
    ['inputs.empty || "fallback"', 'fallback'],
    ['inputs.quantity > 2 ? "many" : "few"', 'many'],
    ['upper(inputs.customer) + "-" + string(index)', 'ACME-4'],
    ['join(inputs.tags, "|")', 'a|b'],
    ['[1, 2, 3] == [1, 2, 3]', true],
    ['contains(inputs.tags, "b")', true],
    ['round(item.price * 3.333, 2)', 8.33],
    ['length(range(0, 5))', 5],
    ['inputs.nothing.below', undefined],
    ['sum(pluck(inputs.rows, "n"))', 3],
  ])('%s', (source, expected) => {
    expect(evaluateExpression(source, scope)).toEqual(expected);
  });

  it('templates: a lone expression keeps its type, mixed text becomes a string', () => {
    expect(evaluateTemplate('{{ inputs.quantity }}', scope)).toBe(3);
    expect(evaluateTemplate('{{ inputs.quantity > 1 }}', scope)).toBe(true);
    expect(evaluateTemplate('qty={{ inputs.quantity }} of {{ inputs.customer }}', scope)).toBe(
      'qty=3 of ACME',
    );
    expect(evaluateTemplate('{{ inputs.missing }}!', scope)).toBe('!');
    expect(evaluateTemplate('{{ "}}" }}', scope)).toBe('}}');
    expect(evaluateValue({ a: ['{{ index }}', { b: '{{ vars.page }}' }], c: 1 }, scope)).toEqual({
      a: [4, { b: 2 }],
      c: 1,
    });
  });

  it('reports static references with their leading property names', () => {
    expect(references(parseExpression('inputs.a.b + steps.x-y.output.text + item[inputs.k]'))).toEqual([
      { root: 'inputs', path: ['a', 'b'], column: 1 },
      { root: 'steps', path: ['x-y', 'output', 'text'], column: 14 },
      { root: 'inputs', path: ['k'], column: 43 },
      { root: 'item', path: [], column: 38 },
    ]);
  });

  it.each([
    ['inputs.', 'syntax', 'expected a property name'],
    ['(1 + 2', 'syntax', 'expected ")"'],
    ['1 +', 'syntax', 'unexpected end of expression'],
    ["'open", 'syntax', 'unterminated string'],
    ['a # b', 'syntax', 'unexpected character "#"'],
    ['nosuch(1)', 'undefined', 'unknown function "nosuch"'],
    ['nope', 'undefined', 'unknown variable "nope"'],
    ['"a" < 1', 'type', 'compares two numbers or two strings'],
    ['inputs.tags - 1', 'type', 'expects numbers'],
  ])('rejects %s (%s)', (source, code, message) => {
    const error = catchError(() => evaluateExpression(source, scope));
    expect(error).toBeInstanceOf(ExpressionError);
    expect(error).toMatchObject({ code });
    expect(error.message).toContain(message);
  });
});

describe('expressions: each source is parsed once', () => {
  it('gives the same tree for the same source, evaluated afresh against each scope', () => {
    const source = 'item.price * index';
    const tree = parseExpression(source);
    expect(parseExpression(source)).toBe(tree);
    expect(parseExpression(` ${source}`)).not.toBe(tree);
    expect(evaluateExpression(source, { item: { price: 2 }, index: 3 })).toBe(6);
    expect(evaluateExpression(source, { item: { price: 5 }, index: 2 })).toBe(10);
  });

  it('does not keep a source that fails: it fails the same way every time', () => {
    for (let i = 0; i < 2; i++) expect(() => parseExpression('1 +')).toThrow(ExpressionError);
  });
});

describe('expressions: hostile inputs fail with a clear error, fast', () => {
  const objectProtoBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  afterEach(() => {
    // Nothing may leak onto the shared prototypes.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(objectProtoBefore);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  const hostile: readonly [label: string, source: string, code: string, message: string | RegExp][] = [
    ['prototype access', 'inputs.__proto__', 'forbidden', 'access to "__proto__" is not allowed'],
    [
      'computed prototype access',
      "inputs['__pro' + 'to__']",
      'forbidden',
      'access to "__proto__" is not allowed',
    ],
    ['constructor access', 'inputs.constructor', 'forbidden', 'access to "constructor" is not allowed'],
    ['constructor via string', "'x'.constructor", 'forbidden', 'access to "constructor" is not allowed'],
    [
      'constructor chain to Function',
      "inputs.tags['constructor']['constructor']('return process')()",
      'syntax',
      'only built-in functions can be called',
    ],
    ['prototype of a function', 'upper.prototype', 'undefined', 'unknown variable "upper"'],
    ['process', 'process.env', 'undefined', 'unknown variable "process"'],
    [
      'process.mainModule',
      "process['mainModule'].require('fs')",
      'syntax',
      'only built-in functions can be called',
    ],
    ['require', "require('child_process')", 'undefined', 'unknown function "require"'],
    ['globalThis', 'globalThis.process', 'undefined', 'unknown variable "globalThis"'],
    ['this', 'this.constructor', 'forbidden', '"this" is not part of the expression language'],
    ['eval', "eval('1')", 'undefined', 'unknown function "eval"'],
    ['Function', "Function('return 1')", 'undefined', 'unknown function "Function"'],
    ['new', 'new Date()', 'forbidden', '"new" is not part of the expression language'],
    [
      'function definitions (JSONata style recursion)',
      '$f := function(){ $f() }',
      'forbidden',
      'assignment is not allowed',
    ],
    ['function keyword', 'function(){ return 1 }', 'syntax', 'unexpected character "{"'],
    ['function keyword alone', 'function', 'forbidden', '"function" is not part of the expression language'],
    ['assignment', 'inputs.customer = 1', 'forbidden', 'assignment is not allowed'],
    [
      'prototype pollution by assignment',
      "inputs['__proto__'].polluted = 1",
      'forbidden',
      'assignment is not allowed',
    ],
    ['template literal', '`${process}`', 'syntax', 'unexpected character "`"'],
    [
      'huge string by joining',
      `join([${Array.from({ length: 30 }, () => 'join(range(0, 99999))').join(', ')}])`,
      'limit',
      /longer than|evaluation steps/,
    ],
    [
      'huge string by concatenation',
      `${Array.from({ length: 12 }, () => 'join(range(0, 99999), "xxxxxxxxxxxxxxxx")').join(' + ')}`,
      'limit',
      /longer than|evaluation steps/,
    ],
    ['huge string by padding', "padStart('x', 1000000000)", 'limit', 'string longer than 1000000'],
    ['huge array', 'range(0, 1000000000)', 'limit', 'array longer than 100000'],
    [
      'huge concat',
      `concat(${Array.from({ length: 20 }, () => 'range(0, 99999)').join(', ')})`,
      'limit',
      /array longer than 100000|evaluation steps/,
    ],
    ['deep nesting', `${'('.repeat(200)}1${')'.repeat(200)}`, 'limit', 'nested deeper than 32'],
    ['long expression', `1${' + 1'.repeat(2000)}`, 'limit', 'longer than 4000 characters'],
    [
      'many steps',
      Array.from({ length: 100 }, () => 'length(range(0, 9999))').join(' + '),
      'limit',
      /evaluation steps/,
    ],
  ];

  it.each(hostile)('%s', (_label, source, code, message) => {
    const started = performance.now();
    const error = catchError(() => evaluateExpression(source, scope));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(ExpressionError);
    expect(error).toMatchObject({ code });
    if (typeof message === 'string') expect(error.message).toContain(message);
    else expect(error.message).toMatch(message);
  });

  it('ignores inherited properties: only own data is readable', () => {
    const inherited = Object.create({ secret: 'from-proto' }) as Record<string, unknown>;
    expect(evaluateExpression('obj.secret', { obj: inherited })).toBeUndefined();
    expect(evaluateExpression('obj.toString', { obj: {} })).toBeUndefined();
    expect(evaluateExpression('obj.hasOwnProperty', { obj: {} })).toBeUndefined();
    expect(evaluateExpression('obj.map', { obj: [] })).toBeUndefined();
    const getter = {
      get boom(): string {
        throw new Error('getter ran');
      },
    };
    expect(evaluateExpression('obj.boom', { obj: getter })).toBeUndefined();
  });

  it('cannot mutate the scope', () => {
    const data = { list: [3, 1, 2], obj: { a: 1 } };
    const snapshot = JSON.stringify(data);
    for (const source of [
      'slice(data.list, 0, 2)',
      'concat(data.list, [4])',
      'keys(data.obj)',
      'values(data.obj)',
      'pluck([data.obj], "a")',
    ])
      evaluateExpression(source, { data });
    expect(JSON.stringify(data)).toBe(snapshot);
  });

  it('a JSON document with a __proto__ key cannot pollute through templates', () => {
    const doc = JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown;
    expect(() => evaluateValue(doc, scope)).toThrow('key "__proto__" is not allowed');
  });

  it('secrets are read by name only, never enumerated', () => {
    const secrets = new LazyRoot('secrets', (name) => (name === 'pw' ? 'hunter2' : undefined));
    expect(evaluateExpression('secrets.pw', { secrets })).toBe('hunter2');
    expect(() => evaluateExpression('secrets', { secrets })).toThrow('secrets can only be read by name');
    expect(() => evaluateExpression('json(secrets)', { secrets })).toThrow(
      'secrets can only be read by name',
    );
    expect(() => evaluateExpression('keys(secrets)', { secrets })).toThrow(
      'secrets can only be read by name',
    );
  });

  it('has no clock and no randomness', () => {
    for (const source of ['now()', 'random()', 'Date.now()', 'Math.random()']) {
      expect(() => evaluateExpression(source, scope)).toThrow(ExpressionError);
    }
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
