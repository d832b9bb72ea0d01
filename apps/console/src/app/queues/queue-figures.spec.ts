import { openItems, slaText } from './queue-figures';

describe('queue figures', () => {
  it('states the SLA and the share of ended items that met their deadline, rounded down', () => {
    expect(slaText({ slaMs: 3_600_000, sla: { ended: 3, met: 2 } })).toBe(
      '1 h 00 min SLA · 66.6 % met (2 of 3)',
    );
    expect(slaText({ slaMs: 60_000, sla: { ended: 0, met: 0 } })).toBe('1 min 00 s SLA · none ended yet');
    expect(slaText({ slaMs: null, sla: { ended: 0, met: 0 } })).toBe('no SLA');
    // Items may carry their own deadline in a queue without an SLA.
    expect(slaText({ slaMs: null, sla: { ended: 1, met: 1 } })).toBe('no SLA · 100 % met (1 of 1)');
  });

  it('counts new, retried and in-progress items as open', () => {
    const items = { new: 2, 'in-progress': 1, retried: 3, successful: 9, failed: 1, abandoned: 1 };
    expect(openItems({ items })).toBe(6);
  });
});
