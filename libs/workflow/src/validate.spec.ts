import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from './contract';
import { parseWorkflowText } from './text';
import { parseWorkflow } from './validate';

type Doc = Record<string, unknown> & { nodes: Record<string, unknown>[] };

/** A small valid workflow; each case below breaks it in one way. */
function base(): Doc {
  return {
    id: 'orders',
    version: 1,
    inputs: { customer: { type: 'string', required: true }, rows: { type: 'array', default: [] } },
    variables: { count: 0 },
    outputs: { confirmation: '{{ steps.read.output.text }}' },
    nodes: [
      {
        id: 'open',
        type: 'browser.goto',
        params: { url: 'https://shop.test/{{ inputs.customer }}' },
        next: 'fill',
      },
      {
        id: 'fill',
        type: 'browser.fill',
        params: { selector: '#customer', value: '{{ inputs.customer }}' },
        next: 'read',
      },
      { id: 'read', type: 'browser.extractText', params: { selector: '#confirmation' } },
    ],
  };
}

const withNode =
  (node: Record<string, unknown>, linkFrom = 'read') =>
  (d: Doc) => {
    const from = d.nodes.find((n) => n['id'] === linkFrom);
    if (from) from['next'] = node['id'];
    d.nodes.push(node);
  };
const param = (nodeIndex: number, name: string, value: unknown) => (d: Doc) => {
  (d.nodes[nodeIndex]['params'] as Record<string, unknown>)[name] = value;
};

