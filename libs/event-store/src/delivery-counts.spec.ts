import { DeliveryCounts } from './delivery-counts';

const quiet = () => undefined;

describe('DeliveryCounts', () => {
  it("takes the server's count while it rises", () => {
    const counts = new DeliveryCounts(quiet);
    expect([1, 2, 5].map((delivered) => counts.count(7, delivered, 'job'))).toEqual([1, 2, 5]);
  });

  it('counts a delivery the server counts again from 1 as one more than the highest taken (nats-server#3942)', () => {
    const counts = new DeliveryCounts(quiet);
    counts.count(7, 3, 'job');
    expect(counts.count(7, 1, 'job')).toBe(4);
    // The server's own count goes on from what it counted, past the lost delivery.
    expect(counts.count(7, 5, 'job')).toBe(5);
  });

  it('counts the same count sent twice (a delivery record lost to a SIGKILL, ADR 103) as two deliveries', () => {
    const counts = new DeliveryCounts(quiet);
    counts.count(7, 2, 'job');
    expect(counts.count(7, 2, 'job')).toBe(3);
  });

  it('keeps messages apart by sequence, and a sequence reused for another message apart by its key', () => {
    const counts = new DeliveryCounts(quiet);
    counts.count(7, 3, 'job-a');
    expect(counts.count(8, 1, 'job-a')).toBe(1);
    expect(counts.count(7, 1, 'job-b')).toBe(1);
  });

  it('forgets the message taken longest ago past its size', () => {
    const counts = new DeliveryCounts(quiet, 2);
    counts.count(1, 3, 'a');
    counts.count(2, 3, 'b');
    counts.count(1, 4, 'a'); // taken again: now the latest
    counts.count(3, 1, 'c');
    expect(counts.count(1, 1, 'a')).toBe(5);
    expect(counts.count(2, 1, 'b')).toBe(1); // forgotten
  });

  it('warns with both counts each time, and only when, it counts a delivery higher than the server', () => {
    const warnings: unknown[] = [];
    const counts = new DeliveryCounts((fields, message) => warnings.push({ ...fields, message }));
    counts.count(7, 1, 'job');
    counts.count(7, 2, 'job');
    expect(warnings).toEqual([]);
    counts.count(7, 1, 'job');
    expect(warnings).toEqual([
      {
        seq: 7,
        key: 'job',
        delivery: 3,
        counted: 1,
        message: 'the server counts this delivery lower than one taken before; counted as one more (ADR 117)',
      },
    ]);
  });
});
