import { ChangeDetectionStrategy, Component, inject, signal, viewChild } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { EMPTY, Subject, auditTime, catchError, filter, merge } from 'rxjs';
import { DeadLettersApi, type DeadLetter } from '../core/dead-letters-api';
import { LiveFeed } from '../core/live-feed';
import { describeError, polled } from '../core/polled';
import { ConfirmDialogComponent } from '../shared/confirm-dialog.component';
import { EmptyStateComponent } from '../shared/empty-state.component';
import { TimeComponent } from '../shared/time.component';
import { JobIdPipe } from '../shared/job-id.pipe';
import { shortJobId } from '../shared/job-id';

/** Jobs whose retries ran out, with why; an operator sends one back after asking. */
@Component({
  selector: 'ae-dead-letters-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ConfirmDialogComponent, EmptyStateComponent, JobIdPipe, RouterLink, TimeComponent],
  template: `
    <h1>Dead letters</h1>
    @if (listed()?.error; as error) {
      <p class="card s-bad" role="alert">
        Could not read the dead letters: {{ error }}. Retrying every 10 s.
      </p>
    }
    @if (listed()?.value; as letters) {
      @if (letters.length === 0) {
        <section class="card">
          <ae-empty title="No dead letter">
            A job lands here when its last retry fails; its error says why, and Requeue sends it back.
          </ae-empty>
        </section>
      } @else {
        <section class="card">
          <table>
            <caption class="visually-hidden">
              Jobs whose retries ran out
            </caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Workflow</th>
                <th scope="col">Attempts</th>
                <th scope="col">Error</th>
                <th scope="col">Dead-lettered</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              @for (letter of letters; track letter.id) {
                <tr [attr.aria-label]="'Dead letter ' + letter.jobId">
                  <td class="mono">
                    <a [routerLink]="['/jobs', letter.jobId]" [title]="letter.jobId">{{
                      letter.jobId | jobId
                    }}</a>
                  </td>
                  <td>{{ letter.workflowId }}</td>
                  <td>{{ letter.attempts }}</td>
                  <td class="s-bad">
                    {{ letter.error.code ? letter.error.code + ': ' : '' }}{{ letter.error.message }}
                  </td>
                  <td><ae-time [at]="letter.deadLetteredAt" /></td>
                  <td><button type="button" (click)="ask(letter)">Requeue</button></td>
                </tr>
              }
            </tbody>
          </table>
        </section>
      }
    } @else if (!listed()?.error) {
      <p class="muted" aria-live="polite">Loading the dead letters…</p>
    }
    @if (outcome(); as o) {
      <p class="card" [class.s-bad]="!o.ok" [attr.role]="o.ok ? 'status' : 'alert'">{{ o.text }}</p>
    }
    <ae-confirm
      [title]="'Requeue job ' + (pending()?.jobId ?? '' | jobId) + '?'"
      message="It runs again with a fresh retry schedule; the steps it completed stay done."
      confirmLabel="Requeue"
      (confirmed)="requeue($event)"
    />
  `,
  styles: `
    .card + .card {
      margin-top: 1rem;
    }
  `,
})
export default class DeadLettersPage {
  private readonly api = inject(DeadLettersApi);
  private readonly requeued = new Subject<void>();
  /**
   * Read again when a job of the tenant is dead-lettered or requeued (by anyone), and every 10 s:
   * the list is the projection's, which may answer a moment before it has the event.
   */
  private readonly changes = merge(
    this.requeued,
    inject(LiveFeed)
      .watch({ channels: ['jobs'] })
      .pipe(
        filter((frame) => frame.event === 'job' && DEAD_LETTER_EVENTS.includes(frame.data.type)),
        auditTime(250),
        catchError(() => EMPTY),
      ),
  );
  protected readonly listed = toSignal(polled(() => this.api.list(), 10_000, this.changes));
  protected readonly pending = signal<DeadLetter | undefined>(undefined);
  protected readonly outcome = signal<{ ok: boolean; text: string } | undefined>(undefined);
  private readonly confirm = viewChild(ConfirmDialogComponent);

  protected ask(letter: DeadLetter): void {
    this.outcome.set(undefined);
    this.pending.set(letter);
    queueMicrotask(() => this.confirm()?.open());
  }

  protected requeue(note: string): void {
    const letter = this.pending();
    if (!letter) return;
    this.api.requeue(letter.id, note || undefined).subscribe({
      next: () => {
        this.outcome.set({ ok: true, text: `Job ${shortJobId(letter.jobId)} requeued.` });
        this.requeued.next();
      },
      error: (error: unknown) =>
        this.outcome.set({ ok: false, text: `Not requeued: ${describeError(error)}` }),
    });
  }
}

const DEAD_LETTER_EVENTS: readonly string[] = ['JobDeadLettered', 'JobRequeued'];
