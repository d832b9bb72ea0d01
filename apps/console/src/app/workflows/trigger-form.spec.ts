import { inputFields, variablesFrom } from './trigger-form';

const inputs = {
  siteUrl: { type: 'string', required: true, format: 'uri' },
  quantity: { type: 'integer', required: true, minimum: 1 },
  product: { type: 'string', required: true, enum: ['widget', 'gizmo'] },
  giftWrap: { type: 'boolean', default: false },
  username: { type: 'string', default: 'demo' },
  tags: { type: 'array' },
  notes: { type: 'string' },
} as const;

describe('the trigger form', () => {
  it('makes a field per input, of the kind its type and format call for, required ones first', () => {
    expect(inputFields(inputs).map((f) => [f.name, f.kind, f.required, f.initial])).toEqual([
      ['product', 'select', true, ''],
      ['quantity', 'number', true, ''],
      ['siteUrl', 'url', true, ''],
      ['giftWrap', 'checkbox', false, 'false'],
      ['notes', 'text', false, ''],
      ['tags', 'json', false, ''],
      ['username', 'text', false, 'demo'],
    ]);
    expect(inputFields(undefined)).toEqual([]);
  });

  it('types the variables as declared and leaves empty optional ones to their default', () => {
    const fields = inputFields(inputs);
    expect(
      variablesFrom(fields, {
        siteUrl: 'http://x',
        quantity: '3',
        product: 'gizmo',
        giftWrap: 'true',
        tags: '["a"]',
      }),
    ).toEqual({
      variables: {
        siteUrl: 'http://x',
        quantity: 3,
        product: 'gizmo',
        giftWrap: true,
        username: 'demo',
        tags: ['a'],
      },
      problems: {},
    });
  });

  it('names every problem by field', () => {
    expect(variablesFrom(inputFields(inputs), { quantity: '2.5', tags: '{"a":1}' }).problems).toEqual({
      product: 'required',
      quantity: 'a whole number',
      siteUrl: 'required',
      tags: 'JSON array',
    });
  });
});
