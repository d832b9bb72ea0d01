import {
  STATUS_OPTIONS,
  ariaSort,
  filterFromParams,
  filterToParams,
  isFiltered,
  isoToLocalInput,
  localInputToIso,
  sortBy,
} from './jobs-filter';

describe('the Jobs page filter', () => {
  it('reads the URL, dropping what is unknown or malformed', () => {
    expect(
      filterFromParams({
        workflowId: ' hello-order ',
        robotId: '',
        status: 'running',
        from: '2026-12-06T08:00:00+01:00',
        to: 'yesterday',
        sort: 'priority',
      }),
    ).toEqual({
      workflowId: 'hello-order',
      status: 'running',
      from: '2026-12-06T07:00:00.000Z',
      sort: 'priority',
      order: 'desc',
    });
    expect(filterFromParams({ status: 'exploded', sort: 'color', order: 'sideways' })).toEqual({
      sort: 'requestedAt',
      order: 'desc',
    });
  });

  it('writes back the same parameters it reads, leaving the default sort out', () => {
    const params = {
      workflowId: 'wf',
      status: 'failed',
      to: '2026-12-06T07:00:00.000Z',
      sort: 'status',
      order: 'desc',
    };
    expect(filterToParams(filterFromParams(params))).toEqual(params);
    expect(filterToParams(filterFromParams({}))).toEqual({});
  });

  it('knows a sort alone is not a filter', () => {
    expect(isFiltered(filterFromParams({ sort: 'priority' }))).toBe(false);
    expect(isFiltered(filterFromParams({ robotId: 'robot-1' }))).toBe(true);
  });

  it('flips the order of the sorted column and starts another at its natural order', () => {
    const byTime = filterFromParams({});
    expect(ariaSort(byTime, 'requestedAt')).toBe('descending');
    expect(sortBy(byTime, 'requestedAt')).toMatchObject({ sort: 'requestedAt', order: 'asc' });
    const byWorkflow = sortBy(byTime, 'workflowId');
    expect(byWorkflow).toMatchObject({ sort: 'workflowId', order: 'asc' });
    expect(ariaSort(byWorkflow, 'workflowId')).toBe('ascending');
    expect(ariaSort(byWorkflow, 'priority')).toBe('none');
    expect(sortBy(byWorkflow, 'priority')).toMatchObject({ sort: 'priority', order: 'desc' });
  });

  it("turns the time inputs (the viewer's zone) into instants and back", () => {
    const iso = localInputToIso('2026-12-06T09:30');
    expect(iso).toBe(new Date(2026, 11, 6, 9, 30).toISOString());
    expect(isoToLocalInput(iso)).toBe('2026-12-06T09:30');
    expect(localInputToIso('')).toBeUndefined();
    expect(localInputToIso('06/12/2026 09:30')).toBeUndefined();
    expect(isoToLocalInput(undefined)).toBe('');
  });

  it('offers every status once', () => {
    expect(new Set(STATUS_OPTIONS).size).toBe(9);
  });
});