const cases: readonly [name: string, mutate: (d: Doc) => void, path: string, message: string | RegExp][] = [
  ['not an object at all', (d) => Object.keys(d).forEach((k) => delete d[k]), 'id', 'required'],
  ['version not an integer', (d) => (d['version'] = 1.5), 'version', 'expected int'],
  ['bad workflow id', (d) => (d['id'] = 'has space'), 'id', 'must start with a letter'],
  ['unknown top-level field', (d) => (d['nodez'] = []), 'nodez', 'unknown field'],
  ['no nodes', (d) => (d.nodes = []), 'nodes', 'at least one node'],
  ['node without id', (d) => delete d.nodes[2]['id'], 'nodes[2].id', 'required'],
  [
    'unknown node type',
    (d) => (d.nodes[1]['type'] = 'browser.fil'),
    'nodes[1].type',
    'unknown node type "browser.fil" (did you mean "browser.fill"?)',
  ],
  ['unknown node field', (d) => (d.nodes[0]['nxt'] = 'fill'), 'nodes[0].nxt', 'unknown field'],
  [
    'missing param',
    (d) => delete (d.nodes[1]['params'] as Record<string, unknown>)['selector'],
    'nodes[1].params.selector',
    'required',
  ],
  ['mistyped param', param(1, 'value', 42), 'nodes[1].params.value', 'expected string, received number'],
  ['unknown param', param(1, 'selecter', '#x'), 'nodes[1].params.selecter', 'unknown param'],
  ['enum param', param(0, 'waitUntil', 'sometime'), 'nodes[0].params.waitUntil', 'expected one of'],
  [
    'mistyped nested param',
    withNode({ id: 'drag', type: 'desktop.drag', params: { from: { x: 1, y: 'two' }, to: { x: 1, y: 2 } } }),
    'nodes[3].params.from.y',
    'expected number',
  ],
  [
    'exclusive params',
    withNode({ id: 'pick', type: 'browser.select', params: { selector: '#p', value: 'a', label: 'A' } }),
    'nodes[3].params',
    'exactly one of value, label',
  ],
  [
    'duplicate node id',
    (d) => (d.nodes[2]['id'] = 'fill'),
    'nodes[2].id',
    'duplicate node id "fill" (also nodes[1])',
  ],
  ['dangling next', (d) => (d.nodes[2]['next'] = 'nowhere'), 'nodes[2].next', 'unknown node "nowhere"'],
  ['dangling onError', (d) => (d.nodes[0]['onError'] = 'ghost'), 'nodes[0].onError', 'unknown node "ghost"'],
  ['unknown start', (d) => (d['start'] = 'begin'), 'start', 'unknown node "begin"'],
  [
    'unreachable node',
    (d) => d.nodes.push({ id: 'orphan', type: 'browser.screenshot' }),
    'nodes[3]',
    'node "orphan" is unreachable',
  ],
  [
    'cycle not made by a loop',
    (d) => (d.nodes[2]['next'] = 'open'),
    'nodes[2].next',
    'cycle open → fill → read → open is not made by a loop node',
  ],
  ['self loop', (d) => (d.nodes[2]['next'] = 'read'), 'nodes[2].next', 'cycle read → read'],
  [
    'duplicate edge (two branches to one block)',
    (d) => {
      withNode({
        id: 'check',
        type: 'if',
        params: { condition: 'true' },
        branches: { then: 'x', else: 'x' },
      })(d);
      d.nodes.push({ id: 'x', type: 'browser.screenshot' });
    },
    'nodes[3].branches.else',
    'duplicate edge to "x"',
  ],
  [
    'edge leaving its block',
    (d) => {
      withNode({ id: 'loop', type: 'forEach', params: { items: 'inputs.rows' }, body: 'inner' })(d);
      d.nodes.push({ id: 'inner', type: 'browser.click', params: { selector: '#a' }, next: 'fill' });
    },
    'nodes[3].body',
    'reached from two blocks',
  ],
  [
    'if with an unknown branch name',
    withNode({ id: 'check', type: 'if', params: { condition: 'true' }, branches: { maybe: 'read' } }),
    'nodes[3].branches.maybe',
    'only "then" and "else"',
  ],
  [
    'forEach without body',
    withNode({ id: 'loop', type: 'forEach', params: { items: 'inputs.rows' } }),
    'nodes[3].body',
    'required',
  ],
  [
    'body on a non-block node',
    (d) => (d.nodes[2]['body'] = 'open'),
    'nodes[2].body',
    'browser.extractText has no body',
  ],
  [
    'while without maxIterations',
    withNode({ id: 'poll', type: 'while', params: { condition: 'true' }, body: 'p1' }),
    'nodes[3].params.maxIterations',
    'required',
  ],
  [
    'try without catch or finally',
    withNode({ id: 'guard', type: 'try', body: 'x' }),
    'nodes[3]',
    'a try needs a catch or a finally',
  ],
  [
    'undefined input variable',
    param(1, 'value', '{{ inputs.custmer }}'),
    'nodes[1].params.value',
    'undefined variable inputs.custmer (did you mean "customer"?)',
  ],
  [
    'undefined root variable',
    param(1, 'value', '{{ customer }}'),
    'nodes[1].params.value',
    'undefined variable "customer"',
  ],
  [
    'undefined vars variable',
    param(1, 'value', '{{ vars.total }}'),
    'nodes[1].params.value',
    'undefined variable vars.total',
  ],
  [
    'reference to a missing step',
    param(1, 'value', '{{ steps.nope.output.text }}'),
    'nodes[1].params.value',
    'no node "nope"',
  ],
  [
    'reference to a missing output field',
    (d) => (d['outputs'] = { c: '{{ steps.read.output.txt }}' }),
    'outputs.c',
    'browser.extractText outputs text (did you mean "text"?)',
  ],
  [
    'step reference into another block',
    (d) => {
      withNode({ id: 'loop', type: 'forEach', params: { items: 'inputs.rows' }, body: 'inner' })(d);
      d.nodes.push({ id: 'inner', type: 'browser.extractText', params: { selector: '#a' } });
      d['outputs'] = { c: '{{ steps.inner.output.text }}' };
    },
    'outputs.c',
    'steps.inner is not visible here',
  ],
  [
    'loop variable outside its loop',
    param(1, 'value', '{{ item.name }}'),
    'nodes[1].params.value',
    'undefined variable "item"',
  ],
  [
    'bad expression syntax',
    param(1, 'value', '{{ inputs.customer + }}'),
    'nodes[1].params.value',
    'bad expression at column 22: unexpected end of expression',
  ],
  ['unclosed template', param(1, 'value', '{{ inputs.customer'), 'nodes[1].params.value', 'unclosed "{{"'],
  [
    'unknown function',
    param(1, 'value', '{{ eval(inputs.customer) }}'),
    'nodes[1].params.value',
    'unknown function "eval"',
  ],
  [
    'forbidden property in an expression',
    param(1, 'value', '{{ inputs.constructor }}'),
    'nodes[1].params.value',
    /undefined variable inputs.constructor/,
  ],
  [
    'prototype key in the document',
    (d) =>
      (d.nodes[1]['params'] = JSON.parse(
        '{"selector":"#a","value":"x","__proto__":{"polluted":1}}',
      ) as unknown),
    'nodes[1].params.__proto__',
    'the key "__proto__" is not allowed',
  ],
  [
    'secret in an output',
    (d) => (d['outputs'] = { leak: '{{ secrets.apiKey }}' }),
    'outputs.leak',
    'secrets cannot be used here',
  ],
  [
    'secret in a flow decision',
    withNode({
      id: 'check',
      type: 'if',
      params: { condition: "secrets.mode == 'x'" },
      branches: { then: 'x' },
    }),
    'nodes[3].params.condition',
    'must not depend on a secret',
  ],
  [
    'bad expression in a condition',
    withNode({
      id: 'check',
      type: 'if',
      params: { condition: 'inputs.customer ==' },
      branches: { then: 'x' },
    }),
    'nodes[3].params.condition',
    'bad expression',
  ],
  [
    'untrusted evaluate',
    withNode({ id: 'js', type: 'browser.evaluate', params: { script: 'document.title' } }),
    'nodes[3].type',
    'only allowed in workflows with "trusted": true',
  ],
  [
    'absolute file path',
    withNode({ id: 'save', type: 'file.write', params: { path: '/etc/passwd', content: 'x' } }),
    'nodes[3].params.path',
    'relative to the allowed folder',
  ],
  [
    'parent directory in a file path',
    withNode({ id: 'load', type: 'file.read', params: { path: 'data/../../secrets.txt' } }),
    'nodes[3].params.path',
    'relative to the allowed folder',
  ],
  [
    'templated path that climbs out',
    withNode({ id: 'load', type: 'file.read', params: { path: '../{{ inputs.customer }}.csv' } }),
    'nodes[3].params.path',
    'relative to the allowed folder',
  ],
  [
    'Windows drive path',
    withNode({ id: 'up', type: 'browser.upload', params: { selector: '#f', file: 'C:\\temp\\a.pdf' } }),
    'nodes[3].params.file',
    'relative to the allowed folder',
  ],
  [
    'input default of the wrong type',
    (d) => (d['inputs'] = { n: { type: 'integer', default: 'ten' } }),
    'inputs.n.default',
    'expected integer, got string',
  ],
  [
    'input of an unknown type',
    (d) => (d['inputs'] = { n: { type: 'date' } }),
    'inputs.n.type',
    'expected one of',
  ],
  [
    'unknown subflow',
    withNode({ id: 'sub', type: 'subflow', params: { workflowId: 'missing' } }),
    'nodes[3].params.workflowId',
    'unknown subflow "missing"',
  ],
  [
    'subflow input not declared',
    (d) => {
      d['subflows'] = [
        {
          id: 'login',
          inputs: { user: { type: 'string', required: true } },
          nodes: [{ id: 'a', type: 'browser.goto', params: { url: 'https://x.test' } }],
        },
      ];
      withNode({ id: 'sub', type: 'subflow', params: { workflowId: 'login', inputs: { usr: 'x' } } })(d);
    },
    'nodes[3].params.inputs.usr',
    'subflow "login" has no input "usr" (did you mean "user"?)',
  ],
  [
    'subflow recursion without bound',
    (d) => {
      d['subflows'] = [
        { id: 'a', nodes: [{ id: 'call-b', type: 'subflow', params: { workflowId: 'b' } }] },
        { id: 'b', nodes: [{ id: 'call-a', type: 'subflow', params: { workflowId: 'a' } }] },
      ];
      withNode({ id: 'sub', type: 'subflow', params: { workflowId: 'a' } })(d);
    },
    'subflows[0].nodes[0].params.maxDepth',
    'recursive subflow call a → b → a needs a maxDepth bound',
  ],
  [
    'problem inside a subflow',
    (d) => (d['subflows'] = [{ id: 's', nodes: [{ id: 'x', type: 'browser.click', params: {} }] }]),
    'subflows[0].nodes[0].params.selector',
    'required',
  ],
  [
    'retry policy without attempts',
    (d) => (d.nodes[0]['retry'] = { backoffMs: 100 }),
    'nodes[0].retry.attempts',
    'required',
  ],
  [
    'negative timeout',
    (d) => (d.nodes[0]['timeoutMs'] = -5),
    'nodes[0].timeoutMs',
    'expected number to be >=1',
  ],
];

