import { hearsRobots } from './hearing';

describe('hearsRobots', () => {
  it('hears an idle or keeping-up feed', () => {
    expect(hearsRobots(0, 4)).toBe(true);
    expect(hearsRobots(15, 4)).toBe(true); // less than one pull waiting
    expect(hearsRobots(399, 400)).toBe(true); // less than a heartbeat per robot
  });

  it('does not hear a feed behind by a heartbeat round', () => {
    expect(hearsRobots(400, 400)).toBe(false);
    expect(hearsRobots(16, 4)).toBe(false);
  });

  it('does not hear when its consumer did not answer (no leader)', () => {
    expect(hearsRobots(undefined, 4)).toBe(false);
    expect(hearsRobots(undefined, 0)).toBe(false);
  });
});
