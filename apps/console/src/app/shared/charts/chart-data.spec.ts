import { queueDepthBars } from './chart-data';

describe('chart adapters', () => {
  it('turns queue depth per band into labelled bars, in the order given', () => {
    expect(
      queueDepthBars([
        { band: 'high', jobs: 2 },
        { band: 'normal', jobs: 0 },
        { band: 'low', jobs: 7 },
      ]),
    ).toEqual([
      { name: 'High priority', value: 2 },
      { name: 'Normal priority', value: 0 },
      { name: 'Low priority', value: 7 },
    ]);
  });
});
