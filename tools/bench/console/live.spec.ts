import { liveLatencies, type Appended } from './live';

describe('liveLatencies', () => {
  const appended = (jobId: string, status: Appended['status'], at: number): Appended => ({
    jobId,
    status,
    at,
  });

  it('measures each update from its append to the first frame showing its status', () => {
    const result = liveLatencies(
      [appended('a', 'pending', 1000), appended('a', 'running', 1100), appended('a', 'completed', 1400)],
      [
        ['a', 'pending', 1040],
        ['a', 'running', 1180],
        ['a', 'completed', 1420],
        ['a', 'completed', 1900], // shown again after a re-render: the first frame counts
      ],
    );
    expect(result).toEqual({ latenciesMs: [40, 80, 20], unseen: 0 });
  });

  it('counts an update painted in the same frame as a later one as shown in that frame', () => {
    const result = liveLatencies(
      [appended('a', 'pending', 1000), appended('a', 'queued', 1010), appended('a', 'running', 1020)],
      [
        ['a', 'pending', 1030],
        ['a', 'running', 1050],
      ],
    );
    expect(result).toEqual({ latenciesMs: [30, 40, 30], unseen: 0 });
  });

  it('returns the updates of rows never shown apart', () => {
    const result = liveLatencies(
      [appended('a', 'pending', 1000), appended('b', 'pending', 1000), appended('a', 'completed', 2000)],
      [['a', 'pending', 1016]],
    );
    expect(result).toEqual({ latenciesMs: [16], unseen: 2 });
  });
});
