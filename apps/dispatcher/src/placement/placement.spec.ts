import type { RobotCapabilities } from '@aether/contracts';
import { JobQueue } from './job-queue';
import {
  effectivePriority,
  isCapable,
  mergePlacement,
  pickRobot,
  requirementsOf,
  type Candidate,
} from './placement';

const caps = (over: Partial<RobotCapabilities> = {}): RobotCapabilities => ({
  platform: 'linux',
  browsers: ['chromium'],
  desktop: false,
  maxConcurrentJobs: 1,
  cores: 2,
  memoryMb: 4096,
  tags: [],
  ...over,
});
const robot = (over: Partial<RobotCapabilities> = {}) => ({
  tenantId: 'default',
  pool: 'default',
  capabilities: caps(over),
});
const candidate = (robotId: string, over: Partial<Candidate> = {}): Candidate => ({
  robotId,
  capabilities: caps(),
  inFlight: 0,
  lastPlacedAt: 0,
  ...over,
});

describe('hard constraints', () => {
  const needs = (placement = {}, workflow = { browser: false, desktop: false }) =>
    requirementsOf('default', mergePlacement(undefined, placement), workflow);

  it('matches platform, tags, desktop and browsers, and derives browser/desktop needs from the workflow', () => {
    expect(isCapable(robot(), needs())).toBe(true);
    expect(isCapable(robot(), needs({ requires: { platform: 'windows' } }))).toBe(false);
    expect(isCapable(robot({ tags: ['sap', 'eu'] }), needs({ requires: { tags: ['sap'] } }))).toBe(true);
    expect(isCapable(robot({ tags: ['eu'] }), needs({ requires: { tags: ['sap'] } }))).toBe(false);
    expect(isCapable(robot(), needs({}, { browser: false, desktop: true }))).toBe(false);
    expect(isCapable(robot({ desktop: true }), needs({}, { browser: false, desktop: true }))).toBe(true);
    expect(isCapable(robot({ browsers: [] }), needs({}, { browser: true, desktop: false }))).toBe(false);
    expect(isCapable({ ...robot(), tenantId: 'other' }, needs())).toBe(false);
  });

  it('lets the job override its workflow policy field by field', () => {
    const merged = mergePlacement(
      { requires: { platform: 'windows', tags: ['sap'] }, prefers: { tags: ['fast'] } },
      { requires: { tags: ['eu'] } },
    );
    expect(merged).toEqual({ requires: { platform: 'windows', tags: ['eu'] }, prefers: { tags: ['fast'] } });
  });
});

describe('soft scoring', () => {
  it('prefers the soft-affinity robot, then preferred tags, then the less loaded, then the longest idle', () => {
    const a = candidate('a', { lastPlacedAt: 5 });
    const b = candidate('b', { lastPlacedAt: 1 });
    expect(pickRobot([a, b], {})?.robotId).toBe('b');
    expect(pickRobot([a, b], { affinity: { kind: 'soft', robotId: 'a' } })?.robotId).toBe('a');
    const tagged = candidate('t', { capabilities: caps({ tags: ['fast'] }), lastPlacedAt: 9 });
    expect(pickRobot([a, b, tagged], { prefers: { tags: ['fast'] } })?.robotId).toBe('t');
    const busy = candidate('busy', { capabilities: caps({ maxConcurrentJobs: 4 }), inFlight: 3 });
    const idle = candidate('idle', {
      capabilities: caps({ maxConcurrentJobs: 4 }),
      inFlight: 0,
      lastPlacedAt: 99,
    });
    expect(pickRobot([busy, idle], {})?.robotId).toBe('idle');
  });
});

describe('priority with aging', () => {
  it('adds one level per aging interval waited', () => {
    expect(effectivePriority(0, 0, 1000)).toBe(0);
    expect(effectivePriority(0, 20_500, 1000)).toBe(20);
  });

  it('yields urgent jobs first, then higher effective priority, oldest first among equals', () => {
    const queue = new JobQueue<{ key: string; priority: number; enqueuedAt: number }>();
    queue.add({ key: 'low-old', priority: 1, enqueuedAt: 0 });
    queue.add({ key: 'high', priority: 20, enqueuedAt: 100 });
    queue.add({ key: 'mid-a', priority: 10, enqueuedAt: 50 });
    queue.add({ key: 'mid-b', priority: 10, enqueuedAt: 60 });
    queue.add({ key: 'failed-over', priority: 0, enqueuedAt: 200 }, { urgent: true });
    const order = (now: number, agingMs: number) => [...queue.inOrder(now, agingMs)].map((job) => job.key);

    expect(order(100, 60_000)).toEqual(['failed-over', 'high', 'mid-a', 'mid-b', 'low-old']);
    // after 20 aging intervals the priority-1 job outranks a fresh priority-20 one
    queue.add({ key: 'fresh-high', priority: 20, enqueuedAt: 20_000 });
    const aged = order(20_000, 1_000);
    expect(aged.indexOf('low-old')).toBeLessThan(aged.indexOf('fresh-high'));
    queue.remove('fresh-high');
    queue.remove('high');
    expect(queue.size).toBe(4);
    expect(queue.has('high')).toBe(false);
  });
});