describe('parseWorkflow: every problem with its path', () => {
  it('accepts the base workflow and the demo', () => {
    expect(parseWorkflow(base())).toMatchObject({ ok: true });
    const demo = readFileSync(join(__dirname, '../../../examples/demo-order-entry.workflow.json'), 'utf8');
    expect(parseWorkflowText(demo)).toMatchObject({ ok: true });
  });

  it('accepts the example in the README', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(parseWorkflowText(yaml, 'yaml')).toMatchObject({ ok: true, workflow: { id: 'invoice-export' } });
  });

  it(`has at least 30 invalid cases (${cases.length})`, () =>
    expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases)('%s → %s', (_name, mutate, path, message) => {
    const doc = base();
    mutate(doc);
    const result = parseWorkflow(doc);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    const match = problems.find(
      (p) =>
        p.path === path &&
        (typeof message === 'string' ? p.message.includes(message) : message.test(p.message)),
    );
    if (!match) throw new Error(`no problem "${path}: ${String(message)}" among:\n${format(problems)}`);
  });

  it('reports every problem at once, not just the first', () => {
    const doc = base();
    doc.nodes[0]['type'] = 'browser.teleport';
    param(1, 'value', 7)(doc);
    doc.nodes[2]['next'] = 'nowhere';
    doc.nodes.push({ id: 'orphan', type: 'browser.screenshot' });
    doc['outputs'] = { x: '{{ inputs.nope }}' };
    const result = parseWorkflow(doc);
    expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        'nodes[0].type',
        'nodes[1].params.value',
        'nodes[2].next',
        'nodes[3]',
        'outputs.x',
      ]),
    );
  });

  it('never throws, whatever it is given', () => {
    for (const doc of [
      null,
      undefined,
      42,
      'text',
      [],
      [1],
      { nodes: 'x' },
      { nodes: [null, 1, 'a'] },
      { id: 1, version: 'x', nodes: [{ id: {}, type: [] }] },
    ]) {
      expect(parseWorkflow(doc)).toMatchObject({ ok: false });
    }
  });
});

