import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { switchMap } from 'rxjs';
import { QUEUE_ITEM_STATUSES, type QueueItemsQuery } from '@aether/read-api';
import { polled } from '../core/polled';
import { QueuesApi } from '../core/queues-api';
import { EmptyStateComponent } from '../shared/empty-state.component';
import { StatusBadgeComponent } from '../shared/status-badge.component';
import { TimeComponent } from '../shared/time.component';
import { JobIdPipe } from '../shared/job-id.pipe';

/** The filter's choices: every status, and the two deadline flags. */
const SHOWS = [
  { value: '', label: 'All items' },
  ...QUEUE_ITEM_STATUSES.map((status) => ({ value: status, label: status.replace('-', ' ') })),
  { value: 'at-risk', label: 'Deadline at risk' },
  { value: 'missed', label: 'Deadline missed' },
];

/** One queue's latest items (newest first, 50), by status or deadline flag. */
@Component({
  selector: 'ae-queue-items',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [EmptyStateComponent, JobIdPipe, RouterLink, StatusBadgeComponent, TimeComponent],
  template: `
    <section class="card" [attr.aria-label]="'Items of ' + queue()">
      <div class="head">
        <h2>Items of {{ queue() }}</h2>
        <label>
          Show
          <select (change)="show.set($any($event.target).value)">
            @for (choice of shows; track choice.value) {
              <option [value]="choice.value" [selected]="choice.value === show()">{{ choice.label }}</option>
            }
          </select>
        </label>
      </div>
      @if (state()?.error; as error) {
        <p class="s-bad" role="alert">Could not read the items: {{ error }}.</p>
      }
      @if (state()?.value; as list) {
        @if (list.items.length === 0) {
          <ae-empty title="No item here"
            >Items are added by the API, the CLI or a workflow's queue.add step.</ae-empty
          >
        } @else {
          <table>
            <caption class="visually-hidden">
              Items of
              {{
                queue()
              }}, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Reference</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Deadline</th>
                <th scope="col">Job</th>
                <th scope="col">Added</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              @for (item of list.items; track item.itemId) {
                <tr [attr.aria-label]="'Item ' + item.reference">
                  <td class="mono">{{ item.reference }}</td>
                  <td><ae-status [status]="item.status" /></td>
                  <td>{{ item.attempts }} of {{ item.maxRetries + 1 }}</td>
                  <td>
                    @if (item.deadline) {
                      <ae-time [at]="item.deadline" />
                      @if (item.deadlineMissedAt) {
                        <span class="badge s-bad">missed</span>
                      } @else if (item.atRiskAt) {
                        <span class="badge s-warn">at risk</span>
                      }
                    } @else {
                      <span class="muted">none</span>
                    }
                  </td>
                  <td class="mono">
                    @if (item.jobId) {
                      <a [routerLink]="['/jobs', item.jobId]" [title]="item.jobId">{{
                        item.jobId | jobId
                      }}</a>
                    }
                  </td>
                  <td><ae-time [at]="item.addedAt" /></td>
                  <td [class.s-bad]="item.error">
                    {{ item.error ? item.error.exception + ': ' + item.error.message : '' }}
                  </td>
                </tr>
              }
            </tbody>
          </table>
        }
      } @else if (!state()?.error) {
        <p class="muted" aria-live="polite">Loading the items…</p>
      }
    </section>
  `,
  styles: `
    .head {
      display: flex;
      align-items: baseline;
      justify-content: space-between;
      gap: 1rem;
    }
  `,
})
export class QueueItemsComponent {
  readonly queue = input.required<string>();
  private readonly api = inject(QueuesApi);
  protected readonly shows = SHOWS;
  protected readonly show = signal('');
  private readonly query = computed(() => {
    const show = this.show();
    const query: Partial<QueueItemsQuery> =
      show === 'at-risk' || show === 'missed'
        ? { deadline: show }
        : show
          ? { status: show as QueueItemsQuery['status'] }
          : {};
    return { queue: this.queue(), query };
  });
  protected readonly state = toSignal(
    toObservable(this.query).pipe(
      switchMap(({ queue, query }) => polled(() => this.api.items(queue, query), 10_000)),
    ),
  );
}
