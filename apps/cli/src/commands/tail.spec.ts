import { eventsIn } from './tail';

describe('aether tail: one line per event', () => {
  it('prints a single event as stored', () => {
    expect(eventsIn('{"id":"a","type":"JobRequested"}')).toEqual(['{"id":"a","type":"JobRequested"}']);
  });

  it('splits a commit into its events, in order', () => {
    const commit = [
      { id: 'a', type: 'JobStarted' },
      { id: 'b', type: 'JobCompleted' },
    ];
    expect(eventsIn(JSON.stringify(commit))).toEqual([
      '{"id":"a","type":"JobStarted"}',
      '{"id":"b","type":"JobCompleted"}',
    ]);
  });

  it('prints what is not JSON as stored rather than failing', () => {
    expect(eventsIn('[not json')).toEqual(['[not json']);
  });
});
