import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
  linkedSignal,
  signal,
} from '@angular/core';
import { takeUntilDestroyed, toObservable, toSignal } from '@angular/core/rxjs-interop';
import { Router, RouterLink } from '@angular/router';
import { EMPTY, catchError, map, of, scan, startWith, switchMap } from 'rxjs';
import type { JobListItem, JobSortKey, JobsPage as Page } from '@aether/read-api';
import { JobsApi } from '../core/jobs-api';
import { LiveFeed, type LiveState } from '../core/live-feed';
import { describeError } from '../core/polled';
import { EmptyStateComponent } from '../shared/empty-state.component';
import { StatusBadgeComponent } from '../shared/status-badge.component';
import { TimeComponent } from '../shared/time.component';
import { duration } from '../shared/time-format';
import {
  ariaSort,
  filterFromParams,
  filterToParams,
  isFiltered,
  sortBy,
  type JobsFilter,
} from './jobs-filter';
import { JobsFiltersComponent } from './jobs-filters.component';
import { applyJobUpdate, takesNewJobs } from './live-rows';
import { JobIdPipe } from '../shared/job-id.pipe';

interface Loaded {
  readonly page?: Page;
  readonly error?: string;
  readonly loading?: boolean;
}

/** Every job of the tenant, 50 a page, filtered and sorted by the server; the URL holds the view. */
@Component({
  selector: 'ae-jobs-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    EmptyStateComponent,
    JobIdPipe,
    JobsFiltersComponent,
    RouterLink,
    StatusBadgeComponent,
    TimeComponent,
  ],
  templateUrl: './jobs.page.html',
  styleUrl: './jobs.page.css',
})
export default class JobsPage {
  // Query parameters, bound by the router.
  readonly workflowId = input<string>();
  readonly robotId = input<string>();
  readonly status = input<string>();
  readonly from = input<string>();
  readonly to = input<string>();
  readonly sort = input<string>();
  readonly order = input<string>();
  readonly cursor = input<string>();

  private readonly api = inject(JobsApi);
  private readonly router = inject(Router);
  protected readonly live = inject(LiveFeed);
  protected readonly duration = duration;
  protected readonly ariaSort = ariaSort;
  protected readonly liveLabel: Record<LiveState, string> = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    off: 'Not live',
  };

  protected readonly filter = computed(() =>
    filterFromParams({
      workflowId: this.workflowId(),
      robotId: this.robotId(),
      status: this.status(),
      from: this.from(),
      to: this.to(),
      sort: this.sort(),
      order: this.order(),
    }),
  );
  protected readonly filtered = computed(() => isFiltered(this.filter()));
  private readonly request = computed(() => {
    const cursor = this.cursor();
    return { ...filterToParams(this.filter()), ...(cursor ? { cursor } : {}) };
  });
  protected readonly loaded = toSignal(
    toObservable(this.request).pipe(
      switchMap((params) =>
        this.api.page(params).pipe(
          map((page): Loaded => ({ page })),
          catchError((error: unknown) => of<Loaded>({ error: describeError(error) })),
          startWith<Loaded>({ loading: true }),
        ),
      ),
      // While the next page loads, the last one stays (and stays live).
      scan((last: Loaded, next: Loaded) => (next.loading ? { ...last, loading: true } : next), {}),
    ),
    { initialValue: { loading: true } as Loaded },
  );
  /** The rows shown: the page read, then changed in place as updates arrive. */
  protected readonly rows = linkedSignal<readonly JobListItem[]>(() => this.loaded().page?.items ?? []);
  protected readonly nextCursor = computed(() => this.loaded().page?.nextCursor ?? null);
  /** Cursors of the pages before this one (the first page's is undefined), to go back. */
  private readonly previous = signal<(string | undefined)[]>([]);
  protected readonly pageNumber = computed(() => this.previous().length + 1);

  constructor() {
    // Each page read is followed live from the sequence it was read at: rows change in place.
    toObservable(computed(() => this.loaded().page))
      .pipe(
        switchMap((page) =>
          page
            ? this.live.watch({ channels: ['jobs'], since: page.asOf }).pipe(catchError(() => EMPTY))
            : EMPTY,
        ),
        takeUntilDestroyed(),
      )
      .subscribe((frame) => {
        if (frame.event !== 'job') return;
        const view = { filter: this.filter(), takesNew: takesNewJobs(this.filter(), !this.cursor()) };
        this.rows.update((rows) => applyJobUpdate(rows, frame.data, view));
      });
  }

  protected applyFilter(filter: JobsFilter): void {
    this.previous.set([]);
    this.go(filter);
  }

  protected sortBy(key: JobSortKey): void {
    this.applyFilter(sortBy(this.filter(), key));
  }

  protected nextPage(cursor: string): void {
    this.previous.update((stack) => [...stack, this.cursor()]);
    this.go(this.filter(), cursor);
  }

  protected previousPage(): void {
    const stack = this.previous();
    this.previous.set(stack.slice(0, -1));
    this.go(this.filter(), stack.at(-1));
  }

  protected firstPage(): void {
    this.applyFilter(this.filter());
  }

  private go(filter: JobsFilter, cursor?: string): void {
    void this.router.navigate([], {
      queryParams: { ...filterToParams(filter), ...(cursor ? { cursor } : {}) },
    });
  }
}
