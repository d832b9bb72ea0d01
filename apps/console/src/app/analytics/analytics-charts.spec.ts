import type { Analytics } from '@aether/read-api';
import {
  durationLines,
  errorBars,
  healingLines,
  retryLines,
  slowestBars,
  throughputLines,
} from './analytics-charts';

const figures: Analytics = {
  from: '2026-01-01T10:00:00.000Z',
  to: '2026-01-01T12:00:00.000Z',
  bucket: 'hour',
  throughput: [
    { at: '2026-01-01T10:00:00.000Z', completed: 3, failed: 0, cancelled: 0 },
    { at: '2026-01-01T11:00:00.000Z', completed: 1, failed: 1, cancelled: 0 },
  ],
  totals: { completed: 4, failed: 1, cancelled: 0, rejected: 0, successRate: 0.8 },
  durations: [
    {
      workflowId: 'slow',
      jobs: 2,
      p50Ms: 8_000,
      p90Ms: 9_050,
      p99Ms: 9_100,
      series: [{ at: '2026-01-01T10:00:00.000Z', p50Ms: 8_000, p90Ms: 8_000, p99Ms: 8_000 }],
    },
    { workflowId: 'fast', jobs: 3, p50Ms: 100, p90Ms: 120, p99Ms: 120, series: [] },
  ],
  errors: [{ nodeType: 'browser.click', errorCode: 'ElementNotFound', failures: 1 }],
  steps: { completed: 4, failed: 1, retries: 2, series: [] },
  healing: [
    { at: '2026-01-01T10:00:00.000Z', heals: 4, applied: 3 },
    { at: '2026-01-01T11:00:00.000Z', heals: 0, applied: 0 },
  ],
};

describe('analytics chart adapters', () => {
  it('turns the figures into the lines and bars the page draws', () => {
    expect(throughputLines(figures).map((line) => [line.name, line.series.map((p) => p.value)])).toEqual([
      ['Completed', [3, 1, 1]], // the last hour's point spans it, to the end of the range
      ['Failed', [0, 1, 1]],
      ['Cancelled', [0, 0, 0]],
    ]);
    expect(slowestBars(figures)).toEqual([
      { name: 'slow', value: 9.1 },
      { name: 'fast', value: 0.1 },
    ]);
    expect(errorBars(figures)).toEqual([{ name: 'browser.click · ElementNotFound', value: 1 }]);
    expect(durationLines(figures, 'slow').map((line) => line.series[0]?.value)).toEqual([8, 8, 8]);
    expect(durationLines(figures, 'nobody')).toEqual([]);
    // A bucket without heals has no rate: a gap, not 0 %.
    expect(healingLines(figures)[0]?.series.map((p) => p.value)).toEqual([75, 75]);
  });

  it('draws retried and failed steps over the whole range, zero where the API listed no bucket', () => {
    const week: Analytics = {
      ...figures,
      steps: { ...figures.steps, series: [{ at: '2026-01-01T11:00:00.000Z', retries: 2, failed: 1 }] },
    };
    const lines = retryLines(week);
    expect(lines.map((line) => [line.name, line.series.map((p) => p.value)])).toEqual([
      ['Retried steps', [0, 2, 2]],
      ['Failed steps', [0, 1, 1]],
    ]);
    expect(lines[0]?.series[0]?.name.toISOString()).toBe('2026-01-01T10:00:00.000Z');
  });
});
