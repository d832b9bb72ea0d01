import { mirrorStuck } from './kv-mirror';

describe('mirrorStuck', () => {
  it('needs a previous check', () => {
    expect(mirrorStuck(undefined, { applied: 1, last: 9 })).toBe(false);
  });

  it('is stuck when a whole check later it still lacks what the bucket held before', () => {
    expect(mirrorStuck({ applied: 1, last: 9 }, { applied: 1, last: 12 })).toBe(true);
    expect(mirrorStuck({ applied: 1, last: 9 }, { applied: 8, last: 12 })).toBe(true);
  });

  it('is not stuck when it caught up with the previous check, even if the bucket moved on since', () => {
    expect(mirrorStuck({ applied: 1, last: 9 }, { applied: 9, last: 12 })).toBe(false);
    expect(mirrorStuck({ applied: 9, last: 9 }, { applied: 9, last: 9 })).toBe(false);
  });
});
