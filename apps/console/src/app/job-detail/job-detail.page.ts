import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { EMPTY, auditTime, catchError, concat, filter, map, of, switchMap, type Observable } from 'rxjs';
import type { JobHistory } from '@aether/read-api';
import { JobsApi, type JobControl } from '../core/jobs-api';
import { LiveFeed } from '../core/live-feed';
import { describeError } from '../core/polled';
import { ConfirmDialogComponent } from '../shared/confirm-dialog.component';
import { StatusBadgeComponent } from '../shared/status-badge.component';
import { TimeComponent } from '../shared/time.component';
import { duration } from '../shared/time-format';
import { ArtifactComponent } from './artifact.component';
import { buildStory, controlsFor, redacted } from './timeline';
import { JobIdPipe } from '../shared/job-id.pipe';
import { shortJobId } from '../shared/job-id';

interface Loaded {
  readonly history?: JobHistory;
  readonly error?: string;
}

interface Pending {
  readonly action: JobControl;
  readonly title: string;
  readonly message: string;
  readonly confirmLabel: string;
}

/** One job: its event log as a timeline, followed live, and the operator's controls. */
@Component({
  selector: 'ae-job-detail-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    ArtifactComponent,
    ConfirmDialogComponent,
    JobIdPipe,
    RouterLink,
    StatusBadgeComponent,
    TimeComponent,
  ],
  templateUrl: './job-detail.page.html',
  styleUrl: './job-detail.page.css',
})
export default class JobDetailPage {
  /** From the route. */
  readonly jobId = input.required<string>();
  private readonly api = inject(JobsApi);
  protected readonly live = inject(LiveFeed);
  protected readonly duration = duration;
  protected readonly json = (value: unknown) => JSON.stringify(redacted(value), null, 2);

  /** The history now, then again after every live update of this job (the event store is the truth). */
  protected readonly loaded = toSignal(
    toObservable(this.jobId).pipe(
      switchMap((jobId) =>
        this.read(jobId).pipe(
          switchMap((first) =>
            concat(
              of(first),
              first.history
                ? this.live.watch({ jobId, since: first.history.events.at(-1)?.sequence ?? 0 }).pipe(
                    filter((frame) => frame.event === 'job'),
                    auditTime(100),
                    switchMap(() => this.read(jobId)),
                    catchError(() => EMPTY),
                  )
                : EMPTY,
            ),
          ),
        ),
      ),
    ),
  );
  protected readonly story = computed(() => {
    const history = this.loaded()?.history;
    return history ? buildStory(history.events) : undefined;
  });
  protected readonly controls = computed(() => {
    const story = this.story();
    return story ? controlsFor(story) : { cancel: false, resolve: false };
  });
  /** Outputs as name and display text. */
  protected readonly outputList = (outputs: Record<string, unknown>): [string, string][] =>
    Object.entries(redacted(outputs) as Record<string, unknown>).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]);
  protected readonly pending = signal<Pending | undefined>(undefined);
  protected readonly outcome = signal<{ ok: boolean; text: string } | undefined>(undefined);
  private readonly confirm = viewChild(ConfirmDialogComponent);

  protected ask(action: JobControl): void {
    const id = shortJobId(this.jobId());
    const step = this.story()?.attention?.stepKey ?? 'the step';
    const questions: Record<JobControl, Pending> = {
      cancel: {
        action,
        title: `Cancel job ${id}?`,
        message: 'A job waiting for a robot stops at once; a running job stops after its current step.',
        confirmLabel: 'Cancel job',
      },
      'retry-step': {
        action,
        title: `Run ${step} again?`,
        message:
          'Its first run may have had an effect (it started and no outcome was recorded): run it only if that is safe.',
        confirmLabel: 'Retry step',
      },
      'skip-step': {
        action,
        title: `Treat ${step} as done?`,
        message: 'The job continues with the next step, as if this one had completed.',
        confirmLabel: 'Skip step',
      },
      fail: {
        action,
        title: `Fail job ${id}?`,
        message: 'The job ends as failed; it is not retried.',
        confirmLabel: 'Fail job',
      },
    };
    this.outcome.set(undefined);
    this.pending.set(questions[action]);
    queueMicrotask(() => this.confirm()?.open());
  }

  protected send(note: string): void {
    const pending = this.pending();
    if (!pending) return;
    this.api.control(this.jobId(), pending.action, note || undefined).subscribe({
      next: () => this.outcome.set({ ok: true, text: `${pending.confirmLabel}: sent.` }),
      error: (error: unknown) =>
        this.outcome.set({ ok: false, text: `${pending.confirmLabel} refused: ${describeError(error)}` }),
    });
  }

  private read(jobId: string): Observable<Loaded> {
    return this.api.history(jobId).pipe(
      map((history): Loaded => ({ history })),
      catchError((error: unknown) => of<Loaded>({ error: describeError(error) })),
    );
  }
}