describe('parseWorkflowText', () => {
  it('accepts YAML', () => {
    const yaml = [
      'id: hello',
      'version: 1',
      'nodes:',
      '  - id: open',
      '    type: browser.goto',
      '    params: { url: "https://example.test" }',
    ].join('\n');
    expect(parseWorkflowText(yaml)).toMatchObject({ ok: true, workflow: { id: 'hello' } });
  });

  it('reports syntax errors with line and column', () => {
    expect(parseWorkflowText('{\n  "id": "x",\n  "version": 1,\n  "nodes": [}\n', 'json')).toMatchObject({
      ok: false,
      problems: [{ path: 'line 4, column 13' }],
    });
    expect(parseWorkflowText('id: x\nnodes: [\n', 'yaml')).toMatchObject({
      ok: false,
      problems: [
        expect.objectContaining({ path: expect.stringMatching(/^line \d+, column \d+$/) as unknown }),
      ],
    });
  });

  it('reports duplicate keys JSON.parse would silently drop', () => {
    const result = parseWorkflowText('{"id": "a", "id": "b", "version": 1, "nodes": []}');
    expect(result).toMatchObject({
      ok: false,
      problems: [{ path: 'line 1, column 13', message: 'Map keys must be unique' }],
    });
  });

  it('validates the parsed document with paths', () => {
    expect(parseWorkflowText('id: x\nversion: 1\nnodes:\n  - id: a\n    type: browser.click\n')).toEqual({
      ok: false,
      problems: [{ path: 'nodes[0].params.selector', message: 'required' }],
    });
  });
});

function format(problems: readonly Problem[]): string {
  return problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
}
