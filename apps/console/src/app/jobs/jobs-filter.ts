import type { JobSortKey, JobStatus } from '@aether/read-api';

/** Every job status with the words the console uses; typed by the API, so a new status must be named here. */
export const STATUS_LABELS: Readonly<Record<JobStatus, string>> = {
  pending: 'Pending',
  queued: 'Queued',
  running: 'Running',
  retry_scheduled: 'Retry scheduled',
  needs_attention: 'Needs attention',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  rejected: 'Rejected',
};
export const STATUS_OPTIONS = Object.keys(STATUS_LABELS) as JobStatus[];

export type SortOrder = 'asc' | 'desc';

/**
 * What the Jobs page lists, as the URL holds it (so a link, a reload and the back button keep
 * it): the API's query words, the time range as ISO instants.
 */
export interface JobsFilter {
  readonly workflowId?: string;
  readonly robotId?: string;
  readonly status?: JobStatus;
  /** Requested at or after (ISO, UTC). */
  readonly from?: string;
  /** Requested before (ISO, UTC). */
  readonly to?: string;
  readonly sort: JobSortKey;
  readonly order: SortOrder;
}

const SORT_KEYS: readonly JobSortKey[] = ['requestedAt', 'priority', 'workflowId', 'status'];
/** Where a column starts when first clicked: newest, highest priority, A→Z. */
const FIRST_ORDER: Readonly<Record<JobSortKey, SortOrder>> = {
  requestedAt: 'desc',
  priority: 'desc',
  workflowId: 'asc',
  status: 'asc',
};

/** The filter in URL query parameters; anything unknown or malformed is dropped, not trusted. */
export function filterFromParams(params: Readonly<Record<string, string | undefined>>): JobsFilter {
  const text = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  const instant = (value: string | undefined) =>
    value && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : undefined;
  const sort = SORT_KEYS.find((key) => key === params['sort']) ?? 'requestedAt';
  const order = params['order'] === 'asc' || params['order'] === 'desc' ? params['order'] : FIRST_ORDER[sort];
  const status = STATUS_OPTIONS.find((s) => s === params['status']);
  return {
    ...(text(params['workflowId']) ? { workflowId: text(params['workflowId']) } : {}),
    ...(text(params['robotId']) ? { robotId: text(params['robotId']) } : {}),
    ...(status ? { status } : {}),
    ...(instant(params['from']) ? { from: instant(params['from']) } : {}),
    ...(instant(params['to']) ? { to: instant(params['to']) } : {}),
    sort,
    order,
  };
}

/** The filter as query parameters, for the URL and the API alike; the default sort is left out. */
export function filterToParams(filter: JobsFilter): Record<string, string> {
  const params: Record<string, string> = {};
  for (const key of ['workflowId', 'robotId', 'status', 'from', 'to'] as const) {
    const value = filter[key];
    if (value) params[key] = value;
  }
  if (filter.sort !== 'requestedAt' || filter.order !== 'desc') {
    params['sort'] = filter.sort;
    params['order'] = filter.order;
  }
  return params;
}

/** True when the filter narrows the list (a sort alone does not). */
export function isFiltered(filter: JobsFilter): boolean {
  return Boolean(filter.workflowId || filter.robotId || filter.status || filter.from || filter.to);
}

/** A click on a column header: the same column flips its order, another starts at its natural one. */
export function sortBy(filter: JobsFilter, key: JobSortKey): JobsFilter {
  return {
    ...filter,
    sort: key,
    order: filter.sort === key ? (filter.order === 'asc' ? 'desc' : 'asc') : FIRST_ORDER[key],
  };
}

/** `aria-sort` of a column header. */
export function ariaSort(filter: JobsFilter, key: JobSortKey): 'ascending' | 'descending' | 'none' {
  if (filter.sort !== key) return 'none';
  return filter.order === 'asc' ? 'ascending' : 'descending';
}

/** A `datetime-local` value (the viewer's zone) as an ISO instant; empty or invalid gives undefined. */
export function localInputToIso(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const at = new Date(value); // a date-time without an offset is read in the viewer's zone
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/** An ISO instant as a `datetime-local` value in the viewer's zone, to the minute. */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}
