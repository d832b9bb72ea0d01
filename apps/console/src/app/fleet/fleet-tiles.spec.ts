import type { FleetMetrics } from '@aether/read-api';
import { fleetTiles } from './fleet-tiles';

const fleet = (overrides: Partial<FleetMetrics>): FleetMetrics => ({
  at: '2026-12-06T00:00:00.000Z',
  robots: [],
  robotsByState: { idle: 1, busy: 2, draining: 0, offline: 1 },
  jobsByStatus: {
    pending: 1,
    rejected: 0,
    queued: 3,
    retry_scheduled: 0,
    running: 2,
    needs_attention: 0,
    completed: 40,
    failed: 1,
    cancelled: 0,
  },
  queueDepth: [
    { band: 'high', jobs: 1 },
    { band: 'normal', jobs: 3 },
    { band: 'low', jobs: 0 },
  ],
  deadLetters: 0,
  needsAttention: 0,
  activeJobs: [],
  queueDepthHistory: [],
  ...overrides,
});

describe('fleet tiles', () => {
  it('adds up robots online and jobs waiting in every band', () => {
    const tiles = Object.fromEntries(fleetTiles(fleet({})).map((tile) => [tile.label, tile]));
    expect(tiles['Robots online']).toMatchObject({ value: 3, tone: 'ok', hint: '2 busy · 1 offline' });
    expect(tiles['Waiting jobs']?.value).toBe(4);
    expect(tiles['Needs attention']?.tone).toBe('idle');
  });

  it('raises the tiles that need a person only when they are non-zero', () => {
    const tiles = Object.fromEntries(
      fleetTiles(
        fleet({
          needsAttention: 2,
          deadLetters: 1,
          robotsByState: { idle: 0, busy: 0, draining: 0, offline: 2 },
        }),
      ).map((tile) => [tile.label, tile.tone]),
    );
    expect(tiles).toMatchObject({ 'Needs attention': 'warn', 'Dead letters': 'bad', 'Robots online': 'bad' });
  });
});
