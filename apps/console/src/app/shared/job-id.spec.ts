import { shortJobId } from './job-id';

describe('a job id in a table cell', () => {
  it("is a UUID's first 8 digits", () => {
    expect(shortJobId('949d3b4d-032a-4b2b-9420-6184b44378c6')).toBe('949d3b4d');
  });

  it('tells the fires of one schedule apart (they differ only at the end)', () => {
    const first = shortJobId('cron-console-every-minute-1796684520000');
    const next = shortJobId('cron-console-every-minute-1796684580000');
    expect(first).toBe('cron-console…6684520000');
    expect(next).not.toBe(first);
  });

  it('tells deliveries of one webhook apart, and keeps a short made id whole', () => {
    const hook = (hash: string) => `hook-PSWBgLnDnJWJLBTOG7xS9w-${hash}`;
    expect(shortJobId(hook('a'.repeat(30) + '0123456789'))).toBe('hook-PSWBgLn…0123456789');
    expect(shortJobId(hook('a'.repeat(30) + '0123456789'))).not.toBe(
      shortJobId(hook('a'.repeat(30) + '9876543210')),
    );
    expect(shortJobId('nightly-2026-12-07')).toBe('nightly-2026-12-07');
  });
});
