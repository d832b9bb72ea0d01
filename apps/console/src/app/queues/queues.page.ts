import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { polled } from '../core/polled';
import { QueuesApi } from '../core/queues-api';
import { EmptyStateComponent } from '../shared/empty-state.component';
import { StatusBadgeComponent } from '../shared/status-badge.component';
import { TimeComponent } from '../shared/time.component';
import { QueueItemsComponent } from './queue-items.component';
import { openItems, slaText } from './queue-figures';
import { JobIdPipe } from '../shared/job-id.pipe';

/** Work queues: items per status, deadlines at risk and missed, each queue's SLA; jobs' deadlines. */
@Component({
  selector: 'ae-queues-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    EmptyStateComponent,
    JobIdPipe,
    QueueItemsComponent,
    RouterLink,
    StatusBadgeComponent,
    TimeComponent,
  ],
  template: `
    <h1>Work queues</h1>
    @if (state()?.error; as error) {
      <p class="card s-bad" role="alert">Could not read the queues: {{ error }}. Retrying every 10 s.</p>
    }
    @if (state()?.value; as m) {
      <section class="card">
        @if (m.queues.length === 0) {
          <ae-empty title="No work queue">
            PUT /api/v1/queues/&lt;name&gt; defines one (retries, SLA, trigger); items then wait here.
          </ae-empty>
        } @else {
          <table>
            <caption class="visually-hidden">
              Work queues with their items per status
            </caption>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Open</th>
                <th scope="col">New</th>
                <th scope="col">In progress</th>
                <th scope="col">Retried</th>
                <th scope="col">Successful</th>
                <th scope="col">Failed</th>
                <th scope="col">Abandoned</th>
                <th scope="col">At risk</th>
                <th scope="col">Missed</th>
                <th scope="col">SLA</th>
                <th scope="col">Oldest waiting</th>
              </tr>
            </thead>
            <tbody>
              @for (q of m.queues; track q.queue) {
                <tr [attr.aria-label]="'Queue ' + q.queue" [class.selected]="q.queue === selected()">
                  <td>
                    <button
                      type="button"
                      class="link"
                      (click)="selected.set(q.queue)"
                      [attr.aria-pressed]="q.queue === selected()"
                    >
                      {{ q.queue }}
                    </button>
                  </td>
                  <td>{{ open(q) }}</td>
                  <td>{{ q.items.new }}</td>
                  <td>{{ q.items['in-progress'] }}</td>
                  <td>{{ q.items.retried }}</td>
                  <td>{{ q.items.successful }}</td>
                  <td [class.s-bad]="q.items.failed > 0">{{ q.items.failed }}</td>
                  <td [class.s-bad]="q.items.abandoned > 0">{{ q.items.abandoned }}</td>
                  <td [class.s-warn]="q.atRisk > 0">{{ q.atRisk }}</td>
                  <td [class.s-bad]="q.deadlineMissed > 0">{{ q.deadlineMissed }}</td>
                  <td>{{ sla(q) }}</td>
                  <td><ae-time [at]="q.oldestWaitingAt" /></td>
                </tr>
              }
            </tbody>
          </table>
        }
      </section>
      @if (selected(); as queue) {
        <ae-queue-items [queue]="queue" />
      }
      <section class="card" aria-labelledby="job-deadlines">
        <h2 id="job-deadlines">Job deadlines</h2>
        <p>
          <span [class.s-warn]="m.jobs.atRisk > 0">{{ m.jobs.atRisk }} at risk</span> ·
          <span [class.s-bad]="m.jobs.deadlineMissed > 0">{{ m.jobs.deadlineMissed }} missed</span>
        </p>
        @if (m.jobs.flagged.length > 0) {
          <table>
            <caption class="visually-hidden">
              Jobs flagged at risk or past their deadline, latest deadline first
            </caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Workflow</th>
                <th scope="col">Status</th>
                <th scope="col">Deadline</th>
                <th scope="col">Predicted finish</th>
                <th scope="col">Missed</th>
              </tr>
            </thead>
            <tbody>
              @for (job of m.jobs.flagged; track job.jobId) {
                <tr [attr.aria-label]="'Job ' + job.jobId">
                  <td class="mono">
                    <a [routerLink]="['/jobs', job.jobId]" [title]="job.jobId">{{ job.jobId | jobId }}</a>
                  </td>
                  <td>{{ job.workflowId }}</td>
                  <td><ae-status [status]="job.status" /></td>
                  <td><ae-time [at]="job.deadline" /></td>
                  <td><ae-time [at]="job.predictedFinish" /></td>
                  <td [class.s-bad]="job.missedAt">
                    @if (job.missedAt) {
                      <ae-time [at]="job.missedAt" /> ({{ job.consequence }})
                    } @else {
                      <span class="muted">not yet</span>
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        }
      </section>
    } @else if (!state()?.error) {
      <p class="muted" aria-live="polite">Loading the queues…</p>
    }
  `,
  styles: `
    .card + .card,
    ae-queue-items {
      display: block;
      margin-top: 1rem;
    }
  `,
})
export default class QueuesPage {
  private readonly api = inject(QueuesApi);
  protected readonly state = toSignal(polled(() => this.api.queues(), 10_000));
  protected readonly selected = signal<string | undefined>(undefined);
  protected readonly open = openItems;
  protected readonly sla = slaText;
}
