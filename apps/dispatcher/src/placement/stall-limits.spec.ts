import { stallLimits, type NodeP99 } from './stall-limits';

describe('stall limits from measured p99s', () => {
  it('is k × p99 per node, rounded up, never below the floor', () => {
    const measured = new Map<string, Record<string, NodeP99>>([
      ['default/orders', { open: { ms: 2_000.4, steps: 50 }, click: { ms: 40, steps: 50 } }],
      ['acme/invoices', { parse: { ms: 10_000, steps: 20 } }],
    ]);
    expect(stallLimits(measured, { factor: 3, floorMs: 1_000 })).toEqual(
      new Map([
        ['default/orders', { open: 6_002, click: 1_000 }],
        ['acme/invoices', { parse: 30_000 }],
      ]),
    );
  });
});
