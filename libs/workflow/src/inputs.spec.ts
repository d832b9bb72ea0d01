import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Workflow } from './contract';
import { resolveInputs, validateInputs } from './run-inputs';
import { parseWorkflow } from './validate';

const parsed = parseWorkflow(
  JSON.parse(readFileSync(join(__dirname, '../../../examples/demo-order-entry.workflow.json'), 'utf8')),
);
const demo = (parsed.ok ? parsed.workflow : undefined) as Workflow;
const good = {
  siteUrl: 'http://localhost:4300',
  customer: 'ACME',
  email: 'a@acme.test',
  product: 'widget',
  quantity: 2,
  deliveryDate: '2030-02-28',
  shipping: 'standard',
  giftWrap: false,
};

describe('validateInputs', () => {
  it('accepts good inputs and fills defaults', () => {
    expect(validateInputs(demo, good)).toEqual([]);
    expect(resolveInputs(demo, good)).toEqual({ ok: true, values: { ...good, username: 'demo' } });
  });

  it.each([
    [{ siteUrl: undefined }, 'inputs.siteUrl', 'required'],
    [{ quantity: 2.5 }, 'inputs.quantity', 'expected integer, got a fraction'],
    [{ quantity: '2' }, 'inputs.quantity', 'expected integer, got string'],
    [{ quantity: 0 }, 'inputs.quantity', 'must be >= 1'],
    [{ product: 'spanner' }, 'inputs.product', 'must be one of "widget", "gadget", "gizmo", "doohickey"'],
    [{ deliveryDate: '2030-02-30' }, 'inputs.deliveryDate', 'must be a date as YYYY-MM-DD'],
    [{ deliveryDate: '30/01/2030' }, 'inputs.deliveryDate', 'must be a date as YYYY-MM-DD'],
    [{ email: 'not-an-email' }, 'inputs.email', 'must be an e-mail address'],
    [{ giftWrap: 'yes' }, 'inputs.giftWrap', 'expected boolean, got string'],
    [{ shipping: 'overnight' }, 'inputs.shipping', 'must be one of'],
    [{ surprise: 1 }, 'inputs.surprise', 'unknown input'],
  ])('%j → %s: %s', (change, path, message) => {
    const values: Record<string, unknown> = { ...good, ...change };
    for (const k of Object.keys(values)) if (values[k] === undefined) delete values[k];
    const problems = validateInputs(demo, values);
    expect(problems).toContainEqual({ path, message: expect.stringContaining(message) as unknown });
  });

  it('open: a required input absent is no problem, a wrong or unknown one still is', () => {
    const { siteUrl: _siteUrl, customer: _customer, ...rest } = good;
    expect(validateInputs(demo, rest, 'hook', { open: true })).toEqual([]);
    expect(validateInputs(demo, { quantity: '2', surprise: 1 }, 'hook', { open: true })).toEqual([
      { path: 'hook.quantity', message: 'expected integer, got string' },
      { path: 'hook.surprise', message: 'unknown input' },
    ]);
    expect(validateInputs(demo, rest, 'hook').map((problem) => problem.path)).toEqual([
      'hook.siteUrl',
      'hook.customer',
    ]);
  });

  it('an invalid workflow yields its own problems', () => {
    expect(validateInputs({ id: 'x', nodes: [] } as never, {})).not.toEqual([]);
  });
});
